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

// The unfolded value of the first field called name in block ("" and false when absent).
bool field(std::string_view block, std::string_view name, std::string& value) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find('\n', pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) continue;
    size_t colon = name.size();
    while (colon < line.size() && (line[colon] == ' ' || line[colon] == '\t')) ++colon;
    if (colon >= line.size() || line[colon] != ':') continue;
    auto append = [&](std::string_view l) {
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      value.append(l);
    };
    size_t start = colon + 1;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    value.clear();
    append(line.substr(start));
    while (pos < block.size() && (block[pos] == ' ' || block[pos] == '\t')) {  // continuation lines
      eol = block.find('\n', pos);
      if (eol == std::string_view::npos) eol = block.size();
      append(block.substr(pos, eol - pos));
      pos = eol + 1;
    }
    return true;
  }
  value.clear();
  return false;
}

// The first address of a field: its addr-mailbox and its RFC 5957 display key. A group's
// start counts as an address named as the group (as Dovecot sorts it).
void address_keys(std::string_view value, std::string& mailbox, std::string& display) {
  for (auto& a : mime::parse_addresses(value, 8)) {
    if (a.group_end) continue;
    mailbox = cut(ascii_casemap(a.mailbox));
    std::string name = a.has_name ? mime::decode_words(a.name) : "";
    display = cut(ascii_casemap(name.empty() ? a.mailbox + (a.host.empty() ? "" : "@" + a.host) : name));
    return;
  }
}

const SortAddresses& addresses(const SortFields& f) {
  static const SortAddresses kNone;
  return f.addresses ? *f.addresses : kNone;
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
    case SortKey::kFrom: return addresses(fa).from.compare(addresses(fb).from);
    case SortKey::kTo: return addresses(fa).to.compare(addresses(fb).to);
    case SortKey::kCc: return addresses(fa).cc.compare(addresses(fb).cc);
    case SortKey::kDisplayFrom: return addresses(fa).display_from.compare(addresses(fb).display_from);
    case SortKey::kDisplayTo: return addresses(fa).display_to.compare(addresses(fb).display_to);
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

void add_sort_fields(SortFields& f, std::string_view block, uint8_t want,
                     const std::function<time_t()>& internal_date) {
  want &= static_cast<uint8_t>(~f.have);
  std::string v;
  if (want & kSortDate) {
    auto t = field(block, "date", v) ? mime::parse_mail_date(v) : std::nullopt;
    f.sent = t ? t->utc : internal_date();
  }
  if (want & kSortSubject) {
    if (field(block, "subject", v)) {
      auto b = base_subject(v);
      f.subject = cut(ascii_casemap(b.text));
      f.reply_or_fwd = b.reply_or_fwd;
    }
  }
  if (want & kSortAddresses) {
    auto& a = *(f.addresses = std::make_unique<SortAddresses>());
    std::string unused;
    if (field(block, "from", v)) address_keys(v, a.from, a.display_from);
    if (field(block, "to", v)) address_keys(v, a.to, a.display_to);
    if (field(block, "cc", v)) address_keys(v, a.cc, unused);
  }
  if (want & kSortThreading) {
    auto& t = *(f.ids = std::make_unique<ThreadIds>());
    if (field(block, "message-id", v)) {
      auto ids = message_ids(v);
      if (!ids.empty()) t.message_id = std::move(ids.front());
    }
    if (field(block, "references", v)) t.references = message_ids(v);
    if (t.references.empty() && field(block, "in-reply-to", v)) {
      auto ids = message_ids(v);
      if (!ids.empty()) t.references.push_back(std::move(ids.front()));
    }
    if (t.references.size() > kMaxReferences)
      t.references.erase(t.references.begin(), t.references.end() - kMaxReferences);
  }
  f.have |= want;
}

uint8_t sort_parts(std::span<const SortCriterion> criteria) {
  uint8_t parts = 0;
  for (auto& c : criteria) {
    switch (c.key) {
      case SortKey::kArrival: case SortKey::kSize: break;
      case SortKey::kDate: parts |= kSortDate; break;
      case SortKey::kSubject: parts |= kSortSubject; break;
      default: parts |= kSortAddresses; break;
    }
  }
  return parts;
}

std::string ordered_set(std::span<const uint32_t> numbers) {
  std::string out;
  for (size_t i = 0; i < numbers.size();) {
    size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(numbers[i]);
    if (j > i) out += ':' + std::to_string(numbers[j]);
    i = j + 1;
  }
  return out;
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
