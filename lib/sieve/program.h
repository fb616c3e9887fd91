// The checked form of a Sieve script: typed commands and tests, what the interpreter runs.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sieve/lexer.h"
#include "sieve/sieve.h"

namespace posta::sieve {

class Regex;  // match.h

// A string argument; vars when it holds "${" and the script requires variables, so that
// run time expands it (RFC 5229) and the other strings are used as they are.
struct Str {
  std::string text;
  bool vars = false;
};
using StrList = std::vector<Str>;

enum class MatchType { kIs, kContains, kMatches, kRegex, kValue, kCount };
enum class Relation { kGt, kGe, kLt, kLe, kEq, kNe };
enum class Comparator { kOctet, kAsciiCasemap, kAsciiNumeric };
enum class AddressPart { kAll, kLocalpart, kDomain, kUser, kDetail };
enum class BodyTransform { kText, kRaw, kContent };

struct MatchSpec {
  MatchType type = MatchType::kIs;
  Relation relation = Relation::kEq;
  Comparator comparator = Comparator::kAsciiCasemap;
  StrList keys;
  // :regex keys compiled at check time (null where a key holds variables)
  std::vector<std::shared_ptr<const Regex>> regexes;
};

struct Test {
  enum Kind {
    kTrue, kFalse, kNot, kAllof, kAnyof, kAddress, kEnvelope, kHeader, kExists, kSize,
    kBody, kString, kDate, kCurrentdate, kHasflag, kMailboxexists
  };
  Kind kind = kTrue;
  Position pos;
  std::vector<Test> tests;  // not / allof / anyof
  MatchSpec match;
  AddressPart part = AddressPart::kAll;
  StrList names;            // header names, envelope parts, string sources, hasflag variables, mailboxes
  bool over = false;        // size :over (else :under)
  uint64_t limit = 0;       // size
  unsigned index = 0;       // :index (0 = none)
  bool last = false;        // :last
  BodyTransform transform = BodyTransform::kText;
  StrList content_types;    // body :content
  bool zone_given = false, original_zone = false;
  Str zone;                 // date :zone "+0100"
  Str date_part;            // date / currentdate
};

struct Command;
struct Branch {
  bool has_test = false;  // false: else
  Test test;
  std::vector<Command> block;
};

struct Command {
  enum Kind {
    kIf, kStop, kKeep, kDiscard, kFileinto, kRedirect, kReject, kEreject, kVacation,
    kSetflag, kAddflag, kRemoveflag, kSet, kInclude, kReturn, kGlobal
  };
  Kind kind = kStop;
  Position pos;
  std::vector<Branch> branches;  // if / elsif / else
  Str arg;                       // mailbox, address, reason, set's value, include's name
  bool copy = false, create = false;
  bool has_flags = false;
  StrList flags;                 // keep/fileinto :flags, setflag/addflag/removeflag list
  Str variable;                  // setflag/addflag/removeflag variable, set's name
  bool has_variable = false;
  // vacation
  bool has_period = false;
  uint64_t period = 0;           // seconds
  Str subject, from, handle;
  bool has_subject = false, has_from = false, has_handle = false;
  StrList addresses;
  bool mime = false;
  // set modifiers, highest precedence first: see variables.cc
  unsigned modifiers = 0;
  // include
  bool global = false, once = false, optional = false;
  StrList names;                 // global
};

struct Program {
  std::vector<std::string> required;
  bool variables = false;  // require "variables"
  bool imap4flags = false;
  std::vector<Command> commands;
};

}  // namespace posta::sieve

namespace posta::sieve {
// set modifiers (RFC 5229 section 4.1) as bits of Command::modifiers
enum SetModifier : unsigned {
  kModLower = 1, kModUpper = 2, kModLowerFirst = 4, kModUpperFirst = 8,
  kModQuoteWildcard = 16, kModQuoteRegex = 32, kModLength = 64,
};
}  // namespace posta::sieve
