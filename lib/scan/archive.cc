#include "scan/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "scan/attachments.h"
#include "scan/sniff.h"

namespace posta::scan {
namespace {

struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// Decoders that run in this process only: none of libarchive's external-program filters
// (lrzip, lzop, grzip) and no mtree (it reads files named in the archive from this host).
ArchivePtr open_reader(std::string_view data) {
  ArchivePtr a(archive_read_new());
  if (!a) return a;
  archive* r = a.get();
  archive_read_support_filter_gzip(r);
  archive_read_support_filter_bzip2(r);
  archive_read_support_filter_xz(r);
  archive_read_support_filter_lzma(r);
  archive_read_support_filter_lzip(r);
  archive_read_support_filter_zstd(r);
  archive_read_support_filter_lz4(r);
  archive_read_support_filter_compress(r);
  archive_read_support_format_zip(r);
  archive_read_support_format_7zip(r);
  archive_read_support_format_rar(r);
  archive_read_support_format_rar5(r);
  archive_read_support_format_tar(r);
  archive_read_support_format_cpio(r);
  archive_read_support_format_ar(r);
  archive_read_support_format_cab(r);
  archive_read_support_format_lha(r);
  archive_read_support_format_iso9660(r);
  // a compressed single file (invoice.exe.gz): one entry with the uncompressed bytes
  archive_read_support_format_raw(r);
  if (archive_read_open_memory(r, data.data(), data.size()) != ARCHIVE_OK) a.reset();
  return a;
}

std::string error_of(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown error";
}

std::string entry_name(archive_entry* e) {
  const char* n = archive_entry_pathname_utf8(e);
  if (!n) n = archive_entry_pathname(e);
  return n && *n ? n : "?";
}

// Whether skipping an entry's data is free (a seek), so that it need not be counted: ZIP
// read from memory seeks past entries, and so do uncompressed tar, cpio and ar.
bool skip_is_free(archive* a) {
  int format = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
  if (format == ARCHIVE_FORMAT_ZIP) return true;
  bool uncompressed = archive_filter_count(a) <= 1;
  return uncompressed && (format == ARCHIVE_FORMAT_TAR || format == ARCHIVE_FORMAT_CPIO || format == ARCHIVE_FORMAT_AR);
}

class Lister {
 public:
  Lister(Inspection& in, std::string where, int depth) : in_(in), where_(std::move(where)), depth_(depth) {}

  void run(std::string_view data) {
    auto a = open_reader(data);
    if (!a) {
      in_.damaged(where_, "not a readable archive");
      return;
    }
    ++in_.report().archives;
    a_ = a.get();
    while (!in_.done() && next()) {
    }
  }

 private:
  // One entry; false when the listing ends.
  bool next() {
    auto& report = in_.report();
    if (report.entries >= in_.policy().archive_entries) {
      in_.stop(where_, "more than " + std::to_string(in_.policy().archive_entries) + " archive entries");
      return false;
    }
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a_, &e);
    if (r == ARCHIVE_EOF) return false;
    if (r < ARCHIVE_WARN) {
      read_failed();
      return false;
    }
    bool raw = (archive_format(a_) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
    if (raw && archive_filter_count(a_) <= 1) {
      // nothing but the raw reader took it: not an archive after all
      in_.damaged(where_, "not a readable archive");
      return false;
    }
    ++report.entries;
    std::string name = raw ? inner_name() : entry_name(e);
    std::string where = where_ + "/" + name;
    if (archive_entry_filetype(e) != AE_IFREG) return true;
    in_.check_name(where, name);
    if (archive_entry_is_encrypted(e)) {
      in_.add(Finding::Why::encrypted, where, "encrypted archive entry");
      return true;  // its data cannot be read
    }
    if (in_.policy().content.contains(Content::macro) && normalized_name(name) == "vbaproject.bin") {
      in_.add(Finding::Why::content, where, "Office document with macros (vbaProject.bin)");
      return true;
    }
    std::string data;
    if (!read(&data, kSniffBytes)) return false;
    if (Inspection::needs_whole(name, data) && !read(&data, SIZE_MAX)) return false;
    in_.check_content(where, name, data, depth_ + 1);
    // the rest of the entry, counted, unless libarchive can seek past it
    return skip_is_free(a_) || read(nullptr, SIZE_MAX);
  }

  // Appends the entry's data to out (when not null) until it holds want bytes or the entry
  // ends; false when the listing must stop (budget spent, read error: both reported).
  bool read(std::string* out, size_t want) {
    while (!out || out->size() < want) {
      const void* buf;
      size_t size;
      la_int64_t offset;
      int r = archive_read_data_block(a_, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) return true;
      if (r < ARCHIVE_WARN) {
        read_failed();
        return false;
      }
      if (!spend(size)) return false;
      if (out) out->append(static_cast<const char*>(buf), std::min(size, want - out->size()));
    }
    return true;
  }

  // libarchive cannot go on: an encrypted archive (7z with encrypted headers, an encrypted
  // RAR) or a damaged one.
  void read_failed() {
    auto e = error_of(a_);
    if (archive_read_has_encrypted_entries(a_) > 0 || e.find("ncrypt") != std::string::npos)
      in_.add(Finding::Why::encrypted, where_, "encrypted archive");
    else
      in_.damaged(where_, "damaged archive: " + e);
  }

  bool spend(size_t n) {
    auto& report = in_.report();
    report.unpacked += n;
    if (report.unpacked <= in_.policy().archive_bytes) return true;
    in_.stop(where_, "archives unpack to more than " + std::to_string(in_.policy().archive_bytes) + " bytes");
    return false;
  }

  // The raw reader names its one entry "data": name it after the compressed file instead.
  std::string inner_name() const {
    auto base = normalized_name(where_);
    size_t dot = base.rfind('.');
    return dot == std::string::npos || dot == 0 ? "data" : base.substr(0, dot);
  }

  Inspection& in_;
  std::string where_;
  int depth_;
  archive* a_ = nullptr;
};

}  // namespace

void inspect_archive(Inspection& inspection, const std::string& where, std::string_view data, int depth) {
  Lister(inspection, where, depth).run(data);
}

}  // namespace posta::scan
