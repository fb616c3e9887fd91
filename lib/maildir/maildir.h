// Maildir (https://cr.yp.to/proto/maildir.html) with Maildir++ folders.
// A maildir is a directory with tmp/, new/ and cur/. Maildir++ folders are sibling maildirs
// named ".Name" inside the main maildir (hierarchy separator '.': ".Lists.posta"), each with
// an empty "maildirfolder" marker file.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::maildir {

// Creates dir and dir/{tmp,new,cur} (mode 0700) when missing; parents too.
[[nodiscard]] Status ensure_maildir(const std::string& dir);

// A Maildir++ folder name as delivery and IMAP see it, without the leading dot:
// "Junk", "Lists.posta". INBOX and "" mean the main maildir. Refused: '/', control
// characters, a leading or trailing '.', an empty component (".."), longer than 255 bytes.
bool valid_folder_name(std::string_view name);

// The folders every new mailbox gets, in the order of its `subscriptions` file:
// Drafts, Sent, Trash, Junk, Archive (each with its SPECIAL-USE attribute in IMAP).
const std::vector<std::string>& default_folders();

// maildir + "/." + name, or maildir itself for "" / "INBOX" (any case). Does not validate.
std::string folder_dir(const std::string& maildir, std::string_view name);

// Validates name, creates the folder maildir and its maildirfolder marker (idempotent).
[[nodiscard]] Status create_folder(const std::string& maildir, std::string_view name);

// The host part of unique names: gethostname() with '/' as "\057" and ':' as "\072".
std::string safe_hostname(std::string_view host);
std::string local_hostname();

// A unique base name per the Maildir spec: "<sec>.M<usec>P<pid>Q<n>.<host>"
// (n counts deliveries in this process). Never contains '/' or ':'.
std::string unique_name();

struct Delivered {
  std::string path;  // final path in new/
  std::string name;  // file name in new/: "<unique>,S=<size>,W=<vsize>"
  uint64_t size = 0; // bytes written (prefix + message)
  uint64_t vsize = 0;  // size with every bare LF counted as CRLF (RFC822.SIZE, POP3 LIST)
};

// Delivers prefix followed by the whole content of msg_fd (read from offset 0 with pread,
// so a seekable spool file is left untouched) into folder_dir: write to tmp/<unique>,
// fsync, link into new/<unique>,S=<size>,W=<vsize>, unlink the tmp name, fsync new/.
// On any failure nothing is left in new/ or tmp/. ENOSPC/EDQUOT are reported in code.
[[nodiscard]] Result<Delivered> deliver(const std::string& folder_dir, std::string_view prefix,
                                        int msg_fd);

// Same with the message given in memory.
[[nodiscard]] Result<Delivered> deliver_data(const std::string& folder_dir,
                                             std::string_view data);

// Removes files in tmp/ untouched (atime, mtime, ctime) for 36 hours (the spec's cleanup
// rule; posta-local runs it after each delivery). Returns how many.
size_t clean_tmp(const std::string& folder_dir, time_t now);

}  // namespace posta::maildir
