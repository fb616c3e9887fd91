// posta-mail search and fetch; find(), which expunge, move and export share.
#include <unistd.h>

#include <iostream>

#include "accounts/address.h"
#include "admin/output.h"
#include "admin/tool.h"
#include "base/base64.h"
#include "base/exitcode.h"
#include "base/strings.h"
#include "io/fd.h"
#include "log/log.h"
#include "mail.h"
#include "mailsearch/fts_hits.h"
#include "mailsearch/match.h"
#include "mailstore/folders.h"
#include "mailstore/header_cache.h"
#include "mailstore/mailbox_index.h"
#include "mime/decode.h"
#include "mime/message.h"

namespace posta::mailcmd {
namespace {

using accounts::kErrInvalid, accounts::kErrNotFound;

}  // namespace

std::string maildir_of(const accounts::UserRecord& u) { return strip_trailing_slash(u.maildir); }

namespace {

std::string decoded(const std::vector<mime::HeaderField>* h, const char* name) {
  if (!h) return "";
  auto v = mime::header_value(*h, name);
  return v ? mime::decode_words(*v) : "";
}

}  // namespace

void find_in_folder(const accounts::UserRecord& u, const std::string& maildir, const std::string& name,
                    const mailsearch::Query& q, std::vector<Hit>& out) {
  std::string dir = mailstore::Folders(maildir).dir(name);
  auto ix = mailstore::MailboxIndex::open(dir);
  if (!ix) {
    log::warning(u.address, " ", name, ": ", ix.error().what);
    return;
  }
  mailstore::HeaderCache cache(dir);
  cache.load();
  // body: and text: terms through the folder's full-text index when it has one
  std::unique_ptr<fts::FolderIndex> fti;
  fts::UidHits hits;
  if (mailsearch::has_full_text_term(q) && (fti = fts::FolderIndex::open(dir, ix->uid_validity())))
    hits = mailsearch::fts_hits(q, *fti);
  for (const auto& m : ix->messages()) {
    if (fti && !fti->may_match(hits, m.uid)) continue;
    mailsearch::Candidate c(name, *ix, m, &cache);
    if (!mailsearch::matches(q, c)) continue;
    const auto* h = c.headers(false);
    out.push_back(Hit{u.address, maildir, name, m.uid, c.arrival(), c.size(), m.flags(), decoded(h, "from"),
                      decoded(h, "subject"), decoded(h, "message-id"), ix->path(m)});
  }
  if (fti && fti->damaged()) (void)fts::discard(dir);
  if (auto s = cache.save(*ix); !s) log::warning("header cache of ", u.address, " ", name, ": ", s.error().what);
}

namespace {

std::string hit_json(const Hit& h) {
  return "{\"user\":" + admin::json_string(h.user) + ",\"folder\":" + admin::json_string(h.folder) +
         ",\"uid\":" + std::to_string(h.uid) + ",\"date\":" + admin::json_string(admin::format_time(h.date)) +
         ",\"size\":" + std::to_string(h.size) + ",\"flags\":" + admin::json_string(h.flags) +
         ",\"from\":" + admin::json_string(h.from) + ",\"subject\":" + admin::json_string(h.subject) +
         ",\"message_id\":" + admin::json_string(h.message_id) + "}";
}

std::string hit_line(const Hit& h) {
  std::string out;
  for (const std::string& f : {h.user, h.folder, std::to_string(h.uid), admin::format_time(h.date), h.from, h.subject})
    out += (out.empty() ? "" : "\t") + admin::tsv_escape(f);
  return out;
}

int search(const Opts& o) {
  auto q = query_of(o, false);
  if (!q) return report(q.error());
  auto users = scope_users(o);
  if (!users) return report(users.error());
  auto hits = find(*users, *q, [&](size_t done) { show_progress("users", done, users->size()); });
  if (!hits) return report(hits.error());
  audit_lookup(o, "search", *q, hits->size());
  int rc = print_hits(*hits, o.json);
  return rc == kExitOk && hits->empty() ? kExitNotFound : rc;
}

// "1.2" -> {1, 2}
Result<std::vector<uint32_t>> part_path(const std::string& s) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    auto n = parse_uint(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (!n || *n == 0 || *n > 100000 || out.size() >= 64) return fail("bad --part (N or N.N...): " + s, kErrInvalid);
    out.push_back(static_cast<uint32_t>(*n));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

// The bytes of part path of message data: the part with its header lines, or with decode its
// body with the transfer encoding undone.
Result<std::string> part_of(const std::string& data, const std::string& path, bool decode) {
  POSTA_TRY(auto nums, part_path(path));
  std::string crlf = mime::to_crlf(data);
  auto root = mime::parse(crlf);
  const mime::Part* p = mime::find_part(root, nums);
  if (!p) return fail("no part " + path, kErrNotFound);
  if (!decode) return crlf.substr(p->header_start, p->end - p->header_start);
  std::string_view body = std::string_view(crlf).substr(p->body_start, p->body_size());
  if (p->encoding == "base64") return base64_decode_lenient(body);
  if (p->encoding == "quoted-printable") return mime::qp_decode(body);
  return std::string(body);
}

int fetch(const Opts& o) {
  auto name = mailstore::check_mailbox_name(o.folder);
  if (!name) return report(Error{"bad folder name: " + name.error().what, kErrInvalid});
  auto u = one_user(o, o.address);
  if (!u) return report(u.error());
  mailstore::Folders folders(maildir_of(*u));
  if (!folders.exists(*name)) return report(Error{u->address + " has no folder " + *name, kErrNotFound});
  auto ix = mailstore::MailboxIndex::open(folders.dir(*name));
  if (!ix) return report(ix.error());
  const auto* mi = ix->find(o.uid);
  if (!mi) return report(Error{"no UID " + std::to_string(o.uid) + " in " + u->address + " " + *name, kErrNotFound});
  auto data = read_file(ix->path(*mi), size_t{1} << 31);
  if (!data) return report(data.error());
  std::string out = std::move(*data);
  if (!o.part.empty()) {
    auto p = part_of(out, o.part, o.decode);
    if (!p) return report(p.error());
    out = std::move(*p);
  }
  Hit h{u->address, "", *name, o.uid, 0, 0, "", "", "", "", ""};
  write_audit(o, {audit_record(o, "fetch", h, o.part.empty() ? "" : "part " + o.part)});
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  return admin::flush_stdout();
}

}  // namespace

void add_scope_options(CLI::App* sc, Opts& o) {
  // one address an occurrence: the query that follows is not another address
  sc->add_option("--user", o.users, "this user's mail (repeatable)")->allow_extra_args(false);
  sc->add_option("--domain", o.domain, "the mail of every user of this domain");
  sc->add_flag("--all", o.all, "the mail of every user");
}

Result<std::vector<Hit>> find(const std::vector<accounts::UserRecord>& users, const mailsearch::Query& q,
                              const std::function<void(size_t)>& progress) {
  std::vector<Hit> out;
  for (size_t i = 0; i < users.size(); ++i) {
    std::string maildir = maildir_of(users[i]);
    if (::access((maildir + "/cur").c_str(), F_OK) == 0)
      for (const auto& name : mailstore::Folders(maildir).list()) find_in_folder(users[i], maildir, name, q, out);
    if (progress) progress(i + 1);
  }
  return out;
}

int print_hits(const std::vector<Hit>& hits, bool json) { return admin::print_records(hits, json, hit_json, hit_line); }

void register_search(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("search", "list the messages a query matches: user, folder, UID, date, from, subject");
  add_scope_options(sc, o);
  sc->add_option("QUERY", o.query_words, "the query (posta-mail(8) QUERY LANGUAGE); several words are joined")->required();
  sc->add_flag("--json", o.json, "a JSON array");
  sc->callback([&] { action = [&] { return search(o); }; });

  sc = app.add_subcommand("fetch", "write a message (or one MIME part) to stdout");
  sc->add_option("ADDRESS", o.address, "the user")->required();
  sc->add_option("FOLDER", o.folder, "the folder (INBOX, Sent, Work.Reports)")->required();
  sc->add_option("UID", o.uid, "the message's UID")->required();
  sc->add_option("--part", o.part, "only this MIME part (1, 2.1, ...), with its header lines");
  sc->add_flag("--decode", o.decode, "with --part: the part's body, base64 or quoted-printable undone");
  sc->callback([&] { action = [&] { return fetch(o); }; });
}

}  // namespace posta::mailcmd
