#include "dkim/sign.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "base/base64.h"
#include "dkim/canon.h"

namespace posta::dkim {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// RFC 8463: Ed25519 signs the SHA-256 digest of the data; RSA signs the data with SHA-256.
std::string signing_input(const EVP_PKEY* key, std::string_view data) {
  return type_of(key) == KeyType::kEd25519 ? sha256(data) : std::string(data);
}

// Folds a long tag value (b=, bh=) into continuation lines of about 72 columns.
std::string fold(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); i += 72) {
    if (i) out += "\r\n\t ";
    out.append(v.substr(i, 72));
  }
  return out;
}

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

Result<std::string> raw_sign(const EVP_PKEY* key, std::string_view data_in) {
  std::string data = signing_input(key, data_in);
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = type_of(key) == KeyType::kEd25519 ? nullptr : EVP_sha256();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, const_cast<EVP_PKEY*>(key)) != 1)
    return fail("cannot initialise DKIM signing");
  size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return fail("DKIM signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1)
    return fail("DKIM signing failed");
  sig.resize(len);
  return sig;
}

bool raw_verify(const EVP_PKEY* key, std::string_view data_in, std::string_view sig) {
  std::string data = signing_input(key, data_in);
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = type_of(key) == KeyType::kEd25519 ? nullptr : EVP_sha256();
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, const_cast<EVP_PKEY*>(key)) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

std::string strip_b_value(std::string_view raw) {
  std::string out(raw);
  size_t colon = out.find(':');
  size_t pos = colon == std::string::npos ? 0 : colon + 1;
  while (pos < out.size()) {
    size_t semi = out.find(';', pos);
    size_t end = semi == std::string::npos ? out.size() : semi;
    size_t eq = out.find('=', pos);
    if (eq != std::string::npos && eq < end && trim_wsp(std::string_view(out).substr(pos, eq - pos)) == "b") {
      size_t cut_end = end;
      // keep the field's final CRLF when b= is the last tag
      if (semi == std::string::npos)
        while (cut_end > eq + 1 && (out[cut_end - 1] == '\r' || out[cut_end - 1] == '\n')) --cut_end;
      out.erase(eq + 1, cut_end - eq - 1);
      return out;
    }
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  return out;
}

std::string header_hash_input(const std::vector<const HeaderField*>& fields, const HeaderField& sig_field,
                              bool relaxed) {
  std::string in;
  for (auto* f : fields) in += relaxed ? header_relaxed(*f) : header_simple(*f);
  HeaderField stripped{sig_field.name, strip_b_value(sig_field.raw)};
  std::string s = relaxed ? header_relaxed(stripped) : header_simple(stripped);
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\r\n") == 0) s.resize(s.size() - 2);
  return in + s;
}

Result<std::string> sign(std::string_view msg, const EVP_PKEY* key, const SignOptions& o) {
  auto split = split_message(msg);
  std::vector<std::string> names;
  for (auto& want : o.headers)
    for (auto& h : split.headers)
      if (lower(h.name) == want) names.push_back(want);
  names.push_back("from");  // over-sign
  std::string h;
  for (auto& n : names) h += (h.empty() ? "" : ":") + n;
  std::string bh = base64_encode(sha256(body_relaxed(split.body)));
  std::time_t t = o.timestamp ? o.timestamp : std::time(nullptr);
  std::string alg = type_of(key) == KeyType::kEd25519 ? "ed25519-sha256" : "rsa-sha256";
  std::string field = "DKIM-Signature: v=1; a=" + alg + "; c=relaxed/relaxed; d=" + o.domain +
                      "; s=" + o.selector + ";\r\n\tt=" + std::to_string(t) + "; h=" + h +
                      ";\r\n\tbh=" + bh + ";\r\n\tb=\r\n";
  HeaderField sig_field{"DKIM-Signature", field};
  auto input = header_hash_input(select_headers(split.headers, names), sig_field, true);
  auto sig = raw_sign(key, input);
  if (!sig) return std::unexpected(sig.error());
  field.resize(field.size() - 2);  // before the CRLF after "b="
  return field + fold(base64_encode(*sig)) + "\r\n";
}

}  // namespace posta::dkim
