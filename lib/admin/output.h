// What the admin tools print on stdout, written once: a record list as names or a JSON
// array, a TSV export with its header line, and the exit code that says whether it all
// reached stdout. Plus the list/show/export subcommands every record tool has.
#pragma once
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace posta::admin {

// kExitOk when stdout took everything, kExitTemporary otherwise (a full disk, a closed pipe).
int flush_stdout();

// One line a record (to_line, without the newline), or (json) one JSON array of the objects
// to_json gives.
template <class Record, class ToJson, class ToLine>
int print_records(const std::vector<Record>& records, bool json, ToJson to_json, ToLine to_line) {
  if (json) std::cout << "[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (json) std::cout << (i ? "," : "") << to_json(records[i]);
    else std::cout << to_line(records[i]) << "\n";
  }
  if (json) std::cout << "]\n";
  return flush_stdout();
}

// The same with each record's address as its line.
template <class Record, class ToJson>
int print_records(const std::vector<Record>& records, bool json, ToJson to_json) {
  return print_records(records, json, to_json, [](const Record& r) -> const std::string& { return r.address; });
}

// The header line, then one row a record.
template <class Record, class ToRow>
int print_tsv(const char* header, const std::vector<Record>& records, ToRow to_row) {
  std::cout << header << "\n";
  for (const auto& r : records) std::cout << to_row(r) << "\n";
  return flush_stdout();
}

// list [DOMAIN] [--json], show NAME [--json], export [DOMAIN]: the subcommands that read a
// tool's records. kind is "user", "alias", "list"; name the positional argument of show.
struct RecordCommands {
  std::string kind, kinds;   // "alias", "aliases"
  std::string name = "ADDRESS";
  std::string* address = nullptr;
  bool* json = nullptr;
  std::function<void()> list, show, export_tsv;
};
void add_record_commands(CLI::App& app, const RecordCommands& c);

}  // namespace posta::admin
