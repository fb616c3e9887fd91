#include "queue/envelope.h"

#include <charconv>

#include "control/control.h"

namespace posta::queue {

namespace {

bool has_control(std::string_view v) {
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

void put(std::string& out, char tag, std::string_view v) {
  out += tag;
  out += v;
  out += '\0';
}

// Splits data into NUL-terminated items; fails on trailing bytes after the final empty item.
Result<std::vector<std::string_view>> items_of(std::string_view data) {
  std::vector<std::string_view> items;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nul = data.find('\0', pos);
    if (nul == std::string_view::npos) return fail("envelope item without its NUL", kEnvelopeFormat);
    std::string_view item = data.substr(pos, nul - pos);
    pos = nul + 1;
    if (item.empty()) {
      if (pos != data.size()) return fail("bytes after the end of the envelope", kEnvelopeFormat);
      return items;
    }
    items.push_back(item);
  }
  return fail("envelope without its final NUL", kEnvelopeFormat);
}

Status check_value(char tag, std::string_view v) {
  if (has_control(v)) return fail(std::string("control character in envelope item ") + tag, kEnvelopeFormat);
  if ((tag == 'F' || tag == 'T') && v.size() > kMaxAddress)
    return fail("address too long", kEnvelopeTooLong);
  if (tag != 'F' && v.empty()) return fail(std::string("empty envelope item ") + tag, kEnvelopeFormat);
  return {};
}

// Parses F, T, N, O items starting at items[i].
Status parse_addresses(const std::vector<std::string_view>& items, size_t i, Envelope& e) {
  if (i >= items.size() || items[i][0] != 'F') return fail("envelope does not start with F", kEnvelopeFormat);
  if (auto s = check_value('F', items[i].substr(1)); !s) return s;
  e.sender = std::string(items[i].substr(1));
  for (++i; i < items.size(); ++i) {
    char tag = items[i][0];
    std::string_view v = items[i].substr(1);
    if (auto s = check_value(tag, v); !s) return s;
    if (tag == 'T') {
      if (e.recipients.size() >= kMaxRecipients) return fail("too many recipients", kEnvelopeFormat);
      e.recipients.push_back(Recipient{std::string(v), "", ""});
    } else if ((tag == 'N' || tag == 'O') && !e.recipients.empty()) {
      auto& r = e.recipients.back();
      std::string& field = tag == 'N' ? r.notify : r.orcpt;
      if (!field.empty()) return fail(std::string("repeated envelope item ") + tag, kEnvelopeFormat);
      if (tag == 'N') {
        field = canonical_notify(v);
        if (field.empty()) return fail("bad NOTIFY value", kEnvelopeFormat);
      } else {
        if (v.find(';') == std::string_view::npos) return fail("bad ORCPT value", kEnvelopeFormat);
        field = std::string(v);
      }
    } else {
      return fail(std::string("unexpected envelope item ") + tag, kEnvelopeFormat);
    }
  }
  if (e.recipients.empty()) return fail("envelope without recipients", kEnvelopeFormat);
  return {};
}

void encode_addresses(std::string& out, const Envelope& e) {
  put(out, 'F', e.sender);
  for (auto& r : e.recipients) {
    put(out, 'T', r.address);
    if (!r.notify.empty()) put(out, 'N', r.notify);
    if (!r.orcpt.empty()) put(out, 'O', r.orcpt);
  }
  out += '\0';
}

bool parse_number(std::string_view v, long long& out) {
  if (v.empty() || (v.size() > 1 && v[0] == '0')) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() && out >= 0;
}

}  // namespace

std::string encode_injected(const Envelope& e) {
  std::string out;
  encode_addresses(out, e);
  return out;
}

Result<Envelope> parse_injected(std::string_view data) {
  auto items = items_of(data);
  if (!items) return std::unexpected(items.error());
  Envelope e;
  if (auto s = parse_addresses(*items, 0, e); !s) return std::unexpected(s.error());
  return e;
}

std::string encode_stored(const Envelope& e) {
  std::string out;
  put(out, 'V', "1");
  put(out, 't', std::to_string(e.arrival));
  put(out, 'u', std::to_string(e.uid));
  put(out, 'p', std::to_string(e.pid));
  if (!e.auth_user.empty()) put(out, 'A', e.auth_user);
  if (!e.ret.empty()) put(out, 'R', e.ret);
  if (!e.envid.empty()) put(out, 'E', e.envid);
  if (!e.body.empty()) put(out, 'B', e.body);
  if (e.smtputf8) put(out, 'U', "1");
  if (e.origin.kind != Origin::Kind::kUnknown) put(out, 'o', encode_origin(e.origin));
  encode_addresses(out, e);
  return out;
}

Result<Envelope> parse_stored(std::string_view data) {
  auto items = items_of(data);
  if (!items) return std::unexpected(items.error());
  auto& it = *items;
  if (it.size() < 4 || it[0] != "V1") return fail("stored envelope without V1 header", kEnvelopeFormat);
  Envelope e;
  if (it[1][0] != 't' || !parse_number(it[1].substr(1), e.arrival) || it[2][0] != 'u' ||
      !parse_number(it[2].substr(1), e.uid) || it[3][0] != 'p' || !parse_number(it[3].substr(1), e.pid))
    return fail("stored envelope: bad t/u/p items", kEnvelopeFormat);
  size_t i = 4;
  for (char tag : {'A', 'R', 'E', 'B', 'U', 'o'}) {
    if (i < it.size() && it[i][0] == tag) {
      if (auto s = check_value(tag, it[i].substr(1)); !s) return std::unexpected(s.error());
      std::string v(it[i].substr(1));
      if (tag == 'A') e.auth_user = v;
      if (tag == 'R') {
        if (v != "FULL" && v != "HDRS") return fail("bad RET value", kEnvelopeFormat);
        e.ret = v;
      }
      if (tag == 'E') e.envid = v;
      if (tag == 'B') {
        if (v != "7BIT" && v != "8BITMIME" && v != "BINARYMIME") return fail("bad BODY value", kEnvelopeFormat);
        e.body = v;
      }
      if (tag == 'U') {
        if (v != "1") return fail("bad SMTPUTF8 value", kEnvelopeFormat);
        e.smtputf8 = true;
      }
      if (tag == 'o') {
        auto o = parse_origin(v);
        if (!o) return std::unexpected(o.error());
        e.origin = *o;
      }
      ++i;
    }
  }
  if (auto s = parse_addresses(it, i, e); !s) return std::unexpected(s.error());
  return e;
}

std::string encode_origin(const Origin& o) {
  switch (o.kind) {
    case Origin::Kind::kUnknown: return "";
    case Origin::Kind::kNetwork: return "net";
    case Origin::Kind::kAuthenticated: return "auth:" + o.name;
    case Origin::Kind::kLocal: return "local:" + o.name;
    case Origin::Kind::kForwarded: return "forward";
    case Origin::Kind::kBounce: return "bounce";
  }
  return "";
}

Result<Origin> parse_origin(std::string_view text) {
  if (has_control(text)) return fail("control character in the origin", kEnvelopeFormat);
  if (text == "net") return Origin{Origin::Kind::kNetwork, ""};
  if (text == "forward") return Origin{Origin::Kind::kForwarded, ""};
  if (text == "bounce") return Origin{Origin::Kind::kBounce, ""};
  for (auto [prefix, kind] : {std::pair{std::string_view("auth:"), Origin::Kind::kAuthenticated},
                              std::pair{std::string_view("local:"), Origin::Kind::kLocal}}) {
    if (!text.starts_with(prefix)) continue;
    std::string_view name = text.substr(prefix.size());
    if (name.empty() || name.size() > kMaxAddress) return fail("bad name in the origin", kEnvelopeFormat);
    return Origin{kind, std::string(name)};
  }
  return fail("unknown origin", kEnvelopeFormat);
}

size_t injected_length(std::string_view data) {
  // The end is the first empty item: a NUL at offset 0 or right after another NUL.
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '\0') continue;
    if (i == 0 || data[i - 1] == '\0') return i + 1;
  }
  return 0;
}

std::string canonical_notify(std::string_view v) {
  auto parts = split(lower(std::string(v)), ',');
  bool never = false, s = false, f = false, d = false;
  for (auto& p : parts) {
    if (p == "never" && !never) never = true;
    else if (p == "success" && !s) s = true;
    else if (p == "failure" && !f) f = true;
    else if (p == "delay" && !d) d = true;
    else return "";
  }
  if (never) return parts.size() == 1 ? "NEVER" : "";
  std::string out;
  for (auto [on, name] : {std::pair{s, "SUCCESS"}, std::pair{f, "FAILURE"}, std::pair{d, "DELAY"}})
    if (on) out += (out.empty() ? "" : ",") + std::string(name);
  return out;
}

bool notify_has(std::string_view notify, std::string_view what) {
  if (notify.empty()) return what == "FAILURE" || what == "DELAY";
  for (auto& p : split(std::string(notify), ','))
    if (p == what) return true;
  return false;
}

std::string address_domain(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  return lower(std::string(address.substr(at + 1)));
}

}  // namespace posta::queue
