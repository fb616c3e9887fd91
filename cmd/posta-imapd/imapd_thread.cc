// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256) over the sort keys of imapd_sort.cc.
#include "imap/thread.h"
#include "imapd_session.h"

namespace posta::imapd {

void Session::cmd_thread(const std::string& tag, Parser& p, bool uid) {
  if (!p.sp()) return bad(tag, "Missing thread algorithm");
  auto alg = p.atom();
  std::string a = alg ? posta::upper(*alg) : "";
  if (a != "ORDEREDSUBJECT" && a != "REFERENCES") return bad(tag, "Unknown thread algorithm");
  auto prog = sort_search_args(tag, p);
  if (!prog) return;
  uint64_t highest = 0;  // THREAD has no MODSEQ response (RFC 7162 3.1.5 names SEARCH and SORT)
  std::vector<uint32_t> seqs = sort_candidates(*prog, highest);
  std::vector<imap::ThreadItem> items;
  items.reserve(seqs.size());
  uint8_t parts = imap::kSortDate | imap::kSortSubject | (a == "REFERENCES" ? imap::kSortThreading : 0);
  for (uint32_t seq : seqs)
    if (const auto* f = sort_fields_of(seq, parts)) items.push_back({uid ? sel_->uids[seq - 1] : seq, f});
  done_with_headers();
  std::string threads = a == "REFERENCES" ? imap::thread_references(items) : imap::thread_orderedsubject(items);
  out_.line(threads.empty() ? "* THREAD" : "* THREAD " + threads);
  ok(tag, uid ? "UID THREAD completed" : "THREAD completed");
  fts_after_answer();
}

}  // namespace posta::imapd
