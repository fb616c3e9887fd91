// The tuning harness's view of messages (spam_tune.py): for each file, a line
// "FILE<TAB>RULES_SCORE<TAB>RULES<TAB>TOKEN<TAB>TOKEN...", RULES_SCORE the sum of the rules of
// RULES_FILE that fire (posta-spamcheck's rules, without the classifier), RULES their names
// (comma-separated), then the classifier's tokens (spam::tokenize), as posta-spamcheck sees
// the message. Built by spam_tune.py against build/libposta.a.
#include <cstdio>
#include <iostream>

#include "io/fd.h"
#include "mime/message.h"
#include "spam/content.h"
#include "spam/instance_rules.h"
#include "spam/rules.h"
#include "spam/tokenize.h"

using namespace posta;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: spam_tokens RULES_FILE FILE...\n";
    return 2;
  }
  spam::RuleSet rules;
  auto text = read_file(argv[1], spam::kMaxRulesFile);
  if (!text || !rules.add(*text, argv[1]) || !rules.finish()) {
    std::cerr << "spam_tokens: cannot load " << argv[1] << "\n";
    return 1;
  }
  for (int i = 2; i < argc; ++i) {
    auto msg = read_file(argv[i], 64u << 20);
    if (!msg) {
      std::cerr << "spam_tokens: " << argv[i] << ": " << msg.error().what << "\n";
      return 1;
    }
    std::string crlf = mime::to_crlf(*msg);
    spam::Analysis a;
    rules.evaluate(spam::extract_content(crlf), a);
    std::string names;
    for (auto& f : a.fired) names += (names.empty() ? "" : ",") + f.name;
    std::cout << argv[i] << '\t' << a.score() << '\t' << names;
    for (auto& t : spam::tokenize(crlf)) std::cout << '\t' << t;
    std::cout << '\n';
  }
  return 0;
}
