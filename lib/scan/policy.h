// The attachment policy: which attachments a message may not carry, by name, by declared
// type and by content, also inside archives; read from control/attachmentpolicy
// (posta-attachmentpolicy(5); etc/control/attachmentpolicy is the shipped default).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "control/control.h"

namespace posta::scan {

// Kinds of dangerous content recognised by their bytes, whatever the name says.
enum class Content {
  executable,  // Windows PE/MZ, ELF, Mach-O
  script,      // "#!" interpreter line
  macro,       // Office documents with a VBA project: OLE2 (.doc/.xls) or OOXML vbaProject.bin
  diskimage,   // ISO 9660/UDF, VHD/VHDX
  shortcut,    // Windows .lnk shell link
};
std::string_view name_of(Content c);
std::optional<Content> content_named(std::string_view name);

struct AttachmentPolicy {
  enum class Action { refuse, quarantine };
  Action action = Action::refuse;
  bool refuse_encrypted = true;    // archives (or entries) that are encrypted
  bool refuse_unscannable = true;  // past a limit below, damaged archives, too many MIME parts
  std::set<std::string> extensions;  // lower-case, no dot: "exe"
  std::set<std::string> types;       // lower-case "type/subtype", or "type/*"
  std::set<Content> content;
  int archive_depth = 4;             // archives inside archives, the outermost one being 1
  uint64_t archive_entries = 5000;   // entries of all archives of a message together
  uint64_t archive_bytes = 64 << 20; // bytes unpacked from all archives of a message together

  // The text of the file; an error names the line.
  [[nodiscard]] static Result<AttachmentPolicy> parse(std::string_view text);
  // nullopt when control/attachmentpolicy does not exist (no attachment checks).
  [[nodiscard]] static Result<std::optional<AttachmentPolicy>> load(const Control& control);
};

}  // namespace posta::scan
