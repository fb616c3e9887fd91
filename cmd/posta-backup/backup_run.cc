// run: one backup now; daemon: the backupd service, runs on the schedule in control.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "backup.h"
#include "backup/source.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"

namespace posta::backupcmd {

using namespace backup;

namespace {

std::string human(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// What this run will read, for the progress line's ETA: the previous snapshot's size, or
// without one the size of the Maildirs (the bulk of a first run).
uint64_t expected_bytes(const std::vector<Entry>& prev, const std::string& home) {
  uint64_t n = 0;
  for (auto& e : prev)
    if (e.type == EntryType::kFile) n += e.size;
  if (n) return n;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(home + "/mail", ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

// "[#####.....]  52%  5210 files, 52.1 MiB, 14.0 MiB/s, ETA 0:03"; without an estimate (or
// past it) no bar and no ETA.
std::string progress_line(const RunProgress& p, uint64_t expected, double secs) {
  double rate = p.bytes / std::max(secs, 0.001);
  std::string out;
  bool estimate = expected > 0 && p.bytes < expected;
  if (estimate) {
    int pct = int(100.0 * double(p.bytes) / double(expected));
    out = "[" + std::string(pct / 5, '#') + std::string(20 - pct / 5, '.') + "] " +
          (pct < 10 ? " " : "") + std::to_string(pct) + "%  ";
  }
  out += std::to_string(p.files) + " files, " + human(p.bytes) + ", " + human(uint64_t(rate)) + "/s";
  if (estimate && rate > 0) {
    auto left = uint64_t(double(expected - p.bytes) / rate);
    char eta[32];
    snprintf(eta, sizeof eta, ", ETA %llu:%02llu", (unsigned long long)(left / 60), (unsigned long long)(left % 60));
    out += eta;
  }
  return out;
}

// The previous snapshot's entries, so that unchanged files are not read again; none when
// there is no snapshot or it cannot be read (then everything is read and deduplicated).
std::vector<Entry> previous_entries(Repository& repo) {
  auto names = repo.snapshot_names();
  if (!names || names->empty()) return {};
  auto s = load_snapshot(repo, names->back());
  if (!s) {
    log::warning("previous snapshot unreadable, reading every file: ", s.error().what);
    return {};
  }
  return std::move(s->entries);
}

}  // namespace

int run_once(const Context& c, bool progress) {
  auto o = open_repo(c, RepoLock::Mode::kRun);
  if (!o) return fail_exit(o.error());
  auto start = std::chrono::steady_clock::now();
  std::vector<Entry> prev = previous_entries(*o->repo);
  std::string scratch = o->repo->dir() + "/.tmp.db." + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  if (::mkdir(scratch.c_str(), 0700) != 0) return fail_exit(sys_error("unable to create " + scratch));
  auto last_draw = start - std::chrono::seconds(1);  // the first file draws at once
  uint64_t expected = progress ? expected_bytes(prev, home_of(c)) : 0;
  auto draw = [&](const RunProgress& p) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_draw < std::chrono::milliseconds(200)) return;
    last_draw = now;
    double secs = std::chrono::duration<double>(now - start).count();
    std::cerr << "\r" << progress_line(p, expected, secs) << "\033[K" << std::flush;
  };
  RunOptions opts;
  opts.queue = Control(home_of(c)).flag("backupqueue", false);
  auto r = backup_instance(*o->repo, home_of(c), prev.empty() ? nullptr : &prev, scratch,
                           progress ? std::function<void(const RunProgress&)>(draw) : nullptr, opts);
  std::filesystem::remove_all(scratch, ec);
  if (progress) std::cerr << "\r\033[K";
  if (!r) return fail_exit(r.error());
  for (auto& w : r->warnings) log::warning(w);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char took[32];
  snprintf(took, sizeof took, "%.2f", secs);
  log::info("snapshot ", r->snapshot, ": files=", r->record.files, " bytes=", r->record.bytes, " new=",
            r->record.new_bytes, " reused=", r->reused, " users=", r->record.users.size(), " warnings=",
            r->warnings.size(), " seconds=", took);
  if (c.json)
    std::cout << "{\"snapshot\":" << json_str(r->snapshot) << ",\"files\":" << r->record.files
              << ",\"bytes\":" << r->record.bytes << ",\"new_bytes\":" << r->record.new_bytes << "}\n";
  return kOk;
}

int run_daemon(const Context& c, std::optional<int> ready_fd);

void register_run(CLI::App& app, Context& c, Action& action) {
  auto* r = app.add_subcommand("run", "back up the instance now (a new snapshot)");
  r->add_flag("--json", c.json, "print the new snapshot as a JSON object");
  r->callback([&] { action = [&] { return run_once(c, ::isatty(2)); }; });
  auto* d = app.add_subcommand("daemon", "the backupd service: a run every control/backupinterval seconds (posta-backupd(8))");
  d->add_option("-d,--ready-fd", c.ready_fd, "s6 readiness: write a newline to this descriptor once started");
  d->callback([&] { action = [&] { return run_daemon(c, c.ready_fd); }; });
}

}  // namespace posta::backupcmd
