#include "scan/policy.h"

#include <array>
#include <utility>

#include "io/fd.h"
#include "scan/settings.h"

namespace posta::scan {
namespace {

constexpr std::array<std::pair<Content, std::string_view>, 5> kContentNames{{
    {Content::executable, "executable"},
    {Content::script, "script"},
    {Content::macro, "macro"},
    {Content::diskimage, "diskimage"},
    {Content::shortcut, "shortcut"},
}};

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
    size_t st = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != ',') ++i;
    if (i > st) out.push_back(lower(std::string(s.substr(st, i - st))));
  }
  return out;
}

Result<bool> refuse_or_allow(const std::string& v) {
  if (v == "refuse") return true;
  if (v == "allow") return false;
  return fail("expected refuse or allow, not " + v);
}

Status apply(AttachmentPolicy& p, const std::string& name, const std::string& value) {
  auto list = words(value);
  if (name == "extensions") {
    for (auto& w : list) p.extensions.insert(w.starts_with(".") ? w.substr(1) : w);
  } else if (name == "types") {
    for (auto& w : list) {
      if (w.find('/') == std::string::npos) return fail("not a type/subtype: " + w);
      p.types.insert(w);
    }
  } else if (name == "content") {
    for (auto& w : list) {
      auto c = content_named(w);
      if (!c) return fail("unknown content kind: " + w);
      p.content.insert(*c);
    }
  } else if (name == "action") {
    if (value == "refuse") p.action = AttachmentPolicy::Action::refuse;
    else if (value == "quarantine") p.action = AttachmentPolicy::Action::quarantine;
    else return fail("expected refuse or quarantine, not " + value);
  } else if (name == "encrypted") {
    POSTA_TRY(p.refuse_encrypted, refuse_or_allow(value));
  } else if (name == "unscannable") {
    POSTA_TRY(p.refuse_unscannable, refuse_or_allow(value));
  } else if (name == "archive-depth") {
    auto n = parse_uint(value);
    if (!n || *n < 1 || *n > 20) return fail("archive-depth is not a number from 1 to 20: " + value);
    p.archive_depth = static_cast<int>(*n);
  } else if (name == "archive-entries") {
    auto n = parse_uint(value);
    if (!n || *n < 1) return fail("archive-entries is not a number above 0: " + value);
    p.archive_entries = *n;
  } else if (name == "archive-bytes") {
    POSTA_TRY(p.archive_bytes, parse_bytes(value));
    if (p.archive_bytes == 0) return fail("archive-bytes must be more than 0");
  } else {
    return fail("unknown setting: " + name);
  }
  return {};
}

}  // namespace

std::string_view name_of(Content c) {
  for (auto& [k, n] : kContentNames)
    if (k == c) return n;
  return "?";
}

std::optional<Content> content_named(std::string_view name) {
  for (auto& [k, n] : kContentNames)
    if (n == name) return k;
  return std::nullopt;
}

Result<AttachmentPolicy> AttachmentPolicy::parse(std::string_view text) {
  AttachmentPolicy p;
  int lineno = 0;
  for (auto& raw : split(text, '\n')) {
    ++lineno;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto kv = split_setting(line);
    Status s = kv ? apply(p, kv->first, kv->second) : std::unexpected(kv.error());
    if (!s) return fail("line " + std::to_string(lineno) + ": " + s.error().what);
  }
  return p;
}

Result<std::optional<AttachmentPolicy>> AttachmentPolicy::load(const Control& control) {
  std::string path = control.dir() + "/attachmentpolicy";
  auto text = read_file(path, 1 << 20);
  if (!text) {
    if (text.error().code == ENOENT) return std::optional<AttachmentPolicy>();
    return std::unexpected(text.error());
  }
  auto p = parse(*text);
  if (!p) return fail("control/attachmentpolicy: " + p.error().what);
  return std::optional<AttachmentPolicy>(std::move(*p));
}

}  // namespace posta::scan
