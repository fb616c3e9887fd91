#include "dkim/verify.h"

#include <map>

#include "base/base64.h"
#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/sign.h"

namespace posta::dkim {
namespace {

using Tags = std::map<std::string, std::string>;

bool parse_tags(std::string_view value, Tags& out) {
  size_t pos = 0;
  for (;;) {
    size_t semi = value.find(';', pos);
    auto part = value.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!trim_wsp(part).empty()) return false;
    } else {
      std::string name = trim_wsp(part.substr(0, eq));
      if (name.empty() || out.count(name)) return false;  // duplicate tags are an error
      out[name] = trim_wsp(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) return true;
    pos = semi + 1;
  }
}

std::string no_wsp(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

Verdict perm(Verdict v, std::string why) {
  v.result = Verdict::Result::kPermError;
  v.reason = std::move(why);
  return v;
}

Verdict check_one(const SplitMessage& m, const HeaderField& sig, const KeyFetcher& fetch, std::time_t now) {
  Verdict v;
  Tags t;
  auto colon = sig.raw.find(':');
  if (!parse_tags(std::string_view(sig.raw).substr(colon + 1), t)) return perm(v, "malformed tag list");
  v.domain = lower(t["d"]);
  v.selector = t["s"];
  v.algorithm = t["a"];
  for (auto* need : {"v", "a", "b", "bh", "d", "h", "s"})
    if (!t.count(need)) return perm(v, std::string("missing tag ") + need);
  if (t["v"] != "1") return perm(v, "unsupported version");
  if (v.algorithm != "rsa-sha256" && v.algorithm != "ed25519-sha256") return perm(v, "unsupported algorithm " + v.algorithm);
  std::string c = t.count("c") ? t["c"] : "simple/simple";
  auto slash = c.find('/');
  std::string hc = c.substr(0, slash), bc = slash == std::string::npos ? "simple" : c.substr(slash + 1);
  if ((hc != "simple" && hc != "relaxed") || (bc != "simple" && bc != "relaxed"))
    return perm(v, "unsupported canonicalization " + c);
  if (t.count("x") && std::strtoll(t["x"].c_str(), nullptr, 10) < now) return perm(v, "signature expired");
  std::vector<std::string> names;
  bool has_from = false;
  size_t p = 0;
  std::string h = no_wsp(t["h"]);
  while (p <= h.size()) {
    size_t q = h.find(':', p);
    names.push_back(h.substr(p, q == std::string::npos ? std::string::npos : q - p));
    has_from |= lower(names.back()) == "from";
    if (q == std::string::npos) break;
    p = q + 1;
  }
  if (!has_from) return perm(v, "From is not signed");
  std::string body = bc == "relaxed" ? body_relaxed(m.body) : body_simple(m.body);
  if (t.count("l")) {
    auto l = std::strtoull(t["l"].c_str(), nullptr, 10);
    if (l > body.size()) return perm(v, "l= longer than the body");
    body.resize(l);
  }
  if (base64_encode(sha256(body)) != no_wsp(t["bh"])) {
    v.result = Verdict::Result::kFail;
    v.reason = "body hash mismatch";
    return v;
  }
  auto key_txt = fetch(v.selector + "._domainkey." + v.domain);
  if (key_txt.status == KeyLookup::Status::kTempFail) {
    v.result = Verdict::Result::kTempError;
    v.reason = "key lookup failed";
    return v;
  }
  if (key_txt.status == KeyLookup::Status::kNotFound) return perm(v, "no key for signature");
  auto key = parse_key_record(key_txt.txt);
  if (!key) return perm(v, key.error().what);
  bool ed = v.algorithm == "ed25519-sha256";
  if ((key->type == KeyType::kEd25519) != ed) return perm(v, "key type does not match algorithm");
  auto sigbytes = b64_decode(t["b"]);
  if (!sigbytes) return perm(v, "b= is not base64");
  auto input = header_hash_input(select_headers(m.headers, names), sig, hc == "relaxed");
  if (!raw_verify(key->key.get(), input, *sigbytes)) {
    v.result = Verdict::Result::kFail;
    v.reason = "signature did not verify";
    return v;
  }
  v.result = Verdict::Result::kPass;
  return v;
}

}  // namespace

const char* result_name(Verdict::Result r) {
  switch (r) {
    case Verdict::Result::kPass: return "pass";
    case Verdict::Result::kFail: return "fail";
    case Verdict::Result::kPermError: return "permerror";
    case Verdict::Result::kTempError: return "temperror";
  }
  return "?";
}

std::vector<Verdict> verify(std::string_view msg, const KeyFetcher& fetch, std::time_t now) {
  auto m = split_message(msg);
  std::vector<Verdict> out;
  for (auto& f : m.headers)
    if (lower(f.name) == "dkim-signature") out.push_back(check_one(m, f, fetch, now));
  return out;
}

}  // namespace posta::dkim
