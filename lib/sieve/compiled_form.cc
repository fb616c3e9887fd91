// Encoding and verifying loader of compiled forms. The decoder treats the bytes as hostile:
// every count and length is checked against what is left and against the parser's bounds
// before anything is allocated for it, the recursion is bounded by the nesting limit, and
// trailing bytes are an error.
#include "sieve/compiled_form.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "sieve/checker.h"

namespace posta::sieve {

namespace {

using Digest = std::array<unsigned char, 32>;
constexpr size_t kHeaderSize = 8 + 4 + 32;  // magic, version, source hash
// A form is a few times its source at most (positions, lengths); beyond this it is not one.
constexpr size_t kFormPerSourceByte = 4;
constexpr size_t kFormSlack = 4096;

Digest sha256(std::string_view data) {
  // fetched once: EVP_sha256()'s implicit fetch at every digest cost more than the hashing
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Digest d{};
  unsigned len = 0;
  if (!md || EVP_Digest(data.data(), data.size(), d.data(), &len, md, nullptr) != 1)
    d.fill(0xff);  // matches no stored hash (a failed digest must not pass a check)
  return d;
}

std::string_view view(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

// ---- encoding ---------------------------------------------------------------------------

class Encoder {
 public:
  std::string out;

  void varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void str(std::string_view s) {
    varint(s.size());
    out.append(s);
  }
  void pos(Position p) {
    varint(p.line);
    varint(p.column);
  }
  void argument(const Argument& a) {
    out.push_back(static_cast<char>(a.kind));
    pos(a.pos);
    switch (a.kind) {
      case Argument::kTag: str(a.tag); break;
      case Argument::kNumber: varint(a.number); break;
      case Argument::kStrings:
        out.push_back(a.bracketed ? 1 : 0);
        varint(a.strings.size());
        for (const auto& s : a.strings) str(s);
        break;
    }
  }
  void arguments_and_tests(const std::vector<Argument>& args, const std::vector<TestNode>& tests) {
    varint(args.size());
    for (const auto& a : args) argument(a);
    varint(tests.size());
    for (const auto& t : tests) test(t);
  }
  void test(const TestNode& t) {
    str(t.name);
    pos(t.pos);
    arguments_and_tests(t.args, t.tests);
  }
  void command(const CommandNode& c) {
    str(c.name);
    pos(c.pos);
    arguments_and_tests(c.args, c.tests);
    out.push_back(c.has_block ? 1 : 0);
    if (!c.has_block) return;
    varint(c.block.size());
    for (const auto& b : c.block) command(b);
  }
};

// ---- decoding ---------------------------------------------------------------------------

// Only what the lexer makes of an identifier or a tag after the parser lower-cased it.
bool lower_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

class Decoder {
 public:
  Decoder(std::string_view body, const Limits& l) : s_(body), limits_(l), parse_(parse_limits(l)) {}

  Result<std::vector<CommandNode>> script() {
    std::vector<CommandNode> out;
    POSTA_TRY(uint64_t n, count());
    reserve(out, n);
    for (uint64_t i = 0; i < n; ++i) {
      if (auto st = command(out.emplace_back(), 0); !st) return std::unexpected(st.error());
    }
    if (i_ != s_.size()) return bad("trailing bytes");
    return out;
  }

 private:
  std::string_view s_;
  const Limits& limits_;
  ParseLimits parse_;
  size_t i_ = 0;
  size_t nodes_ = 0;

  // Room for what a count announces, within a small bound: a count is checked against the
  // bytes left, not against what its elements would occupy.
  template <class V>
  static void reserve(V& v, uint64_t n) {
    v.reserve(static_cast<size_t>(std::min<uint64_t>(n, 64)));
  }

  static std::unexpected<Error> bad(std::string_view why) {
    return fail("invalid compiled form: " + std::string(why));
  }

  Result<uint64_t> varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (i_ >= s_.size()) return bad("truncated");
      auto b = static_cast<unsigned char>(s_[i_++]);
      if (shift == 63 && b > 1) return bad("number too large");
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return bad("overlong number");  // one encoding per value
        return v;
      }
    }
    return bad("number too long");
  }
  // A count of elements that follow: each takes at least one byte.
  Result<uint64_t> count() {
    POSTA_TRY(uint64_t n, varint());
    if (n > s_.size() - i_) return bad("count beyond the end");
    return n;
  }
  Result<uint8_t> byte(uint8_t max) {
    if (i_ >= s_.size()) return bad("truncated");
    auto b = static_cast<uint8_t>(s_[i_++]);
    if (b > max) return bad("value out of range");
    return b;
  }
  Result<std::string> str(size_t max) {
    POSTA_TRY(uint64_t n, varint());
    if (n > max) return bad("string too long");
    if (n > s_.size() - i_) return bad("truncated");
    std::string out(s_.substr(i_, n));
    i_ += n;
    return out;
  }
  Result<Position> pos() {
    Position p;
    POSTA_TRY(uint64_t line, varint());
    POSTA_TRY(uint64_t column, varint());
    if (line == 0 || column == 0 || line > UINT32_MAX || column > UINT32_MAX) return bad("invalid position");
    p.line = static_cast<unsigned>(line);
    p.column = static_cast<unsigned>(column);
    return p;
  }
  // The parser's element count (parser.cc count_node): identifiers, arguments, list strings.
  Status node() {
    if (++nodes_ > parse_.max_nodes) return bad("too many elements");
    return {};
  }
  // A command or test name, at depth (parser.cc identifier()).
  Result<std::string> identifier(unsigned depth) {
    if (depth > parse_.max_nesting) return bad("nesting too deep");
    if (auto s = node(); !s) return std::unexpected(s.error());
    POSTA_TRY(std::string name, str(limits_.max_string_size));
    if (!lower_identifier(name)) return bad("invalid identifier");
    return name;
  }

