// Sieve at delivery: the admin before-script, the user's active script and the admin
// after-script run in turn (lib/sieve), then their actions are performed here: stores
// first (keep, fileinto, the implicit keep), then redirects, then the vacation reply, so
// that a temporary failure of a store leaves nothing sent that the retry would send again.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "accounts/ownership.h"
#include "io/fd.h"
#include "local.h"
#include "log/log.h"
#include "maildir/maildir.h"
#include "mailstore/folders.h"
#include "mailstore/mailbox_index.h"
#include "mailstore/names.h"
#include "queue/envelope.h"
#include "queue/maildate.h"
#include "sieve/message_view.h"
#include "sieve/vacation.h"
#include "sieve_scripts.h"

namespace posta::local {

namespace {

// The message mapped read-only for the tests (body, size).
class MappedMessage {
 public:
  MappedMessage(int fd, uint64_t size) : size_(static_cast<size_t>(size)) {
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) data_ = p;
  }
  ~MappedMessage() {
    if (data_) ::munmap(data_, size_);
  }
  MappedMessage(const MappedMessage&) = delete;
  MappedMessage& operator=(const MappedMessage&) = delete;
  bool ok() const { return size_ == 0 || data_; }
  std::string_view view() const { return data_ ? std::string_view(static_cast<const char*>(data_), size_) : ""; }

 private:
  void* data_ = nullptr;
  size_t size_;
};

struct Target {
  const accounts::UserRecord& user;
  const std::string& md;
  const std::string& delivered_to;
  const std::string& detail;
};

// The Maildir++ folder of a Sieve mailbox name (UTF-8, '/' or '.' between levels); "" = INBOX.
Result<std::string> folder_of(std::string_view mailbox) {
  if (iequals(mailbox, "INBOX")) return std::string();
  std::string name(mailbox);
  std::replace(name.begin(), name.end(), '/', mailstore::kDelimiter);
  POSTA_TRY(std::string checked, mailstore::check_mailbox_name(mailstore::utf8_to_mutf7(name)));
  if (iequals(checked, "INBOX")) return std::string();
  return checked;
}

// IMAP flags -> Maildir letters: system flags by their letter, keywords through the
// folder's posta-keywords table (the one posta-imapd reads).
std::string letters_of(const std::vector<std::string>& flags, const std::string& folder_dir) {
  std::string letters;
  std::optional<mailstore::MailboxIndex> index;
  for (const auto& f : flags) {
    if (char c = mailstore::system_flag_letter(f)) {
      letters.push_back(c);
      continue;
    }
    if (f.empty() || f[0] == '\\') continue;  // \Recent and unknown system flags cannot be set
    if (!index) {
      auto ix = mailstore::MailboxIndex::open(folder_dir);
      if (!ix) {
        log::warning("sieve: unable to open ", folder_dir, " for keywords: ", ix.error().what);
        return mailstore::normalize_letters(letters);
      }
      index.emplace(std::move(*ix));
    }
    auto c = index->letter_for(f, true);
    if (c) {
      letters.push_back(*c);
    } else {
      log::warning("sieve: keyword ", log::printable(f), " not set: ", c.error().what);
    }
  }
  return mailstore::normalize_letters(letters);
}

class Performer {
 public:
  Performer(Context& ctx, const Target& t) : ctx_(ctx), t_(t) {}

