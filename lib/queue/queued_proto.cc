#include "queue/queued_proto.h"
#include "proc/privilege.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace posta::queue {
namespace {

bool known_name(std::string_view name, const FrameKind& kind) {
  return std::find(kind.names.begin(), kind.names.end(), name) != kind.names.end();
}

bool good_value(std::string_view v) { return v.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos; }

// One "NAME=value" entry checked; names already seen are refused.
Status check_entry(std::string_view name, std::string_view value, const QueuedRequest& seen, const FrameKind& kind) {
  if (!known_name(name, kind)) return fail("unknown name " + std::string(name.substr(0, 40)));
  for (auto& [n, v] : seen.env)
    if (n == name) return fail("repeated name " + std::string(name));
  if (!good_value(value)) return fail("bad byte in the value of " + std::string(name));
  return {};
}

}  // namespace

Result<std::string> encode_queued_frame(const std::vector<std::string>& env, const FrameKind& kind) {
  std::string out(kind.magic);
  QueuedRequest seen;
  for (auto& e : env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos) return fail("entry without '='");
    std::string name = e.substr(0, eq), value = e.substr(eq + 1);
    if (auto s = check_entry(name, value, seen, kind); !s) return std::unexpected(s.error());
    seen.env.emplace_back(name, value);
    out += e + "\n";
  }
  out += "\n";
  if (out.size() > kind.max) return fail("frame too large");
  return out;
}

Result<QueuedRequest> parse_queued_frame(std::string_view frame, const FrameKind& kind) {
  if (frame.size() > kind.max) return fail("frame too large");
  if (!frame.starts_with(kind.magic)) return fail("not a " + std::string(kind.magic.substr(0, kind.magic.size() - 1)) + " frame");
  std::string_view rest = frame.substr(kind.magic.size());
  QueuedRequest req;
  for (;;) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return fail("frame ends without its empty line");
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.empty()) break;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail("line without '='");
    if (auto s = check_entry(line.substr(0, eq), line.substr(eq + 1), req, kind); !s)
      return std::unexpected(s.error());
    req.env.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  if (!rest.empty()) return fail("bytes after the frame's empty line");
  return req;
}

void QueuedRequest::apply(Injection& in) const {
  for (auto& [name, value] : env) {
    if (name == "POSTA_AUTH_USER") {
      if (in.caller_is_daemon) in.auth_user = value;
    } else if (name == "POSTA_ORIGIN") in.origin_claim = value;
    else if (name == "POSTA_DSN_RET") in.dsn_ret = value;
    else if (name == "POSTA_DSN_ENVID") in.dsn_envid = value;
    else if (name == "POSTA_BODY") in.body = value;
    else if (name == "POSTA_SMTPUTF8") in.smtputf8 = !value.empty() && value != "0";
    else if (name == "TCPREMOTEIP" && in.caller_is_daemon) {
      in.from_network = true;
      in.remote_ip = value;
    }
  }
}

namespace {

std::string name_of(uid_t uid) {
  passwd pw{}, *res = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) != 0 || !res || !*pw.pw_name) return "";
  return pw.pw_name;
}

}  // namespace

void set_caller(Injection& in, uid_t caller, bool system) {
  in.caller_uid = caller;
  in.caller_name = name_of(caller);
  if (system) {
    // posta-c: the resident content filter (posta-spamcheck serve), which passes on only
    // what posta-smtpd handed it; a set-user-id posta-c copy could become posta-d anyway
    in.caller_is_daemon = user_id(kDaemonUser) == caller || user_id("posta-c") == caller;
    in.caller_is_queue_manager = user_id("posta-s") == caller;
  } else {
    in.caller_is_daemon = in.caller_is_queue_manager = caller == ::geteuid();
  }
}

std::string encode_queued_exit(int code) { return "exit " + std::to_string(code) + "\n"; }

Result<int> parse_queued_exit(std::string_view reply) {
  if (!reply.starts_with("exit ") || !reply.ends_with('\n')) return fail("not an exit line");
  std::string_view num = reply.substr(5, reply.size() - 6);
  int code = -1;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), code);
  if (num.empty() || num.size() > 3 || ec != std::errc() || p != num.data() + num.size() || code < 0 || code > 255 ||
      (num.size() > 1 && num[0] == '0'))
    return fail("bad exit code in the answer");
  return code;
}

}  // namespace posta::queue
