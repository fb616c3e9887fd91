#include "scan/sniff.h"

#include <array>
#include <cstdint>

#include "base/strings.h"

namespace posta::scan {
namespace {

bool at(std::string_view s, size_t off, std::string_view magic) {
  return s.size() >= off + magic.size() && s.substr(off, magic.size()) == magic;
}

uint32_t le32(std::string_view s, size_t off) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[off + i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

std::optional<Sniffed> sniff_executable(std::string_view h) {
  if (at(h, 0, "MZ") && h.size() >= 64) {
    uint32_t pe = le32(h, 0x3c);
    if (pe + 4 <= h.size() && at(h, pe, std::string_view("PE\0\0", 4))) return Sniffed{Content::executable, "executable (PE)"};
    return Sniffed{Content::executable, "executable (MZ)"};
  }
  if (at(h, 0, "\x7f" "ELF")) return Sniffed{Content::executable, "executable (ELF)"};
  for (std::string_view m : {std::string_view("\xfe\xed\xfa\xce", 4), std::string_view("\xfe\xed\xfa\xcf", 4),
                             std::string_view("\xce\xfa\xed\xfe", 4), std::string_view("\xcf\xfa\xed\xfe", 4)})
    if (at(h, 0, m)) return Sniffed{Content::executable, "executable (Mach-O)"};
  return std::nullopt;
}

}  // namespace

std::optional<Sniffed> sniff(std::string_view h) {
  if (auto e = sniff_executable(h)) return e;
  if (at(h, 0, "#!")) return Sniffed{Content::script, "script (#!)"};
  if (at(h, 0, std::string_view("L\0\0\0\x01\x14\x02\0", 8))) return Sniffed{Content::shortcut, "Windows shortcut (.lnk)"};
  for (size_t off : {0x8001u, 0x8801u, 0x9001u})
    for (std::string_view id : {"CD001", "BEA01", "NSR02", "NSR03"})
      if (at(h, off, id)) return Sniffed{Content::diskimage, "disk image (ISO 9660/UDF)"};
  if (at(h, 0, "conectix")) return Sniffed{Content::diskimage, "disk image (VHD)"};
  if (at(h, 0, "vhdxfile")) return Sniffed{Content::diskimage, "disk image (VHDX)"};
  return std::nullopt;
}

bool is_ole(std::string_view h) { return at(h, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"); }

bool ole_has_macros(std::string_view file) {
  static const std::string kName = [] {
    std::string n;
    for (char c : std::string_view("_VBA_PROJECT")) { n += c; n += '\0'; }
    return n;
  }();
  return is_ole(file) && file.find(kName) != std::string_view::npos;
}

bool looks_like_archive(std::string_view h) {
  static constexpr std::array<std::string_view, 17> kMagic{
      std::string_view("PK\x03\x04", 4), std::string_view("PK\x05\x06", 4), std::string_view("PK\x07\x08", 4),
      "Rar!\x1a\x07", "7z\xbc\xaf\x27\x1c", "\x1f\x8b", "BZh", std::string_view("\xfd" "7zXZ\0", 6),
      "\x28\xb5\x2f\xfd", "LZIP", "\x04\x22\x4d\x18", "\x1f\x9d", "MSCF", "!<arch>\n", "070701", "070707",
      std::string_view("\x5d\0\0", 3)};
  for (auto m : kMagic)
    if (at(h, 0, m)) return true;
  return at(h, 257, "ustar") || at(h, 2, "-lh") || at(h, 0, "070702");
}

bool archive_extension(std::string_view ext) {
  static constexpr std::array<std::string_view, 22> kExt{
      "zip", "rar", "7z", "tar", "tgz", "tbz", "tbz2", "txz", "tzst", "gz", "bz2", "xz", "lzma",
      "lz", "zst", "lz4", "z", "cab", "lzh", "lha", "cpio", "ar"};
  for (auto e : kExt)
    if (ext == e) return true;
  return false;
}

std::string normalized_name(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    // U+200E/U+200F, U+202A..U+202E, U+2066..U+2069: E2 80 8E/8F, E2 80 AA..AE, E2 81 A6..A9
    if (name[i] == '\xe2' && i + 2 < name.size()) {
      unsigned char b1 = name[i + 1], b2 = name[i + 2];
      if ((b1 == 0x80 && (b2 == 0x8e || b2 == 0x8f || (b2 >= 0xaa && b2 <= 0xae))) ||
          (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
        i += 2;
        continue;
      }
    }
    if (name[i] == '\0') continue;
    out += name[i];
  }
  while (!out.empty() && (out.back() == '.' || out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return lower(std::move(out));
}

std::string extension_of(std::string_view n) {
  size_t dot = n.rfind('.');
  return dot == std::string_view::npos ? "" : trim(n.substr(dot + 1));
}

std::string inner_extension_of(std::string_view n) {
  size_t dot = n.rfind('.');
  if (dot == std::string_view::npos) return "";
  auto rest = trim_view(n.substr(0, dot));
  return extension_of(rest);
}

}  // namespace posta::scan
