// Checks a message's attachments against an AttachmentPolicy: every MIME part's file names
// (Content-Disposition filename, Content-Type name; RFC 2231 and RFC 2047 decoded), declared
// type and content, and the entries of archives inside them, nested to a bounded depth.
//
// Hostile input costs bounded work: the MIME parse is limited (mime::Limits), archives are
// listed with libarchive without unpacking what is not needed, and everything unpacked from
// the archives of one message together is capped by the policy's archive-bytes and
// archive-entries (past them: an "unscannable" finding, refused unless the policy allows).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"
#include "scan/policy.h"

namespace posta::scan {

struct Finding {
  enum class Why {
    extension,    // a blocked file name extension
    type,         // a blocked declared Content-Type
    content,      // dangerous content recognised by its bytes
    encrypted,    // an encrypted archive or entry (when the policy refuses them)
    unscannable,  // could not be looked into fully (limits, damaged archive)
  };
  Why why;
  std::string where;   // "invoice.zip/setup.exe"; "part 1.2" for a part without a name
  std::string detail;  // "extension .exe", "double extension .pdf.exe", "executable (PE)"
};

// "invoice.zip/setup.exe: extension .exe"
std::string describe(const Finding& f);

struct AttachmentReport {
  std::vector<Finding> findings;  // what the policy forbids; empty: the message passes
  size_t parts = 0;               // MIME parts looked at
  size_t archives = 0;            // archives opened (nested ones included)
  uint64_t entries = 0;           // archive entries listed
  uint64_t unpacked = 0;          // bytes unpacked from archives
  bool blocked() const { return !findings.empty(); }
};

// At most this many findings are collected; the walk stops there.
inline constexpr size_t kMaxFindings = 10;

// root is mime::parse(msg) (CRLF line ends); the parse's part limit is taken as reached
// when root holds limits.max_parts parts. cut: msg is only the first part of the message (the
// scanned part); an archive in a part that runs to its end is cut off, so it is not taken as
// damaged or unreadable (what was listed of it still counts).
AttachmentReport check_attachments(std::string_view msg, const mime::Part& root, const AttachmentPolicy& policy,
                                   const mime::Limits& limits = {}, bool cut = false);
// Parses msg (CRLF line ends) itself.
AttachmentReport check_attachments(std::string_view msg, const AttachmentPolicy& policy, bool cut = false);

// The checks of one file (an attachment's decoded body, or an archive entry), shared by the
// MIME walk and the archive lister; exposed for lib/scan/archive.
class Inspection {
 public:
  Inspection(const AttachmentPolicy& policy, AttachmentReport& report) : policy_(policy), report_(report) {}

  const AttachmentPolicy& policy() const { return policy_; }
  AttachmentReport& report() { return report_; }
  // Nothing more to look at: enough findings, or a limit of the walk was reached.
  bool done() const { return stopped_ || report_.findings.size() >= kMaxFindings; }
  void add(Finding::Why why, const std::string& where, std::string detail);
  // A limit was reached: an unscannable finding (when the policy refuses those) and the end
  // of the walk.
  void stop(const std::string& where, std::string why);
  // A damaged or unreadable archive: unscannable, unless the file was cut off by the end of
  // the scanned part (set_cut).
  void damaged(const std::string& where, std::string why);
  void set_cut(bool cut) { cut_ = cut; }

  // The file name against the blocked extensions.
  void check_name(const std::string& where, std::string_view name);
  // data (complete, or only its first bytes) against the content kinds; an archive
  // (by its bytes or its name) is listed at depth (1 for an attachment).
  void check_content(const std::string& where, std::string_view name, std::string_view data, int depth);
  // Whether check_content needs all of a file rather than its first kSniffBytes.
  static bool needs_whole(std::string_view name, std::string_view head);

 private:
  const AttachmentPolicy& policy_;
  AttachmentReport& report_;
  bool stopped_ = false;
  bool cut_ = false;
};

}  // namespace posta::scan
