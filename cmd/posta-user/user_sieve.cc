// posta-user sieve list|get|put|activate|deactivate|delete, posta-user vacation: a user's
// Sieve scripts (lib/sieve/script_store), written as the owner of the mail store and
// checked by the Sieve compiler before they are stored or activated.
#include <ctime>
#include <iostream>

#include "admin/output.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "base/strings.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "sieve/script_store.h"
#include "sieve/sieve.h"
#include "sieve/vacation_script.h"
#include "user.h"

namespace posta::usercmd {
namespace {

constexpr size_t kMaxInput = 16 << 20;
constexpr std::string_view kVacationHeader = "# Written by posta-user vacation;";

struct SieveOpts {
  std::string address, name, file;
  bool json = false;
  std::string subject, body_file, until;
  unsigned days = 7;
  bool off = false;
};

// A store error in the admin tools' codes: exit 1 for missing, existing, active or over the
// quota, 2 for a bad name.
Error as_admin(const Error& e) {
  switch (e.code) {
    case sieve::kScriptTooBig:
    case sieve::kScriptTooMany:
    case sieve::kScriptActive: return Error{e.what, accounts::kErrRefused};
    case sieve::kScriptBadName: return Error{e.what, accounts::kErrInvalid};
    default: return e;  // kScriptNotFound and kScriptExists are the accounts codes already
  }
}
int report(const Error& e) { return admin::report(as_admin(e)); }

// The user's store, after becoming the owner of the mail store (in system mode root would
// otherwise leave files the post-auth servers and posta-local cannot read).
Result<sieve::ScriptStore> store_of(const Context& c, const std::string& address) {
  std::string maildir;
  {
    POSTA_TRY(auto acc, open(c, false));
    POSTA_TRY(auto u, acc.find_user(address));
    if (!u) return fail("no such user " + address, accounts::kErrNotFound);
    maildir = strip_trailing_slash(u->maildir);
  }
  std::string home = admin::home_or_default(c.home);
  if (auto st = become_mail_store_owner(home); !st) return std::unexpected(st.error());
  return sieve::ScriptStore(maildir, sieve::StoreLimits::from_control(Control(home)));
}

Status compiles(std::string_view name, std::string_view text) {
  auto script = sieve::compile(text);
  if (script) return {};
  return fail("script \"" + std::string(name) + "\" does not compile: " + script.error().what, accounts::kErrInvalid);
}

Result<std::string> read_input(const std::string& file) {
  if (file.empty() || file == "-") return read_all(0, kMaxInput);
  return read_file(file, kMaxInput);
}

int list(const Context& c, const SieveOpts& o) {
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  auto scripts = store->list();
  if (!scripts) return report(scripts.error());
  if (o.json) std::cout << "[";
  for (size_t i = 0; i < scripts->size(); ++i) {
    const auto& s = (*scripts)[i];
    if (o.json) {
      std::cout << (i ? "," : "") << "{\"name\":" << admin::json_string(s.name)
                << ",\"active\":" << (s.active ? "true" : "false") << "}";
    } else {
      std::cout << admin::tsv_escape(s.name) << "\t" << (s.active ? "active" : "-") << "\n";
    }
  }
  if (o.json) std::cout << "]\n";
  return admin::flush_stdout();
}

int get(const Context& c, const SieveOpts& o) {
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  auto text = store->get(o.name);
  if (!text) return report(text.error());
  std::cout << *text;
  return admin::flush_stdout();
}

int put(const Context& c, const SieveOpts& o) {
  auto text = read_input(o.file);  // as the caller, before store_of() changes who we are
  if (!text) return report(text.error());
  if (auto st = compiles(o.name, *text); !st) return report(st.error());
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  if (auto st = store->put(o.name, *text); !st) return report(st.error());
  log::info("stored script \"", o.name, "\" for ", o.address);
  return kExitOk;
}

int activate(const Context& c, const SieveOpts& o) {
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  auto text = store->get(o.name);
  if (!text) return report(text.error());
  if (auto st = compiles(o.name, *text); !st) return report(st.error());
  if (auto st = store->activate(o.name); !st) return report(st.error());
  log::info("activated script \"", o.name, "\" for ", o.address);
  return kExitOk;
}

int deactivate(const Context& c, const SieveOpts& o) {
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  if (auto st = store->deactivate(); !st) return report(st.error());
  log::info("no active script for ", o.address);
  return kExitOk;
}

int del(const Context& c, const SieveOpts& o) {
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  if (auto st = store->remove(o.name); !st) return report(st.error());
  log::info("deleted script \"", o.name, "\" for ", o.address);
  return kExitOk;
}

std::string today_utc() {
  char buf[16];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The existing vacation script: nullopt when none; an error when a script of that name is
// the user's own (not written by us).
Result<std::optional<std::string>> our_vacation(const sieve::ScriptStore& store) {
  auto text = store.get(sieve::kVacationScriptName);
  if (!text) {
    if (text.error().code == sieve::kScriptNotFound) return std::nullopt;
    return std::unexpected(text.error());
  }
  if (!text->starts_with(kVacationHeader)) {
    return fail("the user has a script named \"vacation\" that posta-user did not write; rename or delete it "
                "first (posta-user sieve get/delete)",
                accounts::kErrRefused);
  }
  return std::optional<std::string>(std::move(*text));
}

int vacation_off(sieve::ScriptStore& store, const SieveOpts& o) {
  auto ours = our_vacation(store);
  if (!ours) return report(ours.error());
  if (!*ours) return report(Error{"no vacation script for " + o.address, accounts::kErrNotFound});
  auto active = store.active();
  if (!active) return report(active.error());
  std::string restored;
  if (*active == sieve::kVacationScriptName) {
    auto inc = sieve::vacation_included(**ours);
    if (inc && store.get(*inc)) restored = *inc;
    auto st = restored.empty() ? store.deactivate() : store.activate(restored);
    if (!st) return report(st.error());
  }
  if (auto st = store.remove(sieve::kVacationScriptName); !st) return report(st.error());
  log::info("vacation off for ", o.address, restored.empty() ? "" : "; active again: \"" + restored + "\"");
  return kExitOk;
}

int vacation_on(sieve::ScriptStore& store, const SieveOpts& o, const std::string& body) {
  auto ours = our_vacation(store);
  if (!ours) return report(ours.error());
  auto active = store.active();
  if (!active) return report(active.error());
  // The user's rules keep running after the vacation action: the script active before is
  // included (a second run keeps what the first one included).
  std::string include = active->value_or("");
  if (include == sieve::kVacationScriptName) include = *ours ? sieve::vacation_included(**ours).value_or("") : "";
  auto text = sieve::vacation_script({o.subject, body, o.until, o.days, include});
  if (!text) return report(Error{text.error().what, accounts::kErrInvalid});
  if (auto st = compiles(sieve::kVacationScriptName, *text); !st) return report(st.error());
  if (auto st = store.put(sieve::kVacationScriptName, *text); !st) return report(st.error());
  if (auto st = store.activate(sieve::kVacationScriptName); !st) return report(st.error());
  log::info("vacation on for ", o.address, o.until.empty() ? "" : " until " + o.until,
            include.empty() ? "" : "; it includes \"" + include + "\", active before");
  return kExitOk;
}

int vacation(const Context& c, const SieveOpts& o) {
  if (o.off && (!o.subject.empty() || !o.body_file.empty() || !o.until.empty()))
    return report(Error{"--off takes no other option", accounts::kErrInvalid});
  std::string body;
  if (!o.off) {
    if (o.subject.empty() || o.body_file.empty())
      return report(Error{"vacation needs --subject and --body-file (or --off)", accounts::kErrInvalid});
    if (!o.until.empty() && sieve::valid_iso_date(o.until) && o.until < today_utc())
      return report(Error{"--until " + o.until + " is in the past", accounts::kErrInvalid});
    // read as the caller, before store_of() becomes the mail store owner
    auto b = read_input(o.body_file);
    if (!b) return report(b.error());
    body = std::move(*b);
  }
  auto store = store_of(c, o.address);
  if (!store) return report(store.error());
  return o.off ? vacation_off(*store, o) : vacation_on(*store, o, body);
}

}  // namespace

void register_sieve(CLI::App& app, Context& ctx, Action& action) {
  static SieveOpts o;
  auto on = [&action, &ctx](int (*fn)(const Context&, const SieveOpts&)) {
    return [&action, &ctx, fn] { action = [&ctx, fn] { return fn(ctx, o); }; };
  };
  auto* sv = app.add_subcommand("sieve", "a user's Sieve scripts (see posta-managesieved(8))");
  sv->require_subcommand(1);
  auto sub = [&](const char* name, const char* help, int (*fn)(const Context&, const SieveOpts&)) {
    auto* sc = sv->add_subcommand(name, help);
    sc->add_option("ADDRESS", o.address, "user@domain")->required();
    sc->callback(on(fn));
    return sc;
  };
  sub("list", "the user's scripts, one a line: NAME TAB active|-", list)
      ->add_flag("--json", o.json, "a JSON array of {name, active}");
  sub("get", "print a script", get)->add_option("NAME", o.name, "script name")->required();
  auto* p = sub("put", "store a script (checked first) from FILE or stdin", put);
  p->add_option("NAME", o.name, "script name")->required();
  p->add_option("FILE", o.file, "the script; - or none for stdin");
  sub("activate", "make a script the active one (checked first)", activate)
      ->add_option("NAME", o.name, "script name")->required();
  sub("deactivate", "no active script", deactivate);
  sub("delete", "delete a script that is not active", del)->add_option("NAME", o.name, "script name")->required();

  auto* vc = app.add_subcommand("vacation", "write and activate a vacation reply script, or remove it (--off)");
  vc->add_option("ADDRESS", o.address, "user@domain")->required();
  vc->add_option("--subject", o.subject, "subject of the replies");
  vc->add_option("--body-file", o.body_file, "text of the replies (- for stdin)");
  vc->add_option("--until", o.until, "last day of replies, YYYY-MM-DD (UTC)");
  vc->add_option("--days", o.days, "one reply per sender per this many days (default 7)")->check(CLI::Range(1, 365));
  vc->add_flag("--off", o.off, "remove the vacation script; the script it included is active again");
  vc->callback(on(vacation));
}

}  // namespace posta::usercmd
