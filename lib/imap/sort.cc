#include "imap/sort.h"

#include <strings.h>

#include <algorithm>

#include "imap/base_subject.h"
#include "mime/address.h"
#include "mime/date.h"
#include "mime/decode.h"

namespace posta::imap {
namespace {

constexpr size_t kMaxKey = 256;  // bytes of a string key compared (enough to order)

std::string cut(std::string s) {
  if (s.size() > kMaxKey) s.resize(kMaxKey);
  return s;
}

const std::string* field(const std::vector<mime::HeaderField>& h, const char* name) {
  for (auto& f : h)
    if (strcasecmp(f.name.c_str(), name) == 0) return &f.value;
  return nullptr;
}

// The first address of a field: its addr-mailbox and its RFC 5957 display key. A group's
// start counts as an address named as the group (as Dovecot sorts it).
void address_keys(const std::string* value, std::string& mailbox, std::string& display) {
  if (!value) return;
  for (auto& a : mime::parse_addresses(*value, 8)) {
    if (a.group_end) continue;
    mailbox = cut(ascii_casemap(a.mailbox));
    std::string name = a.has_name ? mime::decode_words(a.name) : "";
    display = cut(ascii_casemap(name.empty() ? a.mailbox + (a.host.empty() ? "" : "@" + a.host) : name));
    return;
  }
}

int compare(const SortItem& a, const SortItem& b, SortKey k) {
  auto three = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
  const SortFields& fa = *a.fields;
  const SortFields& fb = *b.fields;
  switch (k) {
    case SortKey::kArrival: return three(a.arrival, b.arrival);
    case SortKey::kDate: return three(fa.sent, fb.sent);
    case SortKey::kSize: return three(a.size, b.size);
    case SortKey::kSubject: return fa.subject.compare(fb.subject);
    case SortKey::kFrom: return fa.from.compare(fb.from);
    case SortKey::kTo: return fa.to.compare(fb.to);
    case SortKey::kCc: return fa.cc.compare(fb.cc);
    case SortKey::kDisplayFrom: return fa.display_from.compare(fb.display_from);
    case SortKey::kDisplayTo: return fa.display_to.compare(fb.display_to);
  }
  return 0;
}

}  // namespace

std::vector<std::string> message_ids(std::string_view v) {
  std::vector<std::string> ids;
  size_t i = 0;
  while ((i = v.find('<', i)) != std::string_view::npos) {
    size_t end = v.find_first_of("<>", i + 1);
    if (end == std::string_view::npos) break;
    if (v[end] == '<') {  // "<<a@b>": the inner one
      i = end;
      continue;
    }
    std::string id;
    for (size_t k = i + 1; k < end; ++k)
      if (v[k] != ' ' && v[k] != '\t' && v[k] != '\r' && v[k] != '\n') id += v[k];
    if (!id.empty() && id.size() <= kMaxMessageId) ids.push_back(std::move(id));
    i = end + 1;
  }
  return ids;
}

SortFields sort_fields(const std::vector<mime::HeaderField>& h, const std::function<time_t()>& internal_date) {
  SortFields f;
  auto* d = field(h, "date");
  auto t = d ? mime::parse_mail_date(*d) : std::nullopt;
  f.sent = t ? t->utc : internal_date();
  if (auto* s = field(h, "subject")) {
    auto b = base_subject(*s);
    f.subject = cut(ascii_casemap(b.text));
    f.reply_or_fwd = b.reply_or_fwd;
  }
  address_keys(field(h, "from"), f.from, f.display_from);
  std::string unused;
  address_keys(field(h, "to"), f.to, f.display_to);
  address_keys(field(h, "cc"), f.cc, unused);
  if (auto* m = field(h, "message-id")) {
    auto ids = message_ids(*m);
    if (!ids.empty()) f.message_id = std::move(ids.front());
  }
  if (auto* r = field(h, "references")) f.references = message_ids(*r);
  if (f.references.empty())
    if (auto* r = field(h, "in-reply-to")) {
      auto ids = message_ids(*r);
      if (!ids.empty()) f.references.push_back(std::move(ids.front()));
    }
  if (f.references.size() > kMaxReferences)
    f.references.erase(f.references.begin(), f.references.end() - kMaxReferences);
  return f;
}

void sort_items(std::vector<SortItem>& items, std::span<const SortCriterion> criteria) {
  std::sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
    for (auto& c : criteria) {
      int r = compare(a, b, c.key);
      if (r != 0) return c.reverse ? r > 0 : r < 0;
    }
    return a.number < b.number;
  });
}

}  // namespace posta::imap
