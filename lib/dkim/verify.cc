#include "dkim/verify.h"

#include <algorithm>
#include <map>
#include <optional>

#include "base/base64.h"
#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/sign.h"
#include "dkim/tags.h"
#include "dns/wire.h"

namespace posta::dkim {
namespace {

Verdict with(Verdict v, Verdict::Result r, std::string why) {
  v.result = r;
  v.reason = std::move(why);
  return v;
}
Verdict perm(Verdict v, std::string why) { return with(std::move(v), Verdict::Result::kPermError, std::move(why)); }

std::optional<long long> decimal(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(s);
}

// The canonical bodies, computed once per canonicalization for all signatures.
class Bodies {
 public:
  explicit Bodies(std::string_view body) : body_(body) {}
  const std::string& get(bool relaxed) {
    auto& slot = relaxed ? relaxed_ : simple_;
    if (!slot) slot = relaxed ? body_relaxed(body_) : body_simple(body_);
    return *slot;
  }

 private:
  std::string_view body_;
  std::optional<std::string> relaxed_, simple_;
};

std::string_view field_value(const HeaderField& f) {
  auto colon = f.raw.find(':');
  return std::string_view(f.raw).substr(colon == std::string::npos ? f.raw.size() : colon + 1);
}

// The tag checks of RFC 6376 section 6.1.1 that need no key and no hashing.
Verdict check_tags(Tags& t, std::vector<std::string>& names, std::time_t now) {
  Verdict v;
  v.domain = lower(t["d"]);
  v.selector = t["s"];
  v.algorithm = t["a"];
  v.identity = t["i"];
  for (auto* need : {"v", "a", "b", "bh", "d", "h", "s"})
    if (!t.count(need)) return perm(v, std::string("missing tag ") + need);
  if (t["v"] != "1") return perm(v, "unsupported version");
  if (v.algorithm != "rsa-sha256" && v.algorithm != "ed25519-sha256")
    return perm(v, "unsupported algorithm " + v.algorithm);
  std::string c = t.count("c") ? t["c"] : "simple";
  auto slash = c.find('/');
  std::string hc = c.substr(0, slash), bc = slash == std::string::npos ? "simple" : c.substr(slash + 1);
  if ((hc != "simple" && hc != "relaxed") || (bc != "simple" && bc != "relaxed"))
    return perm(v, "unsupported canonicalization " + c);
  v.canonicalization = hc + "/" + bc;
  if (v.domain.empty() || v.selector.empty()) return perm(v, "empty d= or s=");
  if (!v.identity.empty()) {
    auto at = v.identity.rfind('@');
    std::string idom = lower(at == std::string::npos ? std::string() : v.identity.substr(at + 1));
    if (idom != v.domain && !(idom.size() > v.domain.size() && idom.ends_with("." + v.domain)))
      return perm(v, "i= is not within d=");
  }
  std::optional<long long> ts, xs;
  if (t.count("t") && !(ts = decimal(t["t"]))) return perm(v, "t= is not a number");
  if (t.count("x") && !(xs = decimal(t["x"]))) return perm(v, "x= is not a number");
  if (t.count("l") && !decimal(t["l"])) return perm(v, "l= is not a number");
  if (ts && *ts > now + kFutureSkew) return perm(v, "signature timestamp t= in the future");
  if (xs && ts && *xs < *ts) return perm(v, "x= is before t=");
  if (xs && *xs < now) return perm(v, "signature expired");
  bool has_from = false;
  for (auto& n : split(without_fws(t["h"]), ':')) {
    if (n.empty()) return perm(v, "empty name in h=");
    has_from |= iequals(n, "from");
    names.push_back(n);
  }
  if (!has_from) return perm(v, "From is not signed");
  v.result = Verdict::Result::kPass;  // so far
  return v;
}

Verdict check_one(const SplitMessage& m, Bodies& bodies, const HeaderField& sig, const KeyFetcher& fetch,
                  std::time_t now) {
  auto tags = parse_tags(field_value(sig));
  if (!tags) return perm(Verdict{}, tags.error().what);
  Tags& t = *tags;
  std::vector<std::string> names;
  Verdict v = check_tags(t, names, now);
  if (v.result != Verdict::Result::kPass) return v;
  bool relaxed_body = v.canonicalization.ends_with("/relaxed");
  const std::string& body = bodies.get(relaxed_body);
  std::string_view signed_body = body;
  if (t.count("l")) {
    auto l = static_cast<size_t>(*decimal(t["l"]));
    if (l > body.size()) return with(v, Verdict::Result::kFail, "l= longer than the body");
    signed_body = signed_body.substr(0, l);
    v.unsigned_body = body.size() - l;
  }
  if (base64_encode(sha256(signed_body)) != without_fws(t["bh"]))
    return with(v, Verdict::Result::kFail, "body hash mismatch");
  std::string key_name = v.selector + "._domainkey." + v.domain;
  if (!dns::normalize_name(key_name)) return perm(v, "s= and d= do not form a domain name");
  auto key_txt = fetch(key_name);
  if (key_txt.status == KeyLookup::Status::kTempFail) return with(v, Verdict::Result::kTempError, "key lookup failed");
  if (key_txt.status == KeyLookup::Status::kNotFound) return perm(v, "no key for signature");
  auto key = parse_key_record(key_txt.txt);
  if (!key) return perm(v, key.error().what);
  v.testing = key->testing;
  if ((key->type == KeyType::kEd25519) != (v.algorithm == "ed25519-sha256"))
    return perm(v, "key type does not match algorithm");
  if (key->strict_identity && !v.identity.empty() && !iequals(v.identity.substr(v.identity.rfind('@') + 1), v.domain))
    return perm(v, "key t=s does not allow a subdomain in i=");
  auto sigbytes = b64_decode(t["b"]);
  if (!sigbytes) return perm(v, "b= is not base64");
  auto input = header_hash_input(select_headers(m.headers, names), sig, v.canonicalization.starts_with("relaxed/"));
  if (!raw_verify(key->key.get(), input, *sigbytes)) return with(v, Verdict::Result::kFail, "signature did not verify");
  if (v.unsigned_body > 0)
    return with(v, Verdict::Result::kPolicy, "l= leaves " + std::to_string(v.unsigned_body) + " body octets unsigned");
  return v;
}

bool is_signature(const HeaderField& f) { return iequals(f.name, "dkim-signature"); }

}  // namespace

const char* result_name(Verdict::Result r) {
  switch (r) {
    case Verdict::Result::kPass: return "pass";
    case Verdict::Result::kFail: return "fail";
    case Verdict::Result::kPolicy: return "policy";
    case Verdict::Result::kNeutral: return "neutral";
    case Verdict::Result::kPermError: return "permerror";
    case Verdict::Result::kTempError: return "temperror";
  }
  return "?";
}

std::vector<Verdict> verify(std::string_view msg, const KeyFetcher& fetch, std::time_t now) {
  auto m = split_message(msg);
  Bodies bodies(m.body);
  std::vector<Verdict> out;
  for (auto& f : m.headers) {
    if (!is_signature(f)) continue;
    if (out.size() < kMaxSignatures) {
      out.push_back(check_one(m, bodies, f, fetch, now));
      continue;
    }
    Verdict skipped;
    if (auto t = parse_tags(field_value(f))) {
      skipped.domain = lower((*t)["d"]);
      skipped.selector = (*t)["s"];
      skipped.algorithm = (*t)["a"];
    }
    out.push_back(with(skipped, Verdict::Result::kNeutral,
                       "not verified: more than " + std::to_string(kMaxSignatures) + " signatures"));
  }
  return out;
}

std::vector<std::string> key_names(std::string_view msg) {
  auto m = split_message(msg);
  std::vector<std::string> out;
  size_t seen = 0;
  for (auto& f : m.headers) {
    if (!is_signature(f) || seen++ >= kMaxSignatures) continue;
    auto t = parse_tags(field_value(f));
    if (!t || (*t)["s"].empty() || (*t)["d"].empty()) continue;
    std::string name = (*t)["s"] + "._domainkey." + lower((*t)["d"]);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace posta::dkim
