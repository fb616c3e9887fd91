#include "sieve_scripts.h"

#include "io/fd.h"
#include "sieve/script_store.h"

namespace posta::local {

namespace {

constexpr size_t kMaxScript = 1 << 20;

// The text of a script file; ENOENT when missing.
Result<std::string> read_script(const std::string& path) { return read_file(path, kMaxScript); }

// A stored script's text (lib/sieve/script_store.h); ENOENT when there is none.
Result<std::string> stored_script(const sieve::ScriptStore& store, std::string_view name) {
  auto text = store.get(name);
  if (!text && (text.error().code == sieve::kScriptNotFound || text.error().code == sieve::kScriptBadName))
    return fail(text.error().what, ENOENT);
  return text;
}

}  // namespace

SieveScripts load_sieve_scripts(const std::string& home, const std::string& maildir, const std::string& user) {
  SieveScripts out;
  auto use = [&](const Result<std::string>& text, sieve::Script& into, const std::string& what) {
    if (!text) {
      if (text.error().code != ENOENT && out.error.empty()) out.error = what + ": " + text.error().what;
      return;
    }
    auto script = sieve::compile(*text);
    if (!script) {
      if (out.error.empty()) out.error = what + ": " + script.error().what;
      return;
    }
    into = std::move(*script);
  };
  (void)user;
  use(read_script(home + "/sieve/before.sieve"), out.before, "before-script " + home + "/sieve/before.sieve");
  sieve::ScriptStore store(maildir);
  auto active = store.active();
  if (!active) {
    if (out.error.empty()) out.error = active.error().what;
  } else if (*active) {
    use(stored_script(store, **active), out.user, "script " + store.path_of(**active));
  }
  use(read_script(home + "/sieve/after.sieve"), out.after, "after-script " + home + "/sieve/after.sieve");
  return out;
}

Result<std::string> load_included_script(const std::string& home, const std::string& maildir,
                                         std::string_view name, bool global) {
  if (!sieve::valid_script_name(name)) return fail("invalid script name", ENOENT);
  if (global) return read_script(home + "/sieve/" + std::string(name) + ".sieve");
  return stored_script(sieve::ScriptStore(maildir), name);
}

}  // namespace posta::local
