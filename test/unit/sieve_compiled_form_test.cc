// lib/sieve/compiled_form: round trips of every command and test, and a loader that refuses
// truncated, flipped, oversized, foreign and forged forms (what a planted file could be).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/fd.h"
#include "sieve/checker.h"
#include "sieve/compiled_form.h"
#include "sieve/script_store.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::sieve;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

const char* kMessage =
    "Received: from a by b; Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "From: Alice <alice+lists@example.org>\r\nTo: bob@example.com\r\nSubject: [ci] failed: hello\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\nX-Spam-Score: 7\r\nList-Id: posta <dev.posta.example>\r\n"
    "Content-Type: text/plain\r\n\r\nthe body says banana\r\n";

// Scripts that together hold every command, every test and every tag the checker knows.
const char* kScripts[] = {
    "",
    "keep;",
    "require [\"fileinto\", \"copy\", \"mailbox\", \"imap4flags\"];\n"
    "fileinto :copy :create :flags [\"\\\\Seen\", \"$label\"] \"Lists/posta\"; keep :flags \"\\\\Flagged\"; discard; stop;",
    "require [\"copy\"]; redirect :copy \"a@example.net\"; redirect \"b@example.net\";",
    "require \"reject\"; if size :over 1K { reject text:\nno\n..dots\n.\n; }",
    "require \"ereject\"; if size :under 10M { ereject \"go away\"; }",
    "require [\"vacation\", \"vacation-seconds\"];\n"
    "vacation :seconds 3600 :subject \"away\" :from \"bob@example.com\" :addresses [\"b@example.com\"] :mime :handle \"h\" \"gone\";",
    "require \"vacation\"; vacation :days 7 \"gone\";",
    "require [\"imap4flags\", \"variables\"]; setflag \"f\" \"\\\\Seen\"; addflag [\"a\", \"b\"]; removeflag \"f\" \"a\";"
    "if hasflag :contains \"f\" \"se\" { addflag \"x\"; } if hasflag \"b\" { keep; }",
    "require [\"variables\", \"regex\"]; set :lower :upperfirst :length \"n\" \"${x}\"; set :quotewildcard :quoteregex \"q\" \"a*\";"
    "if string :matches \"${n}\" \"*\" { keep; }",
    "require [\"include\", \"variables\"]; global [\"g\", \"h\"]; include :global :once :optional \"common\";"
    "include :personal \"mine\"; return;",
    "require [\"fileinto\", \"envelope\", \"subaddress\", \"relational\", \"comparator-i;ascii-numeric\", \"regex\", \"body\"];\n"
    "if anyof (not true, allof (false, exists \"x\")) { stop; }\n"
    "elsif address :detail :is \"from\" \"lists\" { fileinto \"d\"; }\n"
    "elsif address :user :comparator \"i;octet\" :matches \"to\" \"b*\" { fileinto \"u\"; }\n"
    "elsif envelope :domain :contains [\"from\", \"to\"] \"example\" { fileinto \"e\"; }\n"
    "elsif header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"5\" { fileinto \"spam\"; }\n"
    "elsif header :count \"gt\" \"received\" \"3\" { fileinto \"c\"; }\n"
    "elsif header :regex \"subject\" \"^\\\\[(ci|build)\\\\] (failed|passed)\" { fileinto \"ci\"; }\n"
    "elsif body :raw :contains \"banana\" { fileinto \"b1\"; }\n"
    "elsif body :content [\"text/plain\"] :is \"x\" { fileinto \"b2\"; }\n"
    "elsif body :text :matches \"*\" { fileinto \"b3\"; }\n"
    "else { keep; }",
    "require [\"date\", \"index\", \"relational\", \"mailbox\", \"fileinto\"];\n"
    "if date :zone \"+0100\" :index 1 :last \"received\" \"hour\" \"09\" { keep; }\n"
    "if date :originalzone \"date\" \"year\" \"2003\" { keep; }\n"
    "if currentdate :value \"ge\" \"year\" \"2020\" { keep; }\n"
    "if mailboxexists [\"INBOX\", \"Junk\"] { fileinto \"Junk\"; }\n"
    "if header :index 2 :contains \"received\" \"b\" { discard; }",
};

std::string sha256(std::string_view s) {
  unsigned char d[32];
  unsigned len = 0;
  EVP_Digest(s.data(), s.size(), d, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(d), 32);
}

// form with its checksum made right again after an edit: what a forger would write
std::string reseal(std::string form) {
  form.resize(form.size() - 32);
  return form + sha256(form);
}

std::string outcome(const Script& s) {
  Message m;
  m.raw = kMessage;
  m.envelope_from = "alice+lists@example.org";
  m.envelope_to = "bob+work@example.com";
  RunOptions o;
  o.now = 1057049557;
  o.includes.load = [](std::string_view, bool) -> Result<std::string> { return std::string("keep;"); };
  auto r = run(s, m, o);
  return r ? format_outcome(*r) : "error: " + r.error().what;
}