  Delivery perform(const sieve::Outcome& o, const sieve::Message& msg) {
    for (const auto& a : o.actions) {
      if (a.kind != sieve::Action::kReject && a.kind != sieve::Action::kEreject) continue;
      // a refusal of a notification would notify nobody or the postmaster (a double
      // bounce): it is discarded, as Pigeonhole does
      if (ctx_.sender.empty() || ctx_.sender == queue::kDoubleBounceSender)
        return ok("sieve: rejected (\"" + one_line(a.reason) + "\"); discarded: null sender, no notification");
      return permanent("rejected by the recipient's Sieve filter: " + one_line(a.reason) + " (#5.7.1)");
    }
    for (const auto& a : o.actions) {
      if (a.kind != sieve::Action::kKeep && a.kind != sieve::Action::kFileinto) continue;
      Delivery d = a.kind == sieve::Action::kKeep ? store_in("", a.flags) : fileinto(a);
      if (!d) return d;
    }
    if (o.implicit_keep) {
      auto folder = default_folder(ctx_, t_.md, t_.detail);
      if (!folder) return temporary("unable to create folder: " + folder.error().what);
      Delivery d = store_in(*folder, o.implicit_keep_flags);
      if (!d) return d;
    }
    for (const auto& a : o.actions) {
      if (a.kind == sieve::Action::kRedirect) {
        Delivery d = reinject(ctx_, ctx_.sender, {a.address}, mailhdr::make_field("Delivered-To", t_.delivered_to, ctx_.header.eol()));
        if (!d) return d;
        done_.push_back("redirected to " + a.address);
      } else if (a.kind == sieve::Action::kDiscard && !o.implicit_keep && stored_.empty()) {
        done_.push_back("discarded");
      } else if (a.kind == sieve::Action::kVacation) {
        vacation(a, msg);
      }
    }
    std::string summary;
    for (const auto& s : done_) summary += (summary.empty() ? "" : "; ") + s;
    return ok("sieve: " + (summary.empty() ? std::string("no action") : summary));
  }

 private:
  Context& ctx_;
  const Target& t_;
  std::vector<std::string> stored_;  // folders stored into ("" = INBOX)
  std::vector<std::string> done_;

  static std::string one_line(std::string s) {
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    return trim(s);
  }

  Delivery store_in(const std::string& folder, const std::vector<std::string>& flags) {
    if (std::find(stored_.begin(), stored_.end(), folder) != stored_.end()) return ok("");
    std::string letters = letters_of(flags, maildir::folder_dir(t_.md, folder));
    Delivery d = store(ctx_, t_.user, t_.md, t_.delivered_to, folder, letters);
    if (d) {
      stored_.push_back(folder);
      done_.push_back(*d);
    }
    return d;
  }

  Delivery fileinto(const sieve::Action& a) {
    auto folder = folder_of(a.mailbox);
    if (!folder) {
      log::warning("sieve: ", t_.user.address, ": invalid mailbox name \"", log::printable(a.mailbox),
                   "\" (", folder.error().what, "); delivering to INBOX");
      return store_in("", a.flags);
    }
    mailstore::Folders folders(t_.md);
    if (!folder->empty() && !folders.exists(*folder)) {
      if (!a.create) {
        log::warning("sieve: ", t_.user.address, ": no mailbox \"", log::printable(a.mailbox),
                     "\" (fileinto without :create); delivering to INBOX");
        return store_in("", a.flags);
      }
      if (auto s = maildir::create_folder(t_.md, *folder); !s)
        return temporary("unable to create folder " + *folder + ": " + s.error().what);
      if (auto s = folders.subscribe(*folder, true); !s)
        log::warning("sieve: unable to subscribe ", *folder, ": ", s.error().what);
    }
    return store_in(*folder, a.flags);
  }

  // The user's own addresses: the recipient, the user's address, the aliases that deliver
  // to the user (accounts::sender_owned_by), and extra (vacation :addresses).
  bool own_address(std::string_view address, const std::vector<std::string>& extra) {
    std::vector<std::string> mine = {t_.delivered_to, t_.user.address, ctx_.recipient};
    mine.insert(mine.end(), extra.begin(), extra.end());
    if (std::any_of(mine.begin(), mine.end(), [&](const std::string& m) { return iequals(m, address); }))
      return true;
    if (!ctx_.accounts) return false;
    auto owned = accounts::sender_owned_by(*ctx_.accounts, address, t_.user.address);
    if (!owned) {
      log::warning("sieve: unable to look up ", log::printable(address), ": ", owned.error().what);
      return false;
    }
    return *owned;
  }

