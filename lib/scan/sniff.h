// Recognising files by their bytes and names: dangerous content, archives, Office macros.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "scan/policy.h"

namespace posta::scan {

// How many leading bytes sniff() looks at: the ISO 9660 volume descriptor starts at 32769.
inline constexpr size_t kSniffBytes = 36 << 10;

// The dangerous kind of content whose first bytes (up to kSniffBytes) are head, with a short
// description ("executable (PE)"); nullopt when none is recognised. Office macros in OLE2
// files need the whole file: ole_has_macros.
struct Sniffed {
  Content kind;
  std::string what;
};
std::optional<Sniffed> sniff(std::string_view head);

// An OLE2 compound file (.doc, .xls, .msi ...).
bool is_ole(std::string_view head);
// The OLE2 file holds a VBA project: a directory entry named _VBA_PROJECT (UTF-16LE), which
// Word (Macros/VBA/) and Excel (_VBA_PROJECT_CUR/VBA/) both write.
bool ole_has_macros(std::string_view file);

// head starts like an archive or compressed file libarchive reads (ZIP, RAR, 7z, tar, cpio,
// ar, CAB, LHA, gzip, bzip2, xz, lzma, lzip, zstd, lz4, compress).
bool looks_like_archive(std::string_view head);
// The extension (lower-case) names an archive format: zip, rar, 7z, tgz ...
bool archive_extension(std::string_view ext);

// A file name as Windows would act on it: the last path component, without trailing dots
// and spaces and without bidirectional-override characters, lower-case.
std::string normalized_name(std::string_view name);
// The last extension of a normalized name, without the dot ("" when none).
std::string extension_of(std::string_view normalized);
// The extension before the last one ("pdf" for "invoice.pdf.exe"), "" when none.
std::string inner_extension_of(std::string_view normalized);

}  // namespace posta::scan