Result<Script> load_tree(const std::vector<CommandNode>& tree, const CompileOptions& co = {}) {
  return load_form(encode_form("x", tree), "x", co);
}

Argument str_arg(std::string s) {
  Argument a;
  a.strings.push_back(std::move(s));
  return a;
}
Argument list_arg(std::vector<std::string> v) {
  Argument a;
  a.bracketed = true;
  a.strings = std::move(v);
  return a;
}
Argument tag_arg(std::string t) {
  Argument a;
  a.kind = Argument::kTag;
  a.tag = std::move(t);
  return a;
}
CommandNode cmd(std::string name, std::vector<Argument> args = {}) {
  CommandNode c;
  c.name = std::move(name);
  c.args = std::move(args);
  return c;
}
CommandNode require(std::vector<std::string> exts) { return cmd("require", {list_arg(std::move(exts))}); }

}  // namespace

TEST(SieveCompiledForm, EveryCommandAndTestRoundTrips) {
  for (const char* text : kScripts) {
    auto compiled = compile_with_form(text);
    ASSERT_TRUE(compiled) << text << ": " << compiled.error().what;
    auto loaded = load_form(compiled->form, text);
    ASSERT_TRUE(loaded) << text << ": " << loaded.error().what;
    EXPECT_EQ(outcome(*loaded), outcome(compiled->script)) << text;
    EXPECT_EQ(loaded->required(), compiled->script.required()) << text;
    // the tree decoded is the tree parsed: it encodes to the same bytes
    auto tree = decode_form(compiled->form, text, Limits{});
    ASSERT_TRUE(tree) << text;
    EXPECT_EQ(encode_form(text, *tree), compiled->form) << text;
    auto parsed = parse_script(text, Limits{});
    ASSERT_TRUE(parsed);
    EXPECT_EQ(encode_form(text, *parsed), compiled->form) << text;
  }
}

TEST(SieveCompiledForm, OutcomesDifferWhereTheScriptsDo) {
  // the comparison above can fail: two scripts' outcomes differ on this message
  auto a = compile_with_form("require \"fileinto\"; fileinto \"a\";");
  auto b = compile_with_form("require \"fileinto\"; fileinto \"b\";");
  ASSERT_TRUE(a && b);
  EXPECT_NE(outcome(a->script), outcome(b->script));
  EXPECT_NE(a->form, b->form);
}

TEST(SieveCompiledForm, CompileErrorsAreCompilesErrors) {
  auto r = compile_with_form("require \"fileinto\";\nfoo;");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "line 2, column 1: unknown command \"foo\"");
}

TEST(SieveCompiledForm, TruncatedAtAnyLengthIsRefused) {
  std::string text = kScripts[11];
  auto c = compile_with_form(text);
  ASSERT_TRUE(c);
  for (size_t n = 0; n < c->form.size(); ++n) EXPECT_FALSE(load_form(c->form.substr(0, n), text)) << n;
  EXPECT_TRUE(load_form(c->form, text));
}

