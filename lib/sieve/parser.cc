// Recursive descent over RFC 5228 section 8.2; depth and size are bounded so a hostile
// script costs bounded stack and memory.
#include "base/strings.h"
#include "sieve/ast.h"

namespace posta::sieve {

namespace {

class Parser {
 public:
  Parser(const std::vector<Token>& t, const ParseLimits& l) : t_(t), limits_(l) {}

  Result<std::vector<CommandNode>> script() {
    std::vector<CommandNode> out;
    while (peek().kind != Token::kEnd) {
      if (is_punct("}")) return err(peek().pos, "unexpected '}'");
      POSTA_TRY(CommandNode c, command(0));
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  const std::vector<Token>& t_;
  const ParseLimits& limits_;
  size_t i_ = 0;
  size_t nodes_ = 0;

  const Token& peek() const { return t_[i_]; }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool is_punct(std::string_view p) const { return peek().kind == Token::kPunct && peek().text == p; }
  static std::unexpected<Error> err(Position p, std::string_view m) { return fail(located(p, m)); }

  static std::string what(const Token& t) {
    switch (t.kind) {
      case Token::kIdentifier: return "identifier \"" + t.text + "\"";
      case Token::kTag: return "tag \":" + t.text + "\"";
      case Token::kNumber: return "number";
      case Token::kString: return "string";
      case Token::kPunct: return "'" + t.text + "'";
      case Token::kEnd: return "end of script";
    }
    return "token";
  }

  Status count_node(Position p) {
    if (++nodes_ > limits_.max_nodes) return err(p, "script too large (more than " + std::to_string(limits_.max_nodes) + " elements)");
    return {};
  }

  Status check_depth(unsigned depth, Position p) {
    if (depth > limits_.max_nesting)
      return err(p, "nesting too deep (limit " + std::to_string(limits_.max_nesting) + ")");
    return {};
  }

  // The identifier that starts a command or a test (its name lower-cased), after the depth
  // and size checks.
  Status identifier(unsigned depth, std::string_view kind, std::string& name, Position& pos) {
    if (auto s = check_depth(depth, peek().pos); !s) return s;
    const Token& id = peek();
    if (id.kind != Token::kIdentifier) return err(id.pos, "expected " + std::string(kind) + ", found " + what(id));
    if (auto s = count_node(id.pos); !s) return s;
    name = lower(id.text);
    pos = id.pos;
    next();
    return {};
  }

  Result<CommandNode> command(unsigned depth) {
    CommandNode c;
    if (auto s = identifier(depth, "a command", c.name, c.pos); !s) return std::unexpected(s.error());
    if (auto s = arguments(c.args, c.tests, depth); !s) return std::unexpected(s.error());
    if (is_punct(";")) {
      next();
      return c;
    }
    if (is_punct("{")) {
      next();
      c.has_block = true;
      while (!is_punct("}")) {
        if (peek().kind == Token::kEnd) return err(peek().pos, "missing '}' for the block of \"" + c.name + "\"");
        POSTA_TRY(CommandNode sub, command(depth + 1));
        c.block.push_back(std::move(sub));
      }
      next();
      return c;
    }
    return err(peek().pos, "expected ';' or '{' after \"" + c.name + "\", found " + what(peek()));
  }

  // *argument [ test / test-list ]
  Status arguments(std::vector<Argument>& args, std::vector<TestNode>& tests, unsigned depth) {
    for (;;) {
      const Token& t = peek();
      if (t.kind == Token::kTag || t.kind == Token::kNumber || t.kind == Token::kString ||
          (t.kind == Token::kPunct && t.text == "[")) {
        POSTA_TRY(Argument a, argument());
        args.push_back(std::move(a));
        continue;
      }
      break;
    }
    if (peek().kind == Token::kIdentifier) {
      POSTA_TRY(TestNode t, test(depth + 1));
      tests.push_back(std::move(t));
    } else if (is_punct("(")) {
      next();
      for (;;) {
        POSTA_TRY(TestNode t, test(depth + 1));
        tests.push_back(std::move(t));
        if (is_punct(",")) {
          next();
          continue;
        }
        if (is_punct(")")) {
          next();
          break;
        }
        return err(peek().pos, "expected ',' or ')' in a test list, found " + what(peek()));
      }
    }
    return {};
  }

  Result<TestNode> test(unsigned depth) {
    TestNode n;
    if (auto s = identifier(depth, "a test", n.name, n.pos); !s) return std::unexpected(s.error());
    if (auto s = arguments(n.args, n.tests, depth); !s) return std::unexpected(s.error());
    return n;
  }

  Result<Argument> argument() {
    const Token& t = next();
    if (auto s = count_node(t.pos); !s) return std::unexpected(s.error());
    Argument a;
    a.pos = t.pos;
    switch (t.kind) {
      case Token::kTag:
        a.kind = Argument::kTag;
        a.tag = lower(t.text);
        return a;
      case Token::kNumber:
        a.kind = Argument::kNumber;
        a.number = t.number;
        return a;
      case Token::kString:
        a.kind = Argument::kStrings;
        a.strings.push_back(t.text);
        return a;
      default:
        break;
    }
    // '[' string *(',' string) ']'
    a.kind = Argument::kStrings;
    a.bracketed = true;
    for (;;) {
      const Token& s = next();
      if (s.kind != Token::kString) return err(s.pos, "expected a string in a string list, found " + what(s));
      if (a.strings.size() >= limits_.max_string_list)
        return err(s.pos, "string list too long (limit " + std::to_string(limits_.max_string_list) + ")");
      if (auto c = count_node(s.pos); !c) return std::unexpected(c.error());
      a.strings.push_back(s.text);
      const Token& sep = next();
      if (sep.kind == Token::kPunct && sep.text == ",") continue;
      if (sep.kind == Token::kPunct && sep.text == "]") break;
      return err(sep.pos, "expected ',' or ']' in a string list, found " + what(sep));
    }
    return a;
  }
};

}  // namespace

Result<std::vector<CommandNode>> parse(const std::vector<Token>& tokens, const ParseLimits& limits) {
  if (tokens.empty()) return std::vector<CommandNode>{};
  return Parser(tokens, limits).script();
}

}  // namespace posta::sieve
