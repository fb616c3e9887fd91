#include <unistd.h>

#include "admin/tool.h"
#include "authcheck.h"
#include "control/control.h"
#include "io/fd.h"
#include "mime/message.h"

namespace posta::authcheck {

namespace {
constexpr size_t kMaxMessage = 64 << 20;
}

Result<std::string> read_message(const std::string& file) {
  auto text = file == "-" ? read_all(STDIN_FILENO, kMaxMessage) : read_file(file, kMaxMessage);
  if (!text) return std::unexpected(text.error());
  return mime::to_crlf(*text);
}

Result<dns::Resolver> instance_resolver(const std::string& home) {
  Control control(admin::home_or_default(home));
  if (control.lines("resolvers").empty())
    return fail(control.dir() + "/resolvers is missing or empty: posta-authcheck never asks the system resolver");
  return dns::Resolver::from_control(control);
}

}  // namespace posta::authcheck