TEST(SieveCompiledForm, AnyFlippedBitIsRefused) {
  std::string text = kScripts[12];
  auto c = compile_with_form(text);
  ASSERT_TRUE(c);
  for (size_t i = 0; i < c->form.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string f = c->form;
      f[i] = static_cast<char>(f[i] ^ (1 << bit));
      EXPECT_FALSE(load_form(f, text)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(SieveCompiledForm, OtherTextVersionMagicOrSizeIsRefused) {
  auto c = compile_with_form("keep;");
  ASSERT_TRUE(c);
  auto other = load_form(c->form, "keep; ");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().what, "compiled form of other source text");

  std::string v2 = c->form;
  v2[8] = 2;
  auto version = load_form(reseal(v2), "keep;");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().what, "compiled form of version 2, not 1");

  std::string magic = c->form;
  magic[0] = 'X';
  EXPECT_FALSE(load_form(reseal(magic), "keep;"));

  CompileOptions small;
  small.limits.max_script_size = 1024;
  std::string big = c->form;
  big.insert(big.size() - 32, std::string(4 * 1024 + 4096, 'x'));
  auto oversized = load_form(reseal(big), "keep;", small);
  ASSERT_FALSE(oversized);
  EXPECT_EQ(oversized.error().what, "invalid compiled form: too large");
}

TEST(SieveCompiledForm, MalformedBodiesAreRefused) {
  auto c = compile_with_form("keep;");
  ASSERT_TRUE(c);
  auto with_body = [&](std::string_view body) {
    return reseal(c->form.substr(0, 44) + std::string(body) + std::string(32, '\0'));
  };
  // the body as encoded: 1 command, "keep", line 1 column 1, no arguments, no tests, no block
  std::string good = "\x01\x04keep\x01\x01\x00\x00\x00"s;
  ASSERT_EQ(with_body(good), c->form);
  auto why = [&](const std::string& body) {
    auto r = load_form(with_body(body), "keep;");
    return r ? std::string("accepted") : r.error().what;
  };
  EXPECT_EQ(why(good), "accepted");
  EXPECT_EQ(why(good + "x"), "invalid compiled form: trailing bytes");
  EXPECT_EQ(why("\x81\x00\x04keep\x01\x01\x00\x00\x00"s), "invalid compiled form: overlong number");
  EXPECT_EQ(why("\x02\x04keep\x01\x01\x00\x00\x00"s), "invalid compiled form: truncated");
  EXPECT_EQ(why("\x01\x04KEEP\x01\x01\x00\x00\x00"s), "invalid compiled form: invalid identifier");
  EXPECT_EQ(why("\x01\x04keep\x00\x01\x00\x00\x00"s), "invalid compiled form: invalid position");
  EXPECT_EQ(why("\x01\x04keep\x01\x01\x00\x00\x02"s), "invalid compiled form: value out of range");  // block flag
  EXPECT_EQ(why("\x01\x04keep\x01\x01\x01\x03\x01\x01"s), "invalid compiled form: value out of range");  // kind
  EXPECT_EQ(why("\x01\xff\xff\xff\xff\x0f"s), "invalid compiled form: string too long");
  EXPECT_EQ(why("\x01\x04keep\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s),
            "invalid compiled form: count beyond the end");
  EXPECT_EQ(why("\x01\x04keep\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"s),
            "invalid compiled form: number too large");
}

TEST(SieveCompiledForm, ForgedTreesBreakingAParserBoundAreRefused) {
  Limits l;
  // nesting: blocks deeper than max_nesting
  CommandNode deep = cmd("keep");
  for (unsigned d = 0; d <= l.max_nesting; ++d) {
    CommandNode outer = cmd("if");
    outer.tests.push_back(TestNode{"true", {}, {}, {}});
    outer.has_block = true;
    outer.block.push_back(std::move(deep));
    deep = std::move(outer);
  }
  auto r = load_tree({deep});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "invalid compiled form: nesting too deep");
  // tests nested deeper than max_nesting
  TestNode nt{"true", {}, {}, {}};
  for (unsigned d = 0; d <= l.max_nesting; ++d) nt = TestNode{"not", {}, {}, {nt}};
  CommandNode ifn = cmd("if");
  ifn.tests.push_back(nt);
  ifn.has_block = true;
  EXPECT_FALSE(load_tree({ifn}));
  // a list longer than max_string_list, an empty list, two strings unbracketed
  std::vector<std::string> many(l.max_string_list + 1, "a");
  EXPECT_FALSE(load_tree({cmd("keep", {tag_arg("flags"), list_arg(many)})}));
  EXPECT_FALSE(load_tree({require({})}));
  Argument two = str_arg("fileinto");
  two.strings.push_back("copy");
  EXPECT_FALSE(load_tree({cmd("require", {two})}));
  // a string longer than max_string_size
  EXPECT_FALSE(load_tree({require({"fileinto"}), cmd("fileinto", {str_arg(std::string(l.max_string_size + 1, 'a'))})}));
  // more elements than max_nodes
  std::vector<CommandNode> lots(l.max_nodes + 1, cmd("keep"));
  EXPECT_FALSE(load_tree(lots));
  // an identifier or a tag the lexer cannot make
  EXPECT_FALSE(load_tree({cmd("ke-ep")}));
  EXPECT_FALSE(load_tree({cmd("keep", {tag_arg("Flags"), str_arg("a")})}));
  // within every bound: accepted
  EXPECT_TRUE(load_tree({require({"fileinto"}), cmd("fileinto", {str_arg(std::string(l.max_string_size, 'a'))})}));
}

TEST(SieveCompiledForm, ForgedTreesTheCheckerRefusesAreRefused) {
  // a command needing an extension the script did not require
  auto r = load_tree({cmd("fileinto", {str_arg("x")})});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "line 1, column 1: command \"fileinto\" needs require \"fileinto\"");
  // an unknown command, an unknown extension, an unknown tag, a bad variable name
  EXPECT_FALSE(load_tree({cmd("execute", {str_arg("rm -rf /")})}));
  EXPECT_FALSE(load_tree({require({"exec"})}));
  EXPECT_FALSE(load_tree({cmd("keep", {tag_arg("bogus")})}));
  EXPECT_FALSE(load_tree({require({"variables"}), cmd("set", {str_arg("1bad"), str_arg("v")})}));
  // require after another command; an else without if; a block on keep
  EXPECT_FALSE(load_tree({cmd("keep"), require({"fileinto"})}));
  CommandNode els = cmd("else");
  els.has_block = true;
  EXPECT_FALSE(load_tree({els}));
  CommandNode kb = cmd("keep");
  kb.has_block = true;
  EXPECT_FALSE(load_tree({kb}));
  // :regex keys go through the checker's bounded compilation: an invalid or huge pattern
  CommandNode rx = cmd("if");
  rx.tests.push_back(TestNode{"header", {}, {tag_arg("regex"), str_arg("subject"), str_arg("(unclosed")}, {}});
  rx.has_block = true;
  EXPECT_FALSE(load_tree({require({"regex"}), rx}));
  rx.tests[0].args[2] = str_arg(std::string(5000, 'a'));
  EXPECT_FALSE(load_tree({require({"regex"}), rx}));
  rx.tests[0].args[2] = str_arg("^a+$");
  EXPECT_TRUE(load_tree({require({"regex"}), rx}));
  // a redirect address the checker would not take
  EXPECT_FALSE(load_tree({cmd("redirect", {str_arg("not an address")})}));
}