  // Each element is decoded in place (into the vector that holds it): moving the nodes
  // through Results cost as much as the rest of the decoding.
  Status argument(Argument& a) {
    if (auto s = node(); !s) return s;
    POSTA_TRY(uint8_t kind, byte(Argument::kStrings));
    a.kind = static_cast<Argument::Kind>(kind);
    POSTA_TRY(a.pos, pos());
    if (a.kind == Argument::kTag) {
      POSTA_TRY(a.tag, str(limits_.max_string_size));
      if (!lower_identifier(a.tag)) return bad("invalid tag");
      return {};
    }
    if (a.kind == Argument::kNumber) {
      POSTA_TRY(a.number, varint());
      return {};
    }
    POSTA_TRY(uint8_t bracketed, byte(1));
    a.bracketed = bracketed == 1;
    POSTA_TRY(uint64_t n, count());
    // the parser makes one string outside brackets, one to max_string_list within
    if (a.bracketed ? (n == 0 || n > parse_.max_string_list) : n != 1) return bad("invalid string list");
    for (uint64_t k = 0; k < n; ++k) {
      if (a.bracketed) {
        if (auto s = node(); !s) return s;
      }
      POSTA_TRY(a.strings.emplace_back(), str(limits_.max_string_size));
    }
    return {};
  }

  Status arguments_and_tests(std::vector<Argument>& args, std::vector<TestNode>& tests, unsigned depth) {
    POSTA_TRY(uint64_t na, count());
    reserve(args, na);
    for (uint64_t k = 0; k < na; ++k) {
      if (auto s = argument(args.emplace_back()); !s) return s;
    }
    POSTA_TRY(uint64_t nt, count());
    reserve(tests, nt);
    for (uint64_t k = 0; k < nt; ++k) {
      if (auto s = test(tests.emplace_back(), depth + 1); !s) return s;
    }
    return {};
  }

  Status test(TestNode& t, unsigned depth) {
    POSTA_TRY(t.name, identifier(depth));
    POSTA_TRY(t.pos, pos());
    return arguments_and_tests(t.args, t.tests, depth);
  }

  Status command(CommandNode& c, unsigned depth) {
    POSTA_TRY(c.name, identifier(depth));
    POSTA_TRY(c.pos, pos());
    if (auto s = arguments_and_tests(c.args, c.tests, depth); !s) return s;
    POSTA_TRY(uint8_t has_block, byte(1));
    c.has_block = has_block == 1;
    if (!c.has_block) return {};
    POSTA_TRY(uint64_t n, count());
    reserve(c.block, n);
    for (uint64_t k = 0; k < n; ++k) {
      if (auto s = command(c.block.emplace_back(), depth + 1); !s) return s;
    }
    return {};
  }
};

uint32_t le32(std::string_view s) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[static_cast<size_t>(k)]);
  return v;
}

}  // namespace

std::string encode_form(std::string_view text, const std::vector<CommandNode>& tree) {
  Encoder e;
  e.out.append(kCompiledMagic);
  for (int k = 0; k < 4; ++k) e.out.push_back(static_cast<char>((kCompiledVersion >> (8 * k)) & 0xff));
  e.out.append(view(sha256(text)));
  e.varint(tree.size());
  for (const auto& c : tree) e.command(c);
  Digest all = sha256(e.out);
  e.out.append(view(all));
  return std::move(e.out);
}

Result<std::vector<CommandNode>> decode_form(std::string_view form, std::string_view text, const Limits& limits) {
  if (form.size() > kFormPerSourceByte * limits.max_script_size + kFormSlack)
    return fail("invalid compiled form: too large");
  if (form.size() < kHeaderSize + 32) return fail("invalid compiled form: truncated");
  if (form.substr(0, kCompiledMagic.size()) != kCompiledMagic) return fail("not a compiled Sieve script");
  uint32_t version = le32(form.substr(kCompiledMagic.size(), 4));
  if (version != kCompiledVersion)
    return fail("compiled form of version " + std::to_string(version) + ", not " + std::to_string(kCompiledVersion));
  std::string_view covered = form.substr(0, form.size() - 32);
  if (view(sha256(covered)) != form.substr(form.size() - 32))
    return fail("invalid compiled form: checksum mismatch");
  if (form.substr(12, 32) != view(sha256(text))) return fail("compiled form of other source text");
  return Decoder(covered.substr(kHeaderSize), limits).script();
}

Result<Script> load_form(std::string_view form, std::string_view text, const CompileOptions& options) {
  const Limits& l = options.limits;
  if (text.size() > l.max_script_size) return fail("script too large");
  POSTA_TRY(auto tree, decode_form(form, text, l));
  return check_script(tree, l);
}

Result<CompiledScript> compile_with_form(std::string_view text, const CompileOptions& options) {
  POSTA_TRY(auto tree, parse_script(text, options.limits));
  POSTA_TRY(Script script, check_script(tree, options.limits));
  return CompiledScript{std::move(script), encode_form(text, tree)};
}

}  // namespace posta::sieve
