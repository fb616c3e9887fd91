// The compiled form of a Sieve script, cached beside the script so that delivery need not
// tokenize and parse it again (INTERNALS.md "Sieve compiled forms"):
//
//   magic "PSTSIEVE", format version (u32 LE), SHA-256 of the exact source text,
//   the script's syntax tree (varints and length-prefixed strings), SHA-256 of all before it.
//
// What is stored is the parsed tree of a script that passed the checker, not the typed
// Program: the loader decodes the tree under the parser's own bounds (nesting, elements,
// list and string sizes) and then runs the very checker compile() runs (check(), which
// also compiles :regex keys through the bounded path), so a forged file can at most stand
// for a script that could have been uploaded as text. Anything unexpected is an error, and
// the caller compiles the source instead.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "sieve/ast.h"
#include "sieve/sieve.h"

namespace posta::sieve {

constexpr std::string_view kCompiledMagic = "PSTSIEVE";
constexpr uint32_t kCompiledVersion = 1;

// A script compiled from text, with the bytes of its compiled form.
struct CompiledScript {
  Script script;
  std::string form;
};

// compile(), and the compiled form of the same text; compile()'s error otherwise.
[[nodiscard]] Result<CompiledScript> compile_with_form(std::string_view text, const CompileOptions& options = {});

// The compiled form of tree, parsed from text (no checks: the caller checked it).
std::string encode_form(std::string_view text, const std::vector<CommandNode>& tree);

// The syntax tree in form, after the header, version, both hashes and the parser's bounds
// (limits) are checked; text is the script's current source. No checker run.
[[nodiscard]] Result<std::vector<CommandNode>> decode_form(std::string_view form, std::string_view text,
                                                          const Limits& limits);

// The script of a compiled form: decode_form(), then the checker. An error for a form of
// other text, another format version, or anything a text script would be refused for.
[[nodiscard]] Result<Script> load_form(std::string_view form, std::string_view text,
                                       const CompileOptions& options = {});

}  // namespace posta::sieve