TEST(SieveCompiledForm, StoreWritesUsesAndRefreshesTheForm) {
  posta::test::TempDir tmp{"posta-sieve-form-unit"};
  std::string md = tmp.path + "/Maildir";
  ASSERT_TRUE(fs::create_directory(md));
  ScriptStore store(md);
  std::string text = "require \"fileinto\"; fileinto \"a\";";
  ASSERT_TRUE(store.put("main", text));
  ASSERT_TRUE(fs::exists(store.compiled_path_of("main")));
  EXPECT_EQ(store.compiled_path_of("main"), md + "/sieve/main.svbin");
  auto listed = store.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);  // the form is no script

  ScriptStore::LoadNote note;
  auto s = store.load("main", text, {}, true, &note);
  ASSERT_TRUE(s);
  EXPECT_TRUE(note.from_form);
  EXPECT_FALSE(note.saved);

  // the text changed behind the store's back: the form is refused, the text compiled and
  // its form written
  std::string text2 = "require \"fileinto\"; fileinto \"b\";";
  ASSERT_TRUE(write_file_atomic(store.path_of("main"), text2));
  s = store.load("main", text2, {}, true, &note);
  ASSERT_TRUE(s);
  EXPECT_FALSE(note.from_form);
  EXPECT_EQ(note.refused, "compiled form of other source text");
  EXPECT_TRUE(note.saved);
  EXPECT_NE(outcome(*s).find("folder: b"), std::string::npos);
  s = store.load("main", text2, {}, false, &note);
  EXPECT_TRUE(note.from_form);

  // a corrupted form: refused, compiled, rewritten
  { std::ofstream(store.compiled_path_of("main"), std::ios::app) << "junk"; }
  s = store.load("main", text2, {}, true, &note);
  ASSERT_TRUE(s);
  EXPECT_EQ(note.refused, "invalid compiled form: checksum mismatch");
  EXPECT_TRUE(note.saved);
  s = store.load("main", text2, {}, true, &note);
  EXPECT_TRUE(note.from_form);

  // a FIFO in its place (which would block a read) or a symbolic link: refused unread,
  // replaced by a form
  ASSERT_EQ(::unlink(store.compiled_path_of("main").c_str()), 0);
  ASSERT_EQ(::mkfifo(store.compiled_path_of("main").c_str(), 0600), 0);
  s = store.load("main", text2, {}, true, &note);
  ASSERT_TRUE(s);
  EXPECT_EQ(note.refused, "not a regular file");
  EXPECT_TRUE(note.saved);
  fs::create_symlink("main.sieve", store.compiled_path_of("link"));
  s = store.load("link", text2, {}, false, &note);
  ASSERT_TRUE(s);
  EXPECT_FALSE(note.from_form);
  EXPECT_NE(note.refused.find("unable to open"), std::string::npos) << note.refused;

  // rename carries the form along; delete removes it; a put of text that does not compile
  // leaves no stale form
  ASSERT_TRUE(store.rename("main", "other"));
  EXPECT_FALSE(fs::exists(store.compiled_path_of("main")));
  EXPECT_TRUE(fs::exists(store.compiled_path_of("other")));
  ASSERT_TRUE(store.remove("other"));
  EXPECT_FALSE(fs::exists(store.compiled_path_of("other")));
  ASSERT_TRUE(store.put("x", text));
  ASSERT_TRUE(store.put("x", "bogus;"));
  EXPECT_FALSE(fs::exists(store.compiled_path_of("x")));

  // without a form, load compiles, and an error is the compiler's
  auto bad = store.load("x", "bogus;", {}, true, &note);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().what, "line 1, column 1: unknown command \"bogus\"");
  EXPECT_FALSE(note.saved);
}
