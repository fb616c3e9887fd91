#include "sieve_scripts.h"

#include "io/fd.h"
#include "log/log.h"
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

// The user's script from its compiled form when that is valid for the text, else compiled
// from the text, whose form is then written for the next delivery (ScriptStore::load).
Result<sieve::Script> from_store(const sieve::ScriptStore& store, const std::string& name, const std::string& text,
                                 const sieve::CompileOptions& options) {
  sieve::ScriptStore::LoadNote note;
  auto script = store.load(name, text, options, true, &note);
  if (!note.refused.empty())
    log::warning("sieve: ", store.compiled_path_of(name), " not used: ", note.refused, "; compiled the text");
  if (!note.save_error.empty()) log::warning("sieve: compiled form not saved: ", note.save_error);
  if (note.saved) log::info("sieve: compiled ", store.path_of(name), " into ", store.compiled_path_of(name));
  return script;
}

void user_script(const sieve::ScriptStore& store, const std::string& name, SieveScripts& out) {
  std::string what = "script " + store.path_of(name);
  auto text = stored_script(store, name);
  if (!text) {
    if (text.error().code != ENOENT && out.error.empty()) out.error = what + ": " + text.error().what;
    return;
  }
  auto script = from_store(store, name, *text, {});
  if (!script) {
    if (out.error.empty()) out.error = what + ": " + script.error().what;
    return;
  }
  out.user = std::move(*script);
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
    user_script(store, **active, out);
  }
  use(read_script(home + "/sieve/after.sieve"), out.after, "after-script " + home + "/sieve/after.sieve");
  return out;
}

Result<sieve::Script> load_included_script(const std::string& home, const std::string& maildir,
                                           std::string_view name, bool global,
                                           const sieve::CompileOptions& options) {
  if (!sieve::valid_script_name(name)) return fail("invalid script name", ENOENT);
  if (global) {
    POSTA_TRY(auto text, read_script(home + "/sieve/" + std::string(name) + ".sieve"));
    return sieve::compile(text, options);
  }
  sieve::ScriptStore store(maildir);
  POSTA_TRY(auto text, stored_script(store, name));
  return from_store(store, std::string(name), text, options);
}

}  // namespace posta::local
