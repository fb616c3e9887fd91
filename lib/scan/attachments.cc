#include "scan/attachments.h"

#include "base/base64.h"
#include "mime/decode.h"
#include "scan/archive.h"
#include "scan/sniff.h"

namespace posta::scan {
namespace {

std::string param_of(const mime::Params& params, std::string_view name) {
  for (auto& [n, v] : params)
    if (iequals(n, name)) return v;
  return "";
}

std::string decode_transfer(std::string_view body, std::string_view encoding) {
  std::string enc = lower(std::string(encoding));
  if (enc == "base64") return base64_decode_lenient(body);
  if (enc == "quoted-printable") return mime::qp_decode(body);
  return std::string(body);
}

// The first kSniffBytes (or more) of the decoded body, from a prefix of the encoded one
// (base64 takes 4 characters for 3 bytes plus line ends, quoted-printable at most 3 per
// byte plus soft line breaks); all of it when the prefix gives less.
struct Decoded {
  std::string data;
  bool complete;
};
Decoded decode_head(std::string_view body, std::string_view encoding) {
  size_t take = 4 * kSniffBytes;
  if (body.size() <= take) return {decode_transfer(body, encoding), true};
  auto head = decode_transfer(body.substr(0, take), encoding);
  if (head.size() >= kSniffBytes) return {std::move(head), false};
  return {decode_transfer(body, encoding), true};
}

size_t count_parts(const mime::Part& p) {
  size_t n = 1;
  for (auto& c : p.children) n += count_parts(c);
  return n;
}

bool type_blocked(const std::set<std::string>& types, const std::string& type, const std::string& subtype) {
  return types.contains(type + "/" + subtype) || types.contains(type + "/*");
}

// Walks the MIME tree: names and types of every part, content of every leaf that is an
// attachment or not text.
class Walk {
 public:
  Walk(std::string_view msg, Inspection& in, bool cut) : msg_(msg), in_(in), cut_(cut) {}

  void part(const mime::Part& p, const std::string& path) {
    if (in_.done()) return;
    ++in_.report().parts;
    std::vector<std::string> names;
    for (auto* raw : {&p.disposition_params, &p.params}) {
      auto n = param_of(*raw, raw == &p.params ? "name" : "filename");
      if (!n.empty()) n = mime::decode_words(n);
      if (!n.empty() && (names.empty() || names[0] != n)) names.push_back(n);
    }
    std::string where = names.empty() ? "part " + (path.empty() ? std::string("1") : path) : names[0];
    for (auto& n : names) in_.check_name(n, n);
    if (type_blocked(in_.policy().types, p.type, p.subtype))
      in_.add(Finding::Why::type, where, "type " + p.type + "/" + p.subtype);
    if (!p.children.empty()) {
      for (size_t i = 0; i < p.children.size(); ++i)
        part(p.children[i], p.rfc822() ? path : (path.empty() ? "" : path + ".") + std::to_string(i + 1));
      return;
    }
    bool attachment = !names.empty() || p.disposition == "attachment" || p.type != "text";
    if (!attachment || p.end <= p.body_start || in_.done()) return;
    auto body = msg_.substr(p.body_start, p.end - p.body_start);
    std::string name = names.empty() ? "" : names[0];
    // a large attachment is decoded whole only when its checks need all of it
    auto d = decode_head(body, p.encoding);
    if (!d.complete && Inspection::needs_whole(name, d.data)) d.data = decode_transfer(body, p.encoding);
    in_.set_cut(cut_ && p.end >= msg_.size());
    in_.check_content(where, name, d.data, 1);
    in_.set_cut(false);
  }

 private:
  std::string_view msg_;
  Inspection& in_;
  bool cut_;
};

}  // namespace

std::string describe(const Finding& f) { return f.where + ": " + f.detail; }

void Inspection::add(Finding::Why why, const std::string& where, std::string detail) {
  if (done()) return;
  if (why == Finding::Why::unscannable && !policy_.refuse_unscannable) return;
  if (why == Finding::Why::encrypted && !policy_.refuse_encrypted) return;
  report_.findings.push_back({why, where, std::move(detail)});
}

void Inspection::stop(const std::string& where, std::string why) {
  add(Finding::Why::unscannable, where, std::move(why));
  stopped_ = true;
}

void Inspection::damaged(const std::string& where, std::string why) {
  if (!cut_) add(Finding::Why::unscannable, where, std::move(why));
}

void Inspection::check_name(const std::string& where, std::string_view name) {
  auto n = normalized_name(name);
  auto ext = extension_of(n);
  if (ext.empty() || !policy_.extensions.contains(ext)) return;
  auto inner = inner_extension_of(n);
  if (!inner.empty() && !policy_.extensions.contains(inner))
    add(Finding::Why::extension, where, "double extension ." + inner + "." + ext);
  else
    add(Finding::Why::extension, where, "extension ." + ext);
}

bool Inspection::needs_whole(std::string_view name, std::string_view head) {
  return looks_like_archive(head) || is_ole(head) || archive_extension(extension_of(normalized_name(name)));
}

void Inspection::check_content(const std::string& where, std::string_view name, std::string_view data, int depth) {
  if (done()) return;
  if (auto s = sniff(data.substr(0, kSniffBytes)); s && policy_.content.contains(s->kind)) {
    add(Finding::Why::content, where, s->what);
    return;
  }
  if (policy_.content.contains(Content::macro) && ole_has_macros(data)) {
    add(Finding::Why::content, where, "Office document with macros (OLE2 VBA project)");
    return;
  }
  if (!looks_like_archive(data) && !archive_extension(extension_of(normalized_name(name)))) return;
  if (depth > policy_.archive_depth) {
    add(Finding::Why::unscannable, where,
        "archive nested deeper than " + std::to_string(policy_.archive_depth) + " levels");
    return;
  }
  inspect_archive(*this, where, data, depth);
}

AttachmentReport check_attachments(std::string_view msg, const mime::Part& root, const AttachmentPolicy& policy,
                                   const mime::Limits& limits, bool cut) {
  AttachmentReport report;
  Inspection in(policy, report);
  if (count_parts(root) >= limits.max_parts)
    in.add(Finding::Why::unscannable, "message", "more than " + std::to_string(limits.max_parts) + " MIME parts");
  Walk(msg, in, cut).part(root, "");
  return report;
}

AttachmentReport check_attachments(std::string_view msg, const AttachmentPolicy& policy, bool cut) {
  mime::Limits limits;
  auto root = mime::parse(msg, limits);
  return check_attachments(msg, root, policy, limits, cut);
}

}  // namespace posta::scan
