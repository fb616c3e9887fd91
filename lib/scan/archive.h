// Listing archives with libarchive for the attachment checks (lib/scan/attachments.h).
//
// Only in-process decoders are enabled (no filter that runs an external program, no mtree,
// which names files on this host). Entry names are listed without unpacking; an entry's
// data is read only as far as the checks need: its first bytes for content sniffing, all of
// it for a nested archive or an OLE2 file. What is unpacked counts against the policy's
// archive-bytes, blocks as libarchive's decoders produce them, so a decompression bomb stops
// there; where skipping an entry would decompress it (compressed tar, solid 7z/RAR) it is
// read through and counted too.
#pragma once
#include <string>
#include <string_view>

namespace posta::scan {

class Inspection;

// Lists the archive in data (named where) at depth, checking every entry with inspection.
void inspect_archive(Inspection& inspection, const std::string& where, std::string_view data, int depth);

}  // namespace posta::scan
