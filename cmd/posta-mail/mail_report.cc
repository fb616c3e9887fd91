// posta-mail usage (size, messages, quota use, last login, largest folders per user and per
// domain) and audit (the audit log, filtered).
#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>

#include "accounts/address.h"
#include "admin/output.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "base/strings.h"
#include "log/log.h"
#include "mail.h"
#include "maildir/reader.h"
#include "mailstore/folders.h"

namespace posta::mailcmd {
namespace {

using accounts::kErrInvalid;

constexpr size_t kLargest = 3;

struct FolderSize {
  std::string name;
  uint64_t bytes = 0, messages = 0;
};

struct UserUsage {
  std::string address, domain;
  uint64_t bytes = 0, messages = 0, quota_bytes = 0, quota_messages = 0;
  int64_t last_login = 0;
  std::vector<FolderSize> largest;  // the kLargest biggest folders that hold messages
};

struct DomainUsage {
  std::string domain;
  uint64_t users = 0, bytes = 0, messages = 0;
};

UserUsage measure(const accounts::UserRecord& u) {
  UserUsage out{u.address, u.domain, 0, 0, u.quota_bytes, u.quota_messages, u.last_login, {}};
  mailstore::Folders folders(maildir_of(u));
  std::vector<FolderSize> all;
  for (const auto& name : folders.list()) {
    auto msgs = maildir::list_messages(folders.dir(name));
    if (!msgs) continue;  // no Maildir yet
    FolderSize f{name, 0, msgs->size()};
    for (const auto& m : *msgs) f.bytes += m.size;
    out.bytes += f.bytes;
    out.messages += f.messages;
    if (f.messages) all.push_back(std::move(f));
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name; });
  if (all.size() > kLargest) all.resize(kLargest);
  out.largest = std::move(all);
  return out;
}

// Percent of the byte quota in use, "-" when unlimited.
std::string quota_use(const UserUsage& u) {
  if (!u.quota_bytes) return "-";
  return std::to_string(u.bytes * 100 / u.quota_bytes) + "%";
}

std::string user_json(const UserUsage& u) {
  std::string largest = "[";
  for (size_t i = 0; i < u.largest.size(); ++i)
    largest += std::string(i ? "," : "") + "{\"folder\":" + admin::json_string(u.largest[i].name) +
               ",\"bytes\":" + std::to_string(u.largest[i].bytes) + ",\"messages\":" + std::to_string(u.largest[i].messages) + "}";
  return "{\"user\":" + admin::json_string(u.address) + ",\"domain\":" + admin::json_string(u.domain) +
         ",\"bytes\":" + std::to_string(u.bytes) + ",\"messages\":" + std::to_string(u.messages) +
         ",\"quota_bytes\":" + std::to_string(u.quota_bytes) + ",\"quota_messages\":" + std::to_string(u.quota_messages) +
         ",\"last_login\":" + (u.last_login ? admin::json_string(admin::format_time(u.last_login)) : "null") +
         ",\"largest\":" + largest + "]}";
}

std::string user_line(const UserUsage& u) {
  std::string largest;
  for (const auto& f : u.largest) largest += (largest.empty() ? "" : ",") + f.name + "=" + std::to_string(f.bytes);
  return u.address + "\t" + std::to_string(u.messages) + "\t" + std::to_string(u.bytes) + "\t" +
         (u.quota_bytes ? std::to_string(u.quota_bytes) : "-") + "\t" + quota_use(u) + "\t" +
         admin::format_time(u.last_login) + "\t" + largest;
}

int usage(const Opts& o) {
  auto users = scope_users(o);
  if (!users) return report(users.error());
  std::vector<UserUsage> measured;
  std::map<std::string, DomainUsage> domains;
  for (size_t i = 0; i < users->size(); ++i) {
    measured.push_back(measure((*users)[i]));
    auto& d = domains[measured.back().domain];
    d.domain = measured.back().domain;
    d.users += 1;
    d.bytes += measured.back().bytes;
    d.messages += measured.back().messages;
    show_progress("users", i + 1, users->size());
  }
  if (o.json) {
    std::cout << "{\"users\":[";
    for (size_t i = 0; i < measured.size(); ++i) std::cout << (i ? "," : "") << user_json(measured[i]);
    std::cout << "],\"domains\":[";
    size_t i = 0;
    for (const auto& [name, d] : domains)
      std::cout << (i++ ? "," : "") << "{\"domain\":" << admin::json_string(name) << ",\"users\":" << d.users
                << ",\"bytes\":" << d.bytes << ",\"messages\":" << d.messages << "}";
    std::cout << "]}\n";
    return admin::flush_stdout();
  }
  std::cout << "USER\tMESSAGES\tBYTES\tQUOTA\tUSE\tLAST-LOGIN\tLARGEST\n";
  for (const auto& u : measured) std::cout << user_line(u) << "\n";
  std::cout << "DOMAIN\tUSERS\tMESSAGES\tBYTES\n";
  for (const auto& [name, d] : domains) std::cout << name << "\t" << d.users << "\t" << d.messages << "\t" << d.bytes << "\n";
  return admin::flush_stdout();
}

// "2026-01-31" (midnight UTC), "2026-01-31T10:00:00Z" or unix seconds.
Result<int64_t> parse_when(const std::string& s) {
  if (auto n = parse_uint(s)) return static_cast<int64_t>(*n);
  struct tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) {
    tm = {};
    end = strptime(s.c_str(), "%Y-%m-%d", &tm);
  }
  if (!end || *end) return fail("not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or unix seconds): " + s, kErrInvalid);
  return static_cast<int64_t>(timegm(&tm));
}

