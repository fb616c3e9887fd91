#include "dns/wire.h"

#include <arpa/inet.h>

#include "control/control.h"

namespace posta::dns {
namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {}
  bool u8(uint8_t& v) {
    if (pos_ + 1 > p_.size()) return false;
    v = static_cast<uint8_t>(p_[pos_++]);
    return true;
  }
  bool u16(uint16_t& v) {
    if (pos_ + 2 > p_.size()) return false;
    v = static_cast<uint16_t>((static_cast<uint8_t>(p_[pos_]) << 8) | static_cast<uint8_t>(p_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    v = (static_cast<uint32_t>(hi) << 16) | lo;
    return true;
  }
  // A possibly compressed name starting at the cursor; the cursor moves past it.
  bool name(std::string& out) {
    out.clear();
    size_t at = pos_;
    bool jumped = false;
    int hops = 0;
    for (;;) {
      if (at >= p_.size()) return false;
      uint8_t len = static_cast<uint8_t>(p_[at]);
      if ((len & 0xc0) == 0xc0) {
        if (at + 2 > p_.size() || ++hops > 32) return false;
        size_t target = ((len & 0x3f) << 8) | static_cast<uint8_t>(p_[at + 1]);
        if (!jumped) pos_ = at + 2;
        jumped = true;
        if (target >= at) return false;  // pointers only go backwards: no loops
        at = target;
        continue;
      }
      if (len & 0xc0) return false;
      if (len == 0) {
        if (!jumped) pos_ = at + 1;
        return true;
      }
      if (at + 1 + len > p_.size()) return false;
      if (!out.empty()) out.push_back('.');
      out.append(p_.substr(at + 1, len));
      if (out.size() > 255) return false;
      at += 1 + len;
    }
  }
  bool skip(size_t n) {
    if (pos_ + n > p_.size()) return false;
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view p_;
  size_t pos_ = 0;
};

Result<Record> decode_rdata(Reader& r, std::string_view packet, Record rec, uint16_t rdlen) {
  size_t start = r.pos();
  size_t end = start + rdlen;
  if (end > packet.size()) return fail("DNS: record data past the end of the packet");
  auto rd = packet.substr(start, rdlen);
  switch (rec.type) {
    case kA:
    case kAaaa: {
      size_t want = rec.type == kA ? 4 : 16;
      if (rdlen != want) return fail("DNS: bad address length");
      char buf[INET6_ADDRSTRLEN];
      if (!inet_ntop(rec.type == kA ? AF_INET : AF_INET6, rd.data(), buf, sizeof buf))
        return fail("DNS: bad address");
      rec.data = buf;
      break;
    }
    case kMx:
      if (!r.u16(rec.pref) || !r.name(rec.data)) return fail("DNS: malformed MX record");
      break;
    case kCname:
    case kPtr:
      if (!r.name(rec.data)) return fail("DNS: malformed CNAME or PTR record");
      break;
    case kTxt: {
      size_t i = 0;
      while (i < rd.size()) {
        size_t n = static_cast<uint8_t>(rd[i]);
        if (i + 1 + n > rd.size()) return fail("DNS: malformed TXT record");
        rec.data.append(rd.substr(i + 1, n));
        i += 1 + n;
      }
      break;
    }
    default:
      break;
  }
  if (r.pos() > end) return fail("DNS: record data overruns its length");
  if (!r.skip(end - r.pos())) return fail("DNS: truncated record");
  rec.name = lower(rec.name);
  if (rec.type != kTxt) rec.data = lower(rec.data);
  return rec;
}

}  // namespace

Result<std::string> normalize_name(std::string_view name) {
  std::string n = lower(std::string(name));
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || n.size() > 253) return fail("invalid domain name length");
  for (auto& label : split(n, '.')) {
    if (label.empty() || label.size() > 63) return fail("invalid domain name label in " + n);
    for (unsigned char c : label)
      if (c <= ' ' || c == 0x7f) return fail("invalid character in domain name");
  }
  return n;
}

Result<std::string> build_query(uint16_t id, std::string_view name, uint16_t type) {
  auto n = normalize_name(name);
  if (!n) return std::unexpected(n.error());
  std::string q;
  put16(q, id);
  put16(q, 0x0100);  // RD
  put16(q, 1);       // QDCOUNT
  put16(q, 0);
  put16(q, 0);
  put16(q, 1);  // ARCOUNT: OPT
  for (auto& label : split(*n, '.')) {
    q.push_back(static_cast<char>(label.size()));
    q += label;
  }
  q.push_back('\0');
  put16(q, type);
  put16(q, 1);  // IN
  // OPT: root name, type 41, class = UDP payload size, ttl 0, rdlen 0
  q.push_back('\0');
  put16(q, kOpt);
  put16(q, 1232);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  return q;
}

Status matches_query(std::string_view packet, uint16_t id, std::string_view name, uint16_t type) {
  Reader r(packet);
  uint16_t pid, flags, qd, dummy;
  if (!r.u16(pid) || !r.u16(flags) || !r.u16(qd) || !r.u16(dummy) || !r.u16(dummy) || !r.u16(dummy))
    return fail("DNS: short header");
  if (pid != id || !(flags & 0x8000)) return fail("DNS: not our answer");
  if (qd != 1) return fail("DNS: answer without our question");
  std::string qname;
  uint16_t qtype, qclass;
  if (!r.name(qname) || !r.u16(qtype) || !r.u16(qclass)) return fail("DNS: malformed question");
  auto want = normalize_name(name);
  if (!want || lower(qname) != *want || qtype != type) return fail("DNS: answer to another question");
  return {};
}

Result<Response> parse_response(std::string_view packet) {
  Reader r(packet);
  Response resp;
  uint16_t flags, qd, an, ns, ar;
  if (!r.u16(resp.id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar))
    return fail("DNS: short header");
  if (!(flags & 0x8000)) return fail("DNS: not a response");
  resp.rcode = flags & 0x0f;
  resp.truncated = flags & 0x0200;
  resp.authoritative = flags & 0x0400;
  for (uint16_t i = 0; i < qd; ++i) {
    std::string n;
    if (!r.name(n) || !r.skip(4)) return fail("DNS: malformed question");
  }
  for (uint16_t i = 0; i < an; ++i) {
    Record rec;
    uint16_t cls, rdlen;
    if (!r.name(rec.name) || !r.u16(rec.type) || !r.u16(cls) || !r.u32(rec.ttl) || !r.u16(rdlen))
      return fail("DNS: malformed answer record");
    auto d = decode_rdata(r, packet, std::move(rec), rdlen);
    if (!d) return std::unexpected(d.error());
    if (cls == 1 && (d->type == kA || d->type == kAaaa || d->type == kMx || d->type == kTxt ||
                     d->type == kCname || d->type == kPtr))
      resp.answers.push_back(std::move(*d));
  }
  return resp;
}

}  // namespace posta::dns
