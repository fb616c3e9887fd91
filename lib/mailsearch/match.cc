#include "mailsearch/match.h"

#include <strings.h>
#include <sys/stat.h>

#include <algorithm>

#include "io/fd.h"
#include "mailsearch/text.h"
#include "mime/decode.h"

namespace posta::mailsearch {
namespace {

using Kind = Query::Kind;

time_t day_of(time_t t) { return t - (t % 86400 + 86400) % 86400; }

bool date_test(Kind k, time_t day, time_t want) {
  switch (k) {
    case Kind::kBefore: case Kind::kSentBefore: return day < want;
    case Kind::kOn: case Kind::kSentOn: return day == want;
    default: return day >= want;
  }
}

bool header_term(const Query& q, Candidate& c) {
  const auto* h = c.headers(q.kind == Kind::kHeader && !mailstore::is_cached_header(q.field));
  if (!h) return false;
  std::string needle = mime::fold(q.text);
  switch (q.kind) {
    case Kind::kFrom: return contains_folded(address_text(*h, "from"), needle);
    case Kind::kTo: return contains_folded(address_text(*h, "to"), needle);
    case Kind::kCc: return contains_folded(address_text(*h, "cc"), needle);
    case Kind::kBcc: return contains_folded(address_text(*h, "bcc"), needle);
    case Kind::kSubject: return contains_folded(header_text(*h, "subject"), needle);
    case Kind::kHeader: {
      bool present = std::any_of(h->begin(), h->end(), [&](auto& f) { return strcasecmp(f.name.c_str(), q.field.c_str()) == 0; });
      return present && contains_folded(header_text(*h, q.field), needle);
    }
    case Kind::kMessageId: {
      auto id = mime::header_value(*h, "message-id");
      return id && bare_message_id(*id) == bare_message_id(q.text);
    }
    default: {  // sent dates
      auto v = mime::header_value(*h, "date");
      auto day = v ? date_day(*v) : std::nullopt;
      return day && date_test(q.kind, *day, q.date);
    }
  }
}

bool full_text_term(const Query& q, Candidate& c) {
  const auto* root = c.root();
  if (!root) return false;
  std::string text;
  if (q.kind == Kind::kText)
    for (const auto& h : root->headers) text += h.name + ": " + mime::decode_words(h.value) + "\n";
  text += body_text(*root, c.data());
  return contains_folded(text, mime::fold(q.text));
}

}  // namespace

time_t Candidate::arrival() {
  if (!arrival_) {
    struct stat st{};
    arrival_ = ::stat(index_.path(mi_).c_str(), &st) == 0 ? st.st_mtime : 0;
  }
  return *arrival_;
}

bool Candidate::load() {
  if (tried_load_) return !data_.empty();
  tried_load_ = true;
  auto d = read_file(index_.path(mi_), 1ull << 31);
  if (!d) return false;
  data_ = mime::to_crlf(*d);
  return !data_.empty();
}

const mime::Part* Candidate::root() {
  if (!root_) {
    if (!load()) return nullptr;
    root_ = mime::parse(data_);
  }
  return &*root_;
}

const std::vector<mime::HeaderField>* Candidate::headers(bool all_fields) {
  if (all_fields || !cache_) {
    const auto* r = root();
    return r ? &r->headers : nullptr;
  }
  if (cached_) return &*cached_;
  std::string base(index_.base(mi_));
  auto fields = cache_->find(base);
  if (!fields) {
    if (!load()) return nullptr;
    size_t end = data_.find("\r\n\r\n");
    cache_->add(base, mailstore::cached_header_fields(std::string_view(data_).substr(0, end == std::string::npos ? data_.size() : end + 2)));
    fields = cache_->find(base);
    if (!fields) return nullptr;
  }
  cached_ = mime::parse_headers(*fields);
  return &*cached_;
}

bool matches(const Query& q, Candidate& c) {
  switch (q.kind) {
    case Kind::kAll: return true;
    case Kind::kAnd: return std::all_of(q.sub.begin(), q.sub.end(), [&](auto& s) { return matches(s, c); });
    case Kind::kOr: return std::any_of(q.sub.begin(), q.sub.end(), [&](auto& s) { return matches(s, c); });
    case Kind::kNot: return !matches(q.sub[0], c);
    case Kind::kFlag: return c.info().has_flag(q.flag);
    case Kind::kNoFlag: return !c.info().has_flag(q.flag);
    case Kind::kLarger: return c.size() > q.number;
    case Kind::kSmaller: return c.size() < q.number;
    case Kind::kFolder: return strcasecmp(std::string(c.folder()).c_str(), q.text.c_str()) == 0;
    case Kind::kBefore: case Kind::kSince: case Kind::kOn:
      return c.arrival() != 0 && date_test(q.kind, day_of(c.arrival()), q.date);
    case Kind::kBody: case Kind::kText: return full_text_term(q, c);
    default: return header_term(q, c);
  }
}

}  // namespace posta::mailsearch