std::string record_json(const audit::Record& r) {
  return "{\"time\":" + admin::json_string(admin::format_time(r.time)) + ",\"who\":" + admin::json_string(r.who) +
         ",\"program\":" + admin::json_string(r.program) + ",\"action\":" + admin::json_string(r.action) +
         ",\"user\":" + admin::json_string(r.user) + ",\"folder\":" + admin::json_string(r.folder) +
         ",\"uids\":" + admin::json_string(r.uids) + ",\"message_id\":" + admin::json_string(r.message_id) +
         ",\"detail\":" + admin::json_string(r.detail) + "}";
}

std::string record_line(const audit::Record& r) {
  std::string out = admin::format_time(r.time);
  for (const std::string* f : {&r.who, &r.program, &r.action, &r.user, &r.folder, &r.uids, &r.message_id, &r.detail})
    out += "\t" + admin::tsv_escape(*f);
  return out;
}

int audit_list(const Opts& o) {
  audit::Filter f{o.users.empty() ? "" : o.users.front(), o.action, 0, 0};
  for (auto [text, out] : {std::pair{&o.since, &f.since}, std::pair{&o.until, &f.until}}) {
    if (text->empty()) continue;
    auto t = parse_when(*text);
    if (!t) return report(t.error());
    *out = *t;
  }
  std::string home = admin::home_or_default(o.home);
  if (auto s = become_mail_owner(home); !s) return report(s.error());
  auto records = audit::read(home, f);
  if (!records) return report(records.error());
  return admin::print_records(*records, o.json, record_json, record_line);
}

}  // namespace

void register_report(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("usage", "size, messages, quota use, last login and largest folders, per user and domain");
  add_scope_options(sc, o);
  sc->add_flag("--json", o.json, "one JSON object: users and domains");
  sc->callback([&] { action = [&] { return usage(o); }; });

  sc = app.add_subcommand("audit", "list the audit log: posta-mail changes, posta-user changes, master-user IMAP sessions");
  sc->add_option("--user", o.users, "only records about this user")->allow_extra_args(false)->expected(1);
  sc->add_option("--action", o.action, "only this action (expunge, move, import, export, fetch, user-add, SELECT, ...)");
  sc->add_option("--since", o.since, "from this time on (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, unix seconds)");
  sc->add_option("--until", o.until, "before this time");
  sc->add_flag("--json", o.json, "a JSON array");
  sc->callback([&] { action = [&] { return audit_list(o); }; });
}

}  // namespace posta::mailcmd
