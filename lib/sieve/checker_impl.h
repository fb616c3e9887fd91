// Shared by checker.cc (commands) and checker_tests.cc (tests): the required extensions
// and a cursor over a command's or test's arguments.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "base/strings.h"
#include "sieve/ast.h"
#include "sieve/program.h"

namespace posta::sieve::check_impl {

struct Checker {
  const Limits& limits;
  std::set<std::string> required;
  bool variables = false;

  bool has(std::string_view ext) const { return required.count(std::string(ext)) > 0; }
  // An error unless ext was required.
  Status need(std::string_view ext, Position p, std::string_view what) const;
  Str str(const std::string& s) const;
  StrList strs(const std::vector<std::string>& v) const;

  Result<Test> test(const TestNode& n, unsigned depth);
};

std::unexpected<Error> error_at(Position p, std::string_view m);
bool has_variable_reference_impl(std::string_view s);

// Walks the arguments of one command or test: tags first, then positional arguments.
class Args {
 public:
  Args(const std::vector<Argument>& a, std::string what) : a_(a), what_(std::move(what)) {}
  bool at_tag() const { return i_ < a_.size() && a_[i_].kind == Argument::kTag; }
  const Argument& peek() const { return a_[i_]; }
  const Argument& take() { return a_[i_++]; }
  bool done() const { return i_ >= a_.size(); }
  size_t remaining() const { return a_.size() - i_; }
  const std::string& what() const { return what_; }
  Position pos_or(Position p) const { return done() ? p : a_[i_].pos; }

  // The value of a tag that takes one: a single string, a string list, a number.
  Result<std::string> tag_string(const Argument& tag);
  Result<std::vector<std::string>> tag_strings(const Argument& tag);
  Result<uint64_t> tag_number(const Argument& tag);
  // Positional arguments.
  Result<std::string> string(Position p, std::string_view name);
  Result<std::vector<std::string>> strings(Position p, std::string_view name);
  Result<uint64_t> number(Position p, std::string_view name);
  Status end(Position p);

  std::unexpected<Error> unknown_tag(const Argument& tag) const;

 private:
  const std::vector<Argument>& a_;
  std::string what_;
  size_t i_ = 0;
};

// Tags shared by tests: :comparator, match types, address parts, :index/:last. Returns
// true when tag was one of them (and consumed its value).
Result<bool> common_tag(Checker& c, Args& args, const Argument& tag, MatchSpec& m, bool& match_seen,
                        bool& comparator_seen, AddressPart* part, Test* index_of);
// After the keys are known: comparator/match type compatibility and :regex compilation.
Status finish_match(Checker& c, MatchSpec& m, Position p, bool comparator_seen);

}  // namespace posta::sieve::check_impl