  // A reply that cannot be sent is logged, never a reason to fail the delivery.
  void vacation(const sieve::Action& a, const sieve::Message& msg) {
    auto own = [&](std::string_view address) { return own_address(address, a.addresses); };
    if (auto why = sieve::vacation_refusal(msg, own)) {
      done_.push_back("no vacation reply: " + *why);
      return;
    }
    std::string dir = t_.md + "/sieve";
    ::mkdir(dir.c_str(), 0700);
    sieve::VacationMemory memory(dir + "/vacation.seen");
    auto fresh = memory.claim(ctx_.sender, a.handle, ctx_.now, a.period_seconds);
    if (!fresh) {
      log::warning("sieve: vacation memory of ", t_.user.address, ": ", fresh.error().what, "; no reply");
      return;
    }
    if (!*fresh) {
      done_.push_back("no vacation reply: already answered " + ctx_.sender);
      return;
    }
    std::string domain = t_.user.address.substr(t_.user.address.rfind('@') + 1);
    sieve::Action act = a;
    // :from may only name one of the user's own addresses, :addresses aside (the user lists
    // those): the reply goes out from here (and may be DKIM-signed), so it must not speak
    // for anyone else
    if (!act.from.empty()) {
      auto addrs = sieve::header_addresses(act.from);
      if (addrs.size() != 1 || !own_address(addrs[0], {})) {
        log::warning("sieve: ", t_.user.address, ": vacation :from \"", log::printable(act.from),
                     "\" is not one of the user's addresses; replying from ", t_.delivered_to);
        act.from.clear();
      }
    }
    auto reply = sieve::vacation_reply(act, msg, t_.delivered_to, queue::rfc5322_date(ctx_.now),
                                       queue::make_message_id(domain));
    Delivery d = inject_new("", {reply.to}, reply.data);
    if (!d) {
      log::warning("sieve: vacation reply of ", t_.user.address, " to ", ctx_.sender, ": ", d.error().what);
      return;
    }
    done_.push_back("vacation reply to " + reply.to);
  }
};

}  // namespace

std::optional<Delivery> deliver_with_sieve(Context& ctx, const accounts::UserRecord& user, const std::string& md,
                                           const std::string& delivered_to, const std::string& detail) {
  SieveScripts scripts = load_sieve_scripts(ctx.home, md, user.address);
  if (!scripts.any()) return std::nullopt;
  Target t{user, md, delivered_to, detail};
  MappedMessage mapped(ctx.msg_fd, ctx.msg_size);
  if (!mapped.ok()) return temporary("unable to map the message: " + std::string(std::strerror(errno)));
  auto fallback = [&](const std::string& why) -> Delivery {
    log::warning("sieve: ", user.address, ": ", why, "; delivering as without a script");
    auto folder = default_folder(ctx, md, detail);
    if (!folder) return temporary("unable to create folder: " + folder.error().what);
    return store(ctx, user, md, delivered_to, *folder, "");
  };
  if (!scripts.error.empty()) return fallback(scripts.error);

  sieve::Message msg;
  msg.raw = mapped.view();
  msg.envelope_from = ctx.sender;
  msg.envelope_to = delivered_to;
  msg.envelope_orig_to = ctx.recipient;
  // :user and :detail split where address resolution does (control/subaddress)
  if (ctx.control.exists("subaddress")) {
    std::string sep = ctx.control.string("subaddress", "");
    msg.subaddress_separators = sep == "none" ? "" : sep;
  }
  sieve::RunOptions opt;
  opt.limits = sieve::Limits::from_control(ctx.control);
  opt.now = static_cast<int64_t>(ctx.now);
  opt.includes.load_script = [&](std::string_view name, bool global, const sieve::CompileOptions& co) {
    return load_included_script(ctx.home, md, name, global, co);
  };
  opt.mailbox_exists = [&](std::string_view mailbox) {
    auto f = folder_of(mailbox);
    return f && (f->empty() || mailstore::Folders(md).exists(*f));
  };
  auto outcome = sieve::run_sequence(scripts.sequence(), msg, opt);
  if (!outcome) return fallback("run-time error: " + outcome.error().what);
  return Performer(ctx, t).perform(*outcome, msg);
}

}  // namespace posta::local
