// Sieve (RFC 5228) mail filtering: compile a script (check it at upload, run it at delivery)
// and run it against one message, giving the list of actions to perform. The library does no
// delivery itself: posta-local performs the actions (cmd/posta-local/local_sieve.cc).
//
// Supported extensions (man/posta-sieve.5): fileinto, mailbox, reject, ereject, envelope,
// imap4flags, vacation, vacation-seconds, copy, body, variables, subaddress, relational,
// comparator-i;ascii-numeric, date, index, regex, include.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta {
class Control;
}

namespace posta::sieve {

// Bounds that keep a hostile script cheap. Compile-time bounds refuse the script with an
// error; run-time bounds stop it (the caller then delivers to INBOX).
struct Limits {
  size_t max_script_size = 1 << 20;   // bytes of script text
  unsigned max_nesting = 32;          // nested blocks plus nested tests
  size_t max_string_list = 1024;      // strings in one list
  size_t max_string_size = 64 * 1024; // bytes in one string
  size_t max_nodes = 20000;           // commands, tests and arguments in one script
  unsigned max_actions = 64;          // actions per message (keep, fileinto, redirect, ...)
  unsigned max_redirects = 4;         // redirects per message
  uint64_t max_steps = 10000000;      // evaluation steps per message (commands, tests, match work)
  uint64_t max_cpu_ms = 5000;         // CPU time per message (a backstop for the steps); 0 = none
  unsigned max_include_depth = 5;     // nested include
  unsigned max_includes = 16;         // scripts included per message
  size_t max_variables = 256;         // distinct variables
  size_t max_variable_size = 4096;    // bytes in one variable value
  uint32_t regex_match_limit = 100000;  // PCRE2 match limit per match attempt
  uint64_t vacation_min_period = 86400;  // shorter :days/:seconds are raised to this

  // The defaults, with what the admin may set: max_redirects from control/sievemaxredirects
  // (0 forbids redirect; at most max_actions).
  static Limits from_control(const Control& control);
};

struct CompileOptions {
  Limits limits;
  // A global script (include :global) may use the same extensions; no difference at compile
  // time today, kept so the caller states which kind it checks.
  bool global = false;
};

struct Program;  // the checked form (program.h)

// A compiled, checked script. Cheap to copy (shared and immutable).
class Script {
 public:
  Script() = default;
  explicit Script(std::shared_ptr<const Program> p) : program_(std::move(p)) {}
  const Program& program() const { return *program_; }
  bool empty() const { return !program_; }
  // The extensions named by require, in order.
  const std::vector<std::string>& required() const;

 private:
  std::shared_ptr<const Program> program_;
};

// Compiles and checks text. On failure the Error's what is
// "line L, column C: message", e.g. `line 3, column 5: unknown extension "foo"`.
[[nodiscard]] Result<Script> compile(std::string_view text, const CompileOptions& options = {});

// Extensions this implementation supports, as require names them.
const std::vector<std::string>& supported_extensions();

// ---- running a script -------------------------------------------------------------------

// The message as the script sees it. raw is the whole message (header and body).
struct Message {
  std::string_view raw;
  std::string envelope_from;  // "" for the null sender
  std::string envelope_to;    // the recipient address being delivered to
  std::string envelope_orig_to;  // before alias expansion; "" = envelope_to
  std::string subaddress_separators = "+";  // for :user and :detail (control/subaddress)
};

struct Action {
  enum Kind { kKeep, kFileinto, kRedirect, kDiscard, kReject, kEreject, kVacation };
  Kind kind = kKeep;
  std::string mailbox;             // fileinto (as written: "INBOX", "Lists/posta" ...)
  bool create = false;             // fileinto :create
  bool copy = false;               // :copy (does not cancel the implicit keep)
  std::vector<std::string> flags;  // keep/fileinto: IMAP flags and keywords to set
  bool has_flags = false;          // flags were given (even empty)
  std::string address;             // redirect
  std::string reason;              // reject / ereject / vacation text
  // vacation
  uint64_t period_seconds = 0;     // :days (as seconds) or :seconds
  std::string subject, from, handle;
  std::vector<std::string> addresses;
  bool mime = false;
};

struct Outcome {
  std::vector<Action> actions;    // in execution order; duplicates merged (RFC 5228 2.10.3)
  bool implicit_keep = true;      // no action cancelled it
  std::vector<std::string> implicit_keep_flags;  // imap4flags internal variable at the end
};

// Where include finds scripts. Returns the script text; an error with code ENOENT means
// "no such script" (include :optional skips it).
struct IncludeLoader {
  std::function<Result<std::string>(std::string_view name, bool global)> load;
  // When set, used instead of load and compile(): the checked script itself (posta-local
  // takes a personal one from its compiled form); ENOENT as for load.
  std::function<Result<Script>(std::string_view name, bool global, const CompileOptions& options)> load_script;
};

struct RunOptions {
  Limits limits;
  IncludeLoader includes;          // empty: include fails at run time
  // Mailboxes that exist (mailboxexists, and fileinto without :create is reported by the
  // caller, not here). nullptr: every mailbox exists.
  std::function<bool(std::string_view mailbox)> mailbox_exists;
  int64_t now = 0;                 // time for currentdate (seconds since the epoch); 0 = time()
  int zone_offset_minutes = 0;     // local zone of the server for currentdate / date
  bool zone_known = false;         // false: use the process's local zone
};

// Runs script against msg. An error means a run-time failure (a limit reached, a missing
// include, conflicting actions); the caller then keeps the message in INBOX and logs the
// error's what. Variables and flags are per run.
[[nodiscard]] Result<Outcome> run(const Script& script, const Message& msg, const RunOptions& options = {});

// Runs several scripts in turn as one sequence (admin before-script, the user's, the
// after-script), as if the later were included: actions accumulate, stop ends everything,
// a cancelled implicit keep stays cancelled. Empty scripts are skipped.
[[nodiscard]] Result<Outcome> run_sequence(const std::vector<const Script*>& scripts, const Message& msg,
                                           const RunOptions& options = {});

// The outcome in the layout of Pigeonhole sieve-test's "Performed actions" and "Implicit
// keep" lists (flags lower-cased where they are system flags, and sorted), for comparing
// the two implementations and for posta-sieve-test(1).
std::string format_outcome(const Outcome& o);

}  // namespace posta::sieve
