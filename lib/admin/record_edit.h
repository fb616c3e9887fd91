// What the admin tools' commands that change records share: a size or count option applied
// to a record's field, and `import` (posta-domain, posta-alias, posta-list).
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/lookup.h"
#include "admin/tool.h"
#include "base/error.h"
#include "base/exitcode.h"
#include "log/log.h"

namespace posta::admin {

// field = parse_size(text) / parse_count(text) when the option was given (text not empty);
// field stays as it was otherwise, and when text does not parse (the error).
[[nodiscard]] Status assign_size(const std::string& text, uint64_t& field);
[[nodiscard]] Status assign_count(const std::string& text, uint64_t& field);

// The records of an import: TSV rows (empty lines and '#' lines skipped), each parsed by
// parse, then stored with add, or (replace) put over a record that already exists.
template <class Record>
struct ImportRows {
  const char* kinds;  // "aliases": the log line "imported N aliases"
  Result<Record> (*parse)(std::string_view line);
  Status (accounts::Accounts::*add)(const Record&);
  Status (accounts::Accounts::*put)(const Record&);
};

// Reads every row of in before opening the databases of home_opt (--home), so that a bad
// line ("line N: why") writes nothing. Returns the tool's exit code, as admin::report.
template <class Record>
int import_tsv(std::istream& in, const std::string& home_opt, bool replace, const ImportRows<Record>& how) {
  std::vector<Record> rows;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    auto r = how.parse(line);
    if (!r) return report(Error{log::cat("line ", n, ": ", r.error().what), r.error().code});
    rows.push_back(std::move(*r));
  }
  auto acc = open_for(home_or_default(home_opt), true);
  if (!acc) return report(acc.error());
  for (const auto& r : rows) {
    auto st = ((*acc).*how.add)(r);
    if (!st && st.error().code == accounts::kErrExists && replace) st = ((*acc).*how.put)(r);
    if (!st) return report(st.error());
  }
  log::info("imported ", rows.size(), " ", how.kinds);
  return kExitOk;
}

}  // namespace posta::admin
