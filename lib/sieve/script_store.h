// A user's stored Sieve scripts (ManageSieve, posta-user sieve, posta-local).
//
// Layout (the contract between the writers here and posta-local, which reads it):
//   <maildir>/sieve/<name>.sieve   one file per script, written atomically (temp + rename)
//   <maildir>/sieve/active         symlink to "<name>.sieve" of the active script; no
//                                  symlink means no active script
//   <maildir>/sieve/<name>.svbin   the script's compiled form (compiled_form.h), a cache:
//                                  written by put() and by posta-local after it compiled
//                                  the text; used only when valid for the current text
// Temporary files are ".tmp.*" in the same directory; names never start with '.', so no
// temporary or hidden file is ever listed as a script.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "sieve/sieve.h"

namespace posta {
class Control;
}

namespace posta::sieve {

// Error::code values of failed ScriptStore calls (the same meaning as the accounts codes
// where they overlap); any other code is an errno (system trouble).
constexpr int kScriptNotFound = -1;     // no such script (NONEXISTENT)
constexpr int kScriptExists = -2;       // rename onto an existing name (ALREADYEXISTS)
constexpr int kScriptBadName = -3;      // name fails valid_script_name()
constexpr int kScriptActive = -4;       // delete of the active script (ACTIVE)
constexpr int kScriptTooBig = -5;       // larger than max_size (QUOTA/MAXSIZE)
constexpr int kScriptTooMany = -6;      // would exceed max_scripts (QUOTA/MAXSCRIPTS)

// control/sievemaxsize (bytes, default 64 KiB) and control/sievemaxscripts (default 20).
struct StoreLimits {
  size_t max_size = 64 * 1024;
  size_t max_scripts = 20;
  static StoreLimits from_control(const Control& control);
};

// 1 to 128 UTF-8 characters (valid UTF-8), no '/', no control characters (C0, DEL, C1,
// U+2028/U+2029 included), not starting with '.'.
bool valid_script_name(std::string_view name);

struct ScriptInfo {
  std::string name;
  bool active = false;
  bool operator==(const ScriptInfo&) const = default;
};

class ScriptStore {
 public:
  // maildir is the user's main maildir; the scripts live in maildir + "/sieve".
  explicit ScriptStore(std::string maildir, StoreLimits limits = {});

  const std::string& dir() const { return dir_; }
  const StoreLimits& limits() const { return limits_; }
  // dir() + "/" + name + ".sieve" (no validation).
  std::string path_of(std::string_view name) const;
  // dir() + "/" + name + ".svbin": the compiled form of the script.
  std::string compiled_path_of(std::string_view name) const;
  // dir() + "/active": the path posta-local opens.
  std::string active_link() const;

  // Scripts sorted by name; empty when the directory does not exist.
  [[nodiscard]] Result<std::vector<ScriptInfo>> list() const;
  [[nodiscard]] Result<std::string> get(std::string_view name) const;
  // The active script's name, nullopt when none (or when the link is dangling).
  [[nodiscard]] Result<std::optional<std::string>> active() const;

  // Would put(name, <size bytes>) pass the quota checks? (HAVESPACE)
  [[nodiscard]] Status check_space(std::string_view name, size_t size) const;
  // Creates or replaces atomically, after the name and quota checks. Creates dir() (0700).
  // Writes the compiled form too when content compiles (and removes a stale one when it
  // does not); a failure to write the form does not fail put().
  [[nodiscard]] Status put(std::string_view name, std::string_view content);
  // Writes form as the compiled form of name: temp + rename, without fsync (a form lost or
  // torn by a crash is refused by the loader, and the text compiled instead).
  [[nodiscard]] Status save_compiled(std::string_view name, std::string_view form) const;

  // How load() came by its script.
  struct LoadNote {
    bool from_form = false;   // the compiled form was valid and used
    std::string refused;      // why an existing form was not used ("" = used, or none)
    bool saved = false;       // the text was compiled and its form written
    std::string save_error;   // the text was compiled and writing its form failed
  };
  // The script name (whose text is text): from its compiled form when that is valid for
  // text (compiled_form.h load_form), else compiled from text and, when save, its form
  // written for the next time. An error only when the text does not compile.
  [[nodiscard]] Result<Script> load(std::string_view name, std::string_view text, const CompileOptions& options,
                                    bool save, LoadNote* note = nullptr) const;
  // Fails with kScriptExists when to exists; renaming the active script keeps it active.
  [[nodiscard]] Status rename(std::string_view from, std::string_view to);
  // Replaces the active link atomically (temp symlink + rename).
  [[nodiscard]] Status activate(std::string_view name);
  // Removes the active link; no error when there is none.
  [[nodiscard]] Status deactivate();
  // Fails with kScriptActive for the active script (RFC 5804 DELETESCRIPT).
  [[nodiscard]] Status remove(std::string_view name);

 private:
  [[nodiscard]] Status check_name(std::string_view name) const;
  std::string dir_;
  StoreLimits limits_;
};

}  // namespace posta::sieve
