// list, ls, verify, prune.
#include <iostream>
#include <set>

#include "admin/output.h"
#include "backup.h"
#include "backup/restore.h"
#include "backup/retention.h"
#include "base/strings.h"
#include "backup/source.h"
#include "log/log.h"

namespace posta::backupcmd {

using namespace backup;

namespace {

int list(const Context& c) {
  auto o = open_repo(c, RepoLock::Mode::kRead);
  if (!o) return fail_exit(o.error());
  auto names = o->repo->snapshot_names();
  if (!names) return fail_exit(names.error());
  int rc = kOk;
  if (c.json) std::cout << "[";
  bool first = true;
  for (auto& n : *names) {
    auto r = load_record(*o->repo, n);
    if (!r) {
      log::error(r.error().what);
      rc = kDamage;
      continue;
    }
    if (c.json) {
      std::cout << (first ? "" : ",") << "{\"name\":" << json_str(n) << ",\"time\":" << r->time
                << ",\"host\":" << json_str(r->host) << ",\"files\":" << r->files << ",\"bytes\":" << r->bytes
                << ",\"new_bytes\":" << r->new_bytes << ",\"users\":[";
      for (size_t i = 0; i < r->users.size(); ++i) std::cout << (i ? "," : "") << json_str(r->users[i]);
      std::cout << "]}";
    } else {
      std::cout << n << "  " << format_time(r->time) << "  files=" << r->files << "  bytes=" << r->bytes
                << "  new=" << r->new_bytes << "  users=" << r->users.size() << "\n";
    }
    first = false;
  }
  if (c.json) std::cout << "]\n";
  int out = admin::flush_stdout();
  return rc != kOk ? rc : out;
}

int ls(const Context& c, const LsArgs& a) {
  auto o = open_repo(c, RepoLock::Mode::kRead);
  if (!o) return fail_exit(o.error());
  auto name = find_snapshot(*o->repo, a.snapshot);
  if (!name) return fail_exit(name.error());
  auto s = load_snapshot(*o->repo, *name);
  if (!s) return fail_exit(s.error());
  if (c.json) std::cout << "[";
  bool first = true;
  auto emit = [&](const std::string& text, const std::string& json) {
    if (c.json) std::cout << (first ? "" : ",") << json;
    else std::cout << text << "\n";
    first = false;
  };
  if (a.user.empty()) {
    for (auto& u : s->record.users) emit(u, json_str(u));
  } else if (a.folder.empty()) {
    std::set<std::string> folders;
    for (auto& e : s->entries)
      if (auto f = folder_of_message(e.path); f && lower(user_of_path(e.path)) == lower(a.user))
        folders.insert(f->empty() ? "INBOX" : *f);
    for (auto& f : folders) emit(f, json_str(f));
  } else {
    Selection sel{a.user, a.folder, "", 0, 0};
    for (auto& e : s->entries) {
      if (!selected(e, sel)) continue;
      std::string file = e.path.substr(e.path.rfind('/') + 1);
      int64_t t = e.mtime_ns / 1000000000;
      emit(format_time(t) + "  " + std::to_string(e.size) + "  <" + e.message_id + ">  " + file,
           "{\"file\":" + json_str(file) + ",\"time\":" + std::to_string(t) + ",\"size\":" + std::to_string(e.size) +
               ",\"message_id\":" + json_str(e.message_id) + "}");
    }
  }
  if (c.json) std::cout << "]\n";
  return admin::flush_stdout();
}

int verify(const Context& c) {
  auto o = open_repo(c, RepoLock::Mode::kRead);
  if (!o) return fail_exit(o.error());
  auto dmg = o->repo->verify();
  if (!dmg) return fail_exit(dmg.error());
  std::vector<std::string> problems;  // JSON objects
  auto problem = [&](const std::string& text, const std::string& json) {
    log::error(text);
    problems.push_back(json);
  };
  for (auto& d : *dmg)
    problem("damaged: pack " + d.pack + (d.object.empty() ? "" : " object " + d.object) + ": " + d.what,
            "{\"pack\":" + json_str(d.pack) + ",\"object\":" + json_str(d.object) + ",\"what\":" + json_str(d.what) + "}");
  // every snapshot must be readable and name only objects that exist
  auto names = o->repo->snapshot_names();
  if (!names) return fail_exit(names.error());
  for (auto& n : *names) {
    auto s = load_snapshot(*o->repo, n);
    if (!s) {
      problem(s.error().what, "{\"snapshot\":" + json_str(n) + ",\"what\":" + json_str(s.error().what) + "}");
      continue;
    }
    for (auto& e : s->entries)
      for (auto& id : e.chunks)
        if (!o->repo->has(id))
          problem("snapshot " + n + ": " + e.path + ": object " + id_hex(id) + " is missing",
                  "{\"snapshot\":" + json_str(n) + ",\"path\":" + json_str(e.path) + ",\"object\":" +
                      json_str(id_hex(id)) + ",\"what\":\"missing\"}");
  }
  log::info("verified ", o->repo->object_count(), " objects, ", names->size(), " snapshots: ",
            problems.empty() ? "no damage" : std::to_string(problems.size()) + " problems");
  if (c.json) {
    std::cout << "{\"objects\":" << o->repo->object_count() << ",\"snapshots\":" << names->size() << ",\"problems\":[";
    for (size_t i = 0; i < problems.size(); ++i) std::cout << (i ? "," : "") << problems[i];
    std::cout << "]}\n";
    if (int rc = admin::flush_stdout(); rc != kOk) return rc;
  }
  return problems.empty() ? kOk : kDamage;
}

int prune(const Context& c, const Retention& keep, bool dry_run) {
  if (!keep.any()) {
    log::error("prune needs at least one of --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly");
    return kUsage;
  }
  auto o = open_repo(c, RepoLock::Mode::kPrune);
  if (!o) return fail_exit(o.error());
  auto names = o->repo->snapshot_names();
  if (!names) return fail_exit(names.error());
  std::vector<int64_t> times;
  for (auto& n : *names) times.push_back(snapshot_name_time(n));
  auto kept = select_kept(times, keep);
  std::unordered_map<ObjectId, bool, IdHash> live;
  for (size_t i = 0; i < names->size(); ++i) {
    if (!kept[i]) continue;
    auto s = load_snapshot(*o->repo, (*names)[i]);
    if (!s) return fail_exit(s.error());  // never remove data a damaged snapshot might need
    for (auto& id : s->record.catalog) live[id] = true;
    for (auto& e : s->entries)
      for (auto& id : e.chunks) live[id] = true;
  }
  if (c.json) std::cout << "[";
  for (size_t i = 0; i < names->size(); ++i) {
    if (c.json)
      std::cout << (i ? "," : "") << "{\"snapshot\":" << json_str((*names)[i]) << ",\"action\":\""
                << (kept[i] ? "keep" : "remove") << "\"}";
    else
      std::cout << (kept[i] ? "keep   " : "remove ") << (*names)[i] << "\n";
    if (!kept[i] && !dry_run)
      if (auto s = o->repo->remove_snapshot((*names)[i]); !s) return fail_exit(s.error());
  }
  if (c.json) std::cout << "]\n";
  if (dry_run) return admin::flush_stdout();
  auto freed = o->repo->compact(live);
  if (!freed) return fail_exit(freed.error());
  log::info("prune: kept ", std::count(kept.begin(), kept.end(), true), " of ", names->size(), " snapshots, freed ",
            *freed, " bytes");
  return admin::flush_stdout();
}

}  // namespace

void register_list(CLI::App& app, Context& c, Action& action) {
  auto* l = app.add_subcommand("list", "the snapshots: name, time, files, bytes, new data, users");
  l->add_flag("--json", c.json, "a JSON array");
  l->callback([&] { action = [&] { return list(c); }; });

  LsArgs& la = c.ls;
  auto* s = app.add_subcommand("ls", "the users of a snapshot, the folders of a user, or the messages of a folder");
  s->add_option("snapshot", la.snapshot, "snapshot name, a unique prefix of one, or latest")->required();
  s->add_option("user", la.user, "user@domain");
  s->add_option("folder", la.folder, "folder (INBOX, Sent, Lists.posta ...)");
  s->add_flag("--json", c.json, "a JSON array");
  s->callback([&] { action = [&] { return ls(c, la); }; });

  auto* v = app.add_subcommand("verify", "read back and authenticate every object; check every snapshot");
  v->add_flag("--json", c.json, "the counts and the problems as a JSON object");
  v->callback([&] { action = [&] { return verify(c); }; });

  Retention& keep = c.prune.keep;
  bool& dry_run = c.prune.dry_run;
  auto* p = app.add_subcommand("prune", "remove the snapshots the retention rules do not keep, and their data");
  p->add_option("--keep-hourly", keep.hourly, "the newest snapshot of each of the last N hours");
  p->add_option("--keep-daily", keep.daily, "... of the last N days");
  p->add_option("--keep-weekly", keep.weekly, "... of the last N weeks");
  p->add_option("--keep-monthly", keep.monthly, "... of the last N months");
  p->add_flag("--dry-run,-n", dry_run, "only print what would be kept and removed");
  p->add_flag("--json", c.json, "what is kept and removed as a JSON array");
  p->callback([&] { action = [&] { return prune(c, keep, dry_run); }; });
}

}  // namespace posta::backupcmd
