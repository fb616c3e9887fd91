#include "admin/tool_app.h"

#include "admin/tool_main.h"
#include "log/log.h"

namespace posta::admin {

ToolApp::ToolApp(const char* program, const char* about, std::string& home) : app(about) {
  log::set_program(program);
  app.add_option("--home", home, "instance directory (default $POSTA_HOME, then /var/posta)");
}

int ToolApp::run(int argc, char** argv, bool fallthrough) {
  return parse_and_run(app, argc, argv, action, fallthrough);
}

}  // namespace posta::admin
