// Mailing lists: posting policy, RFC 2369/2919 headers, the list's own bounce address.
#include <algorithm>

#include "local.h"
#include "log/log.h"

namespace posta::local {

namespace {

const std::vector<std::string> kListFields = {"List-Id",   "List-Post",      "List-Unsubscribe",
                                              "List-Help", "List-Subscribe", "List-Owner",
                                              "List-Archive"};

bool contains(const std::vector<std::string>& v, const std::string& a) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return posta::iequals(x, a); });
}

std::optional<Delivery> posting_refused(const Context& ctx, const accounts::ListRecord& l) {
  if (ctx.sender.empty())
    return permanent("list " + l.address + " does not accept messages from the null sender (#5.7.1)");
  using P = accounts::PostingPolicy;
  bool moderator = contains(l.moderators, ctx.sender);
  if (l.posting == P::kModerators && !moderator)
    return permanent("list " + l.address + ": only moderators may post (#5.7.1)");
  if (l.posting == P::kMembers && !moderator && !contains(l.members, ctx.sender))
    return permanent("list " + l.address + ": only members may post; " + ctx.sender +
                     " is not a member (#5.7.1)");
  return std::nullopt;
}

// RFC 2919 description phrase: quoted unless it is plain atext words.
std::string phrase(const std::string& s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == ' ' || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos))
      plain = false;
  }
  if (plain) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) q += c;
  }
  return q + "\"";
}

struct Split {
  std::string local, domain;
};
Split split_address(const std::string& a) {
  size_t at = a.rfind('@');
  if (at == std::string::npos) return {a, ""};
  return {a.substr(0, at), a.substr(at + 1)};
}

std::string list_headers(const Context& ctx, const accounts::ListRecord& l, const Split& s) {
  std::string eol(ctx.header.eol());
  std::string id = s.local + "." + s.domain;
  std::string desc = l.description.empty() ? s.local : l.description;
  std::string h = mailhdr::make_field("Delivered-To", l.address, eol);
  h += mailhdr::make_field("List-Id", phrase(desc) + " <" + id + ">", eol);
  h += mailhdr::make_field("List-Post", "<mailto:" + l.address + ">", eol);
  h += mailhdr::make_field("List-Unsubscribe",
                           "<mailto:" + s.local + "-request@" + s.domain + "?subject=unsubscribe>", eol);
  if (l.reply_to == accounts::ReplyToPolicy::kList)
    h += mailhdr::make_field("Reply-To", "<" + l.address + ">", eol);
  if (mailhdr::count(ctx.header, "Precedence") == 0) h += mailhdr::make_field("Precedence", "list", eol);
  return h;
}

}  // namespace

Delivery expand_list(Context& ctx, const accounts::ListRecord& l) {
  if (auto refused = posting_refused(ctx, l)) return *refused;
  std::vector<std::string> rcpts;
  for (const auto& m : l.members) {
    if (!posta::iequals(m, l.address) && !contains(rcpts, m)) rcpts.push_back(m);
  }
  if (rcpts.empty()) return ok("list " + l.address + " has no members; nothing to do");
  Split s = split_address(l.address);
  std::vector<std::string> drop = kListFields;
  if (l.reply_to == accounts::ReplyToPolicy::kList) drop.push_back("Reply-To");
  Delivery out = reinject(ctx, s.local + "-bounces@" + s.domain, rcpts, list_headers(ctx, l, s), drop);
  if (out) *out = "list " + l.address + ": " + *out;
  return out;
}

std::optional<Delivery> list_admin_address(Context& ctx, accounts::Accounts& acc,
                                          const std::string& address) {
  Split s = split_address(address);
  for (std::string suffix : {"-bounces", "-request", "-owner"}) {
    if (s.local.size() <= suffix.size() ||
        !posta::iequals(s.local.substr(s.local.size() - suffix.size()), suffix))
      continue;
    std::string list = s.local.substr(0, s.local.size() - suffix.size()) + "@" + s.domain;
    auto l = acc.find_list(list);
    if (!l) return temporary("unable to look up list " + list + ": " + l.error().what);
    if (!*l) return std::nullopt;
    std::vector<std::string> to = (*l)->moderators;
    if (to.empty()) to.push_back("postmaster@" + s.domain);
    std::string eol(ctx.header.eol());
    return reinject(ctx, ctx.sender, to, mailhdr::make_field("Delivered-To", address, eol));
  }
  return std::nullopt;
}

}  // namespace posta::local
