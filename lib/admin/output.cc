#include "admin/output.h"

#include "base/exitcode.h"

namespace posta::admin {

int flush_stdout() { return std::cout.flush() ? kExitOk : kExitTemporary; }

void add_record_commands(CLI::App& app, const RecordCommands& c) {
  auto* sc = app.add_subcommand("list", "list " + c.kinds + " (of one domain)");
  sc->add_option("DOMAIN", *c.address, "only this domain");
  sc->add_flag("--json", *c.json, "JSON array of objects");
  sc->callback(c.list);

  sc = app.add_subcommand("show", "show one " + c.kind);
  sc->add_option(c.name, *c.address, c.kind + "@domain")->required();
  sc->add_flag("--json", *c.json, "JSON object");
  sc->callback(c.show);

  sc = app.add_subcommand("export", "write " + c.kinds + " (of one domain) as TSV to stdout");
  sc->add_option("DOMAIN", *c.address, "only this domain");
  sc->callback(c.export_tsv);
}

}  // namespace posta::admin
