// LIST and LSUB (RFC 3501, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819).
#include <algorithm>

#include "imap/list_pattern.h"
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {
namespace {

// A LIST pattern (reference + mailbox pattern) compiled once per command. INBOX is
// case-insensitive, also as the first component of a pattern.
std::optional<imap::ListPattern> compile_pattern(std::string pat) {
  if (pat.size() >= 5 && lower(pat.substr(0, 5)) == "inbox" && (pat.size() == 5 || pat[5] == '.' || pat[5] == '*' || pat[5] == '%'))
    pat.replace(0, 5, "INBOX");
  return imap::ListPattern::compile(pat, mailstore::kDelimiter);
}

// Patterns in one LIST: each is compiled and run over every folder name.
constexpr size_t kMaxListPatterns = 64;

}  // namespace

void Session::cmd_list(const std::string& tag, Parser& p, bool lsub) {
  bool sel_subscribed = false, recursive = false, sel_special = false, ret_subscribed = false;
  std::vector<std::string> ret_status;
  // A parenthesised list of option atoms; false (and a BAD) for one not in known.
  // take(option) may read what follows the option (STATUS's items); false: BAD.
  auto options = [&](std::initializer_list<std::string_view> known, auto&& take) {
    p.skip('(');
    while (p.peek() != ')' && !p.at_end()) {
      auto o = p.atom();
      if (!o) return false;
      std::string u = posta::upper(*o);
      if (std::find(known.begin(), known.end(), u) == known.end() || !take(u)) return false;
      if (p.peek() == ' ') p.sp();
    }
    return p.skip(')');
  };
  if (!p.sp()) return bad(tag, "Missing arguments");
  if (!lsub && p.peek() == '(') {
    bool good = options({"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"}, [&](const std::string& o) {
      if (o == "SUBSCRIBED") sel_subscribed = ret_subscribed = true;
      if (o == "RECURSIVEMATCH") recursive = true;
      if (o == "SPECIAL-USE") sel_special = true;
      return true;
    });
    if (!good || !p.sp()) return bad(tag, "Invalid or unknown LIST selection options");
    // RECURSIVEMATCH qualifies another option and means nothing alone (RFC 5258 3).
    if (recursive && !sel_subscribed && !sel_special)
      return bad(tag, "RECURSIVEMATCH needs another selection option");
  }
  auto ref = p.astring();
  if (!ref || !p.sp()) return bad(tag, "Missing mailbox pattern");
  std::vector<std::string> patterns;
  if (!lsub && p.peek() == '(') {
    p.skip('(');
    while (p.peek() != ')' && !p.at_end()) {
      auto m = p.list_mailbox();
      if (!m) return bad(tag, "Invalid pattern");
      patterns.push_back(*m);
      if (patterns.size() > kMaxListPatterns)
        return no(tag, "[LIMIT] Too many mailbox patterns (at most " + std::to_string(kMaxListPatterns) + ")");
      if (p.peek() == ' ') p.sp();
    }
    if (!p.skip(')')) return bad(tag, "Invalid pattern list");
  } else {
    auto m = p.list_mailbox();
    if (!m) return bad(tag, "Invalid mailbox pattern");
    patterns.push_back(*m);
  }
  if (!lsub && p.peek() == ' ') {
    p.sp();
    if (!p.skip_word("RETURN") || !p.sp() || p.peek() != '(' ||
        !options({"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"}, [&](const std::string& o) {
          if (o == "SUBSCRIBED") ret_subscribed = true;
          if (o != "STATUS") return true;
          auto items = p.sp() ? status_items(p) : std::nullopt;  // LIST-STATUS (RFC 5819)
          if (items) ret_status = std::move(*items);
          return items && !ret_status.empty();
        }))
      return bad(tag, "Invalid or unknown LIST return options");
  }
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  const char* verb = lsub ? "LSUB" : "LIST";
  if (patterns.size() == 1 && patterns[0].empty()) {
    out_.line(std::string("* ") + verb + " (\\Noselect) \".\" \"\"");
    return ok(tag, std::string(verb) + " completed");
  }
  std::vector<imap::ListPattern> compiled;
  for (auto& pat : patterns) {
    auto c = compile_pattern(name_in(*ref + pat));
    if (!c)
      return no(tag, "[LIMIT] Mailbox pattern too long (at most " + std::to_string(imap::ListPattern::kMaxLength) +
                         " octets with the reference)");
    compiled.push_back(std::move(*c));
  }
  auto matches = [&](const std::string& n) {
    return std::any_of(compiled.begin(), compiled.end(), [&](auto& pat) { return pat.matches(n); });
  };
  auto existing = folders_->list();
  // Other users' folders shared with this user (RFC 4314 'l' right), in the Other Users
  // namespace; its levels above them appear as \Noselect parents.
  for (auto& n : shared_mailboxes()) existing.push_back(n);
  auto subs = folders_->subscriptions();
  std::set<std::string> exist_set(existing.begin(), existing.end());
  std::set<std::string> sub_set(subs.begin(), subs.end());
  // In sorted order the first name after "n." is a descendant of n if any is.
  auto has_child_in = [](const std::set<std::string>& set, const std::string& n) {
    auto after = set.upper_bound(n + '.');
    return after != set.end() && after->compare(0, n.size() + 1, n + '.') == 0;
  };
  // The names to consider: the mailboxes or the subscriptions, and their parents.
  std::set<std::string> names;
  for (auto& n : lsub || sel_subscribed ? subs : existing) {
    names.insert(n);
    for (size_t d = n.find('.'); d != std::string::npos; d = n.find('.', d + 1)) names.insert(n.substr(0, d));
  }
  std::vector<std::string> order(names.begin(), names.end());
  std::stable_partition(order.begin(), order.end(), [](const std::string& s) { return s == "INBOX"; });
  for (auto& n : order) {
    if (!matches(n)) continue;
    bool exists = exist_set.count(n) > 0, subscribed = sub_set.count(n) > 0;
    bool children = has_child_in(exist_set, n);
    std::vector<std::string> attrs;
    std::string extended;
    if (lsub) {
      // An unsubscribed parent only stands in for subscribed children the pattern does not
      // reach ("%"), as \Noselect (RFC 3501 6.3.9).
      if (!subscribed) {
        bool hidden_child = false;
        for (auto it = sub_set.upper_bound(n + '.'); it != sub_set.end() && it->starts_with(n + '.'); ++it)
          hidden_child = hidden_child || !matches(*it);
        if (!hidden_child) continue;
      }
      if (!subscribed || !exists) attrs.push_back("\\Noselect");
    } else if (sel_subscribed) {
      bool sub_children = has_child_in(sub_set, n);
      if (!subscribed && !(recursive && sub_children)) continue;
      if (!exists) attrs.push_back("\\NonExistent");
      else attrs.push_back(children ? "\\HasChildren" : "\\HasNoChildren");
      if (subscribed) attrs.push_back("\\Subscribed");
      if (recursive && sub_children) extended = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    } else {
      if (!exists) attrs.push_back("\\Noselect");
      attrs.push_back(children ? "\\HasChildren" : "\\HasNoChildren");
      if (ret_subscribed && subscribed) attrs.push_back("\\Subscribed");
    }
    bool theirs = n == kOtherUsers || n.starts_with(std::string(kOtherUsers) + '.');
    auto su = theirs ? std::string() : folders_->special_use_of(n);
    if (sel_special && (su.empty() || !exists)) continue;
    if (!su.empty() && exists && !lsub) attrs.emplace_back(su);
    std::string a;
    for (auto& x : attrs) a += (a.empty() ? "" : " ") + x;
    out_.line(std::string("* ") + verb + " (" + a + ") \".\" " + name_out(n) + extended);
    if (!ret_status.empty() && exists) {
      std::string err;
      auto box = resolve(n);
      if (box && box->visible() && box->rights.has('r'))
        if (auto st = status_text(*box, ret_status, err)) out_.line("* STATUS " + name_out(n) + " (" + *st + ")");
    }
  }
  ok(tag, std::string(verb) + " completed");
}

}  // namespace posta::imapd
