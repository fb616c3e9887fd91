// RFC 7162 (CONDSTORE, QRESYNC) command modifiers and SELECT parameters.
#include "base/strings.h"
#include "imap/parser.h"

namespace posta::imap {

std::optional<uint64_t> Parser::mod_sequence() { return digits(kMaxModseq, "a mod-sequence"); }

std::optional<FetchModifiers> Parser::fetch_modifiers() {
  FetchModifiers m;
  if (!skip('(')) { failed("expected FETCH modifiers"); return std::nullopt; }
  for (;;) {
    if (skip_word("CHANGEDSINCE")) {
      if (m.changed_since || !sp()) { failed("invalid CHANGEDSINCE"); return std::nullopt; }
      auto n = mod_sequence();
      if (!n) return std::nullopt;
      m.changed_since = *n;
    } else if (skip_word("VANISHED")) {
      if (m.vanished) { failed("VANISHED twice"); return std::nullopt; }
      m.vanished = true;
    } else {
      failed("unknown FETCH modifier");
      return std::nullopt;
    }
    if (skip(')')) break;
    if (!sp()) { failed("invalid FETCH modifiers"); return std::nullopt; }
  }
  // VANISHED asks for the expunges since CHANGEDSINCE (RFC 7162 3.2.6).
  if (m.vanished && !m.changed_since) { failed("VANISHED needs CHANGEDSINCE"); return std::nullopt; }
  return m;
}

std::optional<uint64_t> Parser::store_modifiers() {
  if (!skip('(') || !skip_word("UNCHANGEDSINCE") || !sp()) { failed("expected (UNCHANGEDSINCE n)"); return std::nullopt; }
  auto n = mod_sequence();
  if (!n) return std::nullopt;
  if (!skip(')')) { failed("expected ) after UNCHANGEDSINCE"); return std::nullopt; }
  return n;
}

std::optional<SelectParams> Parser::select_params() {
  SelectParams out;
  if (!skip('(')) { failed("expected SELECT parameters"); return std::nullopt; }
  for (;;) {
    if (skip_word("CONDSTORE")) {
      out.condstore = true;
    } else if (skip_word("QRESYNC")) {
      if (out.qresync || !sp() || !skip('(')) { failed("invalid QRESYNC parameter"); return std::nullopt; }
      QresyncParams q;
      auto v = number();
      if (!v || *v == 0 || !sp()) { failed("invalid QRESYNC UIDVALIDITY"); return std::nullopt; }
      q.uid_validity = static_cast<uint32_t>(*v);
      auto ms = mod_sequence();
      if (!ms) return std::nullopt;
      q.modseq = *ms;
      if (sp()) {
        if (peek() != '(') {
          auto known = sequence_set();
          if (!known) return std::nullopt;
          q.known_uids = std::move(*known);
          if (!sp() && peek() != ')') { failed("invalid QRESYNC known-uids"); return std::nullopt; }
        }
        if (peek() == '(') {
          ++pos_;
          auto seqs = sequence_set();
          if (!seqs || !sp()) { failed("invalid QRESYNC sequence match data"); return std::nullopt; }
          auto uids = sequence_set();
          if (!uids || !skip(')')) { failed("invalid QRESYNC sequence match data"); return std::nullopt; }
          q.match_seqs = std::move(*seqs);
          q.match_uids = std::move(*uids);
        }
      }
      if (!skip(')')) { failed("invalid QRESYNC parameter"); return std::nullopt; }
      out.qresync = std::move(q);
    } else {
      failed("unknown SELECT parameter");
      return std::nullopt;
    }
    if (skip(')')) break;
    if (!sp()) { failed("invalid SELECT parameters"); return std::nullopt; }
  }
  return out;
}

}  // namespace posta::imap
