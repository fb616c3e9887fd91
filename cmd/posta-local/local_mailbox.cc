// Delivery into a user's Maildir: folder choice (Junk, sub-address folder), quota, write.
#include <sys/stat.h>

#include <cstring>

#include "accounts/mailbox.h"
#include "base/strings.h"
#include "fts/changed_folders.h"
#include "local.h"
#include "log/log.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"
#include "mailstore/folders.h"
#include "mailstore/names.h"
#include "io/fd.h"

namespace posta::local {

namespace {

constexpr long long kDefaultQuotaBounceDays = 7;

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool flagged_spam(const Context& ctx) {
  for (const auto& v : mailhdr::values(ctx.header, "X-Spam-Flag")) {
    if (posta::iequals(v, "YES")) return true;
  }
  return false;
}

// control/junkfolder: missing, "yes", "on", "1", "true" -> Junk; "no", "off", "0", "false"
// -> off; any other valid Maildir++ folder name -> that folder.
std::string junk_folder(const Context& ctx) {
  std::string v = lower(ctx.control.string("junkfolder", "yes"));
  if (v == "no" || v == "off" || v == "0" || v == "false") return "";
  if (v == "yes" || v == "on" || v == "1" || v == "true") return "Junk";
  std::string raw = ctx.control.string("junkfolder");
  return maildir::valid_folder_name(raw) ? raw : "Junk";
}

// The target folder name ("" = INBOX).
Result<std::string> choose_folder(const Context& ctx, const std::string& maildir,
                                  const std::string& detail) {
  if (flagged_spam(ctx)) {
    std::string junk = junk_folder(ctx);
    if (!junk.empty()) {
      if (auto s = maildir::create_folder(maildir, junk); !s) return std::unexpected(s.error());
      // another name than Junk gets the \Junk attribute, so that clients see it as the spam
      // folder and moves out of it and into it teach the filter
      mailstore::Folders folders(maildir);
      if (folders.special_use_of(junk).empty())
        if (auto s = folders.set_special_use(junk, "\\Junk"); !s) log::warning(junk, ": ", s.error().what);
      return junk;
    }
  }
  // user+tag goes to folder "tag" when the user created one; else to INBOX.
  if (!detail.empty() && maildir::valid_folder_name(detail) &&
      is_dir(maildir::folder_dir(maildir, detail) + "/new"))
    return detail;
  return std::string();
}

Delivery over_quota(const Context& ctx, const std::string& address) {
  long long days = ctx.control.number("quotabounce", kDefaultQuotaBounceDays);
  if (days < 0) days = kDefaultQuotaBounceDays;
  if (ctx.queue_time && ctx.now - *ctx.queue_time >= static_cast<time_t>(days) * 86400)
    return permanent("mailbox over quota: " + address + " (#5.2.2)");
  return temporary("mailbox over quota: " + address + " (#4.2.2)");
}

}  // namespace

Delivery store(Context& ctx, const accounts::UserRecord& user, const std::string& md,
                const std::string& delivered_to, const std::string& folder, const std::string& letters) {
  std::string eol(ctx.header.eol());
  std::string prefix = mailhdr::make_field("Return-Path", angle(ctx.sender), eol) +
                       mailhdr::make_field("Delivered-To", delivered_to, eol);
  uint64_t size = prefix.size() + ctx.msg_size;

  maildir::Quota quota(md, {user.quota_bytes, user.quota_messages});
  auto exceed = quota.would_exceed(size, 1, ctx.now);
  if (!exceed) return temporary("unable to read quota: " + exceed.error().what);
  if (*exceed) return over_quota(ctx, user.address);

  std::string dir = maildir::folder_dir(md, folder);
  auto d = maildir::deliver(dir, prefix, ctx.msg_fd);
  if (!d) {
    if (d.error().code == EDQUOT) return over_quota(ctx, user.address);
    return temporary("unable to deliver: " + d.error().what);
  }
  if (auto s = quota.add(static_cast<int64_t>(d->size), 1); !s)
    log::warning("unable to update maildirsize of ", user.address, ": ", s.error().what);
  std::string name = d->name;
  if (!letters.empty()) {
    // flags live in the name of a message in cur/ (Maildir "info" ":2,<letters>")
    std::string flagged = mailstore::cur_name(d->name, letters);
    if (::rename((dir + "/new/" + d->name).c_str(), (dir + "/cur/" + flagged).c_str()) == 0) {
      name = flagged;
      if (auto s = fsync_dir(dir + "/cur"); !s) log::warning("unable to sync ", dir, "/cur: ", s.error().what);
    } else {
      log::warning("unable to set the flags of ", dir, "/new/", d->name, ": ", std::strerror(errno));
    }
  }
  maildir::clean_tmp(dir, ctx.now);
  // the mailtasks service's indexer adds it to the full-text index within seconds
  if (auto s = fts::mark_changed(ctx.home, dir); !s) log::warning(s.error().what);
  return ok("delivered to " + user.address + (folder.empty() ? "" : " folder " + folder) + " " + name);
}

Result<std::string> default_folder(const Context& ctx, const std::string& md, const std::string& detail) {
  return choose_folder(ctx, md, detail);
}

Delivery deliver_to_user(Context& ctx, const accounts::UserRecord& user,
                        const std::string& delivered_to, const std::string& detail) {
  if (!user.store_host.empty())
    log::warning("user ", user.address, " has store host ", user.store_host, "; delivering here");
  std::string md = strip_trailing_slash(user.maildir);
  if (md.empty() || md[0] != '/') return temporary("user " + user.address + " has no absolute Maildir path");
  if (!is_dir(md + "/new")) {
    if (auto s = accounts::create_maildir(md); !s) return temporary("unable to create Maildir: " + s.error().what);
  }
  if (auto filtered = deliver_with_sieve(ctx, user, md, delivered_to, detail)) return *filtered;
  auto folder = choose_folder(ctx, md, detail);
  if (!folder) return temporary("unable to create folder: " + folder.error().what);
  return store(ctx, user, md, delivered_to, *folder, "");
}

}  // namespace posta::local
