// libFuzzer target for SPF records (lib/spf): the record parser, macro expansion and
// check_host() over a DNS in which every name has the fuzzed record as its TXT and a few
// addresses, so include, redirect, mx, ptr and the lookup limits all run on hostile input.
// The work must stay bounded (the limits of RFC 7208 4.6.4), whatever the record says.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats; g++ -DPOSTA_FUZZ_MAIN builds a seed-mutating driver.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/wire.h"
#include "spf/check.h"
#include "spf/macro.h"
#include "spf/record.h"

namespace {

using namespace posta;

// Every name exists: TXT = the record, A/AAAA/MX/PTR answers that point back into the zone.
class EchoLookup : public spf::Lookup {
 public:
  explicit EchoLookup(std::string record) : record_(std::move(record)) {}
  std::vector<dns::Answer> query_all(const std::vector<dns::Question>& qs) override {
    std::vector<dns::Answer> out;
    for (auto& q : qs) {
      if (++queries > 1000) std::abort();  // the limits must bound the lookups of one check
      dns::Answer a;
      a.status = dns::QueryStatus::kOk;
      std::string data = q.type == dns::kTxt    ? record_
                         : q.type == dns::kA    ? "192.0.2.1"
                         : q.type == dns::kAaaa ? "2001:db8::1"
                                                : "mx." + q.name;
      if (q.name.size() % 3 == 0) a.status = dns::QueryStatus::kNxDomain;  // some void lookups
      else a.records.push_back(dns::Record{q.name, q.type, 60, data, 10});
      out.push_back(std::move(a));
    }
    return out;
  }
  int queries = 0;

 private:
  std::string record_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)spf::parse_record(text);
  (void)spf::valid_domain_spec(text);
  spf::MacroContext ctx;
  ctx.sender = "strong-bad@email.example.com";
  ctx.local_part = "strong-bad";
  ctx.sender_domain = ctx.domain = "email.example.com";
  ctx.ip = *net::parse_ip("2001:db8::cb01");
  (void)spf::expand_macros(text, ctx, spf::MacroUse::kExplanation);
  for (const char* ip : {"192.0.2.1", "2001:db8::2"}) {
    EchoLookup dns("v=spf1 " + text);
    spf::Identity id;
    id.ip = *net::parse_ip(ip);
    id.mail_from = "user@example.com";
    id.helo = "helo.example.com";
    auto r = spf::check_mail_from(id, dns);
    if (r.dns_lookups > 11 || r.void_lookups > 3) std::abort();
  }
  return 0;
}

#ifdef POSTA_FUZZ_MAIN
#include "standalone_main.h"

int main(int argc, char** argv) {
  return posta::fuzz::standalone_main(
      argc, argv,
      {.seeds = {"-all", "include:a.example.com ~all", "a/24//64 mx:%{d2}/26 ptr -all",
                 "exists:%{ir}.%{v}._spf.%{d2} ?all", "redirect=%{d}.x.example exp=e.%{d}",
                 "ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", "%{l1r-}.%{S}.%{p}"},
       .alphabet = "v=spf1 -~?+:/%{}._-aimnpxrdslohcvt0123456789",
       .max_edits = 8,
       .random_byte_one_in = 4});
}
#endif
