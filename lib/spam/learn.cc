#include "spam/learn.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/hex.h"
#include "base/strings.h"
#include "dkim/sign.h"
#include "io/fd.h"
#include "mime/mbox.h"
#include "mime/message.h"

namespace posta::spam {
namespace {

// The message file's first bytes: enough for the header and max_message bytes of body.
Result<std::optional<std::string>> read_message(const std::string& path, size_t max, bool may_vanish) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) {
    if (may_vanish && fd.error().code == ENOENT) return std::optional<std::string>{};
    return std::unexpected(fd.error());
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat " + path);
  std::string buf(std::min<size_t>(static_cast<size_t>(st.st_size), max + (256u << 10)), '\0');
  POSTA_TRY(size_t n, read_full(fd->get(), buf.data(), buf.size()));
  buf.resize(n);
  return std::optional<std::string>{std::move(buf)};
}

// Whether the file at path is an mbox (mime/mbox.h) rather than one message.
Result<bool> is_mbox(const std::string& path) {
  POSTA_TRY(Fd fd, open_fd(path, O_RDONLY));
  char head[5];
  POSTA_TRY(size_t n, read_full(fd.get(), head, sizeof head));
  return mime::looks_like_mbox(std::string_view(head, n));
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The files of a Maildir's cur/ and new/, sorted (dot files left out).
Result<std::vector<std::string>> maildir_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const char* sub : {"/cur", "/new"}) {
    std::string d = dir + sub;
    DIR* dp = ::opendir(d.c_str());
    if (!dp) {
      if (errno == ENOENT) continue;
      return fail_sys("unable to open " + d);
    }
    while (dirent* e = ::readdir(dp))
      if (e->d_name[0] != '.') out.push_back(d + "/" + e->d_name);
    ::closedir(dp);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Batch {
  TokenStore& store;
  std::optional<Class> cls;
  const LearnOptions& o;
  LearnCounts counts;
  std::vector<LearnItem> items;
  size_t tokens = 0;

  Status flush() {
    if (items.empty()) return {};
    POSTA_TRY(auto outcomes, store.apply(items, cls, o.day ? o.day : today()));
    for (auto x : outcomes) counts.add(x);
    items.clear();
    tokens = 0;
    return {};
  }
  // Every message of an mbox file.
  Status add_mbox(const std::string& path) {
    POSTA_TRY(Fd fd, open_fd(path, O_RDONLY));
    mime::MboxReader mbox(std::move(fd), o.limits.max_message + (256u << 10));
    for (;;) {
      POSTA_TRY(auto msg, mbox.next());
      if (!msg) return {};
      if (trim_view(*msg).empty()) continue;
      if (auto s = add(*msg); !s) return s;
    }
  }
  Status add(std::string_view message) {
    LearnItem it{message_key(message), tokenize(message, o.limits)};
    if (!items.empty() && (items.size() >= o.batch_messages || tokens + it.tokens.size() > o.batch_tokens))
      if (auto s = flush(); !s) return s;
    tokens += it.tokens.size();
    items.push_back(std::move(it));
    return {};
  }
};

}  // namespace

std::string message_key(std::string_view message) {
  size_t split = message.find("\n\n");
  size_t crlf = message.find("\r\n\r\n");
  size_t body_at = message.size(), header_end = message.size();
  if (crlf != std::string_view::npos && (split == std::string_view::npos || crlf < split)) header_end = crlf, body_at = crlf + 4;
  else if (split != std::string_view::npos) header_end = split, body_at = split + 2;
  std::string id;
  for (auto& h : mime::parse_headers(message.substr(0, header_end)))
    if (iequals(trim_view(h.name), "message-id")) {
      id = trim(h.value);
      break;
    }
  std::string_view body = message.substr(body_at);
  body = body.substr(0, std::min(body.size(), TokenizeLimits{}.max_message));
  return hex_encode(dkim::sha256(id + "\n" + mime::to_crlf(body)));
}

void LearnCounts::add(LearnOutcome o) {
  switch (o) {
    case LearnOutcome::kLearned: ++learned; break;
    case LearnOutcome::kMoved: ++moved; break;
    case LearnOutcome::kAlready: ++already; break;
    case LearnOutcome::kUnlearned: ++unlearned; break;
    case LearnOutcome::kNotLearned: ++not_learned; break;
  }
}

Result<LearnOutcome> learn_message(TokenStore& store, std::string_view message, std::optional<Class> cls,
                                   const LearnOptions& o) {
  std::vector<LearnItem> items{{message_key(message), tokenize(message, o.limits)}};
  POSTA_TRY(auto out, store.apply(items, cls, o.day ? o.day : today()));
  return out.at(0);
}

Result<LearnCounts> learn_paths(TokenStore& store, const std::vector<std::string>& paths, std::optional<Class> cls,
                                const LearnOptions& o) {
  struct Source {
    std::string path;
    bool in_maildir;
    bool mbox = false;
  };
  std::vector<Source> files;
  for (auto& p : paths) {
    if (!is_dir(p)) {
      if (::access(p.c_str(), R_OK) != 0) return fail_sys("unable to read " + p);
      POSTA_TRY(bool mbox, is_mbox(p));
      files.push_back({p, false, mbox});
      continue;
    }
    if (!is_dir(p + "/cur") && !is_dir(p + "/new")) return fail(p + " is a directory but not a Maildir (no cur/ or new/)");
    POSTA_TRY(auto in, maildir_files(p));
    for (auto& f : in) files.push_back({std::move(f), true});
  }
  Batch b{store, cls, o, {}, {}, 0};
  for (auto& f : files) {
    if (f.mbox) {
      if (auto s = b.add_mbox(f.path); !s) return std::unexpected(s.error());
      continue;
    }
    POSTA_TRY(auto msg, read_message(f.path, o.limits.max_message, f.in_maildir));
    if (!msg) {
      ++b.counts.vanished;
      continue;
    }
    if (auto s = b.add(*msg); !s) return std::unexpected(s.error());
  }
  if (auto s = b.flush(); !s) return std::unexpected(s.error());
  return b.counts;
}

}  // namespace posta::spam
