#include "net/reuse.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "net/fdpass.h"

namespace posta::net {
namespace {

constexpr std::string_view kMagic{"posta-conn 1\0", 13};

bool valid_entry(std::string_view e) {
  size_t eq = e.find('=');
  return eq != std::string_view::npos && eq > 0 && e.find('\0') == std::string_view::npos;
}

}  // namespace

Result<std::string> encode_conn_record(const std::vector<std::string>& env) {
  std::string r(kMagic);
  for (auto& e : env) {
    if (!valid_entry(e)) return fail("bad environment entry for a reused server");
    r += e;
    r += '\0';
  }
  if (r.size() > kMaxConnRecord) return fail("connection environment too large");
  return r;
}

Result<std::vector<std::string>> decode_conn_record(std::string_view record) {
  if (!record.starts_with(kMagic)) return fail("not a posta-conn record");
  if (record.size() > kMaxConnRecord) return fail("connection record too large");
  record.remove_prefix(kMagic.size());
  std::vector<std::string> env;
  while (!record.empty()) {
    size_t nul = record.find('\0');
    if (nul == std::string_view::npos) return fail("unterminated entry in a posta-conn record");
    std::string_view e = record.substr(0, nul);
    if (!valid_entry(e)) return fail("bad entry in a posta-conn record");
    env.emplace_back(e);
    record.remove_prefix(nul + 1);
  }
  return env;
}

std::vector<std::string> overlay_env(const std::vector<std::string>& base,
                                     const std::vector<std::string>& env) {
  std::set<std::string, std::less<>> names;
  for (auto& e : env) names.insert(e.substr(0, e.find('=')));
  std::vector<std::string> out;
  out.reserve(base.size() + env.size());
  for (auto& e : base)
    if (!names.contains(std::string_view(e).substr(0, e.find('=')))) out.push_back(e);
  for (auto& e : env) out.push_back(e);
  return out;
}

Status send_conn(int control, int sock, const std::vector<std::string>& env) {
  auto rec = encode_conn_record(env);
  if (!rec) return std::unexpected(rec.error());
  auto sent = send_fds(control, *rec, {sock}, MSG_DONTWAIT, kMaxConnRecord);
  if (!sent) return fail(sent.error().what + " (to a reused server)", sent.error().code);
  return {};
}

Result<PassedConn> recv_conn(int control) {
  auto got = recv_fds(control, kMaxConnRecord);
  if (!got) return std::unexpected(got.error());  // code 0: end of file
  if (got->fds.size() != 1) return fail("a posta-conn record needs exactly one fd");
  auto env = decode_conn_record(got->header);
  if (!env) return std::unexpected(env.error());
  return PassedConn{std::move(got->fds[0]), std::move(*env)};
}

}  // namespace posta::net
