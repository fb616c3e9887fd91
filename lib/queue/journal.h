// Journaling (posta-queue(8) "JOURNALING", posta-control(5) control/journal): which
// journal addresses a message goes to, and the journal report sent to each. The report is
// written into the spool by the queue writer in the same injection as the message itself.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "queue/envelope.h"

namespace posta::queue {

inline constexpr unsigned kJournalInbound = 1;   // accepted for a recipient in the domain
inline constexpr unsigned kJournalOutbound = 2;  // sent by a sender in the domain

// One line of control/journal: "DOMAIN ADDRESS [inbound|outbound|both]"; DOMAIN "*" is
// every domain.
struct JournalRule {
  std::string domain;  // lower case, or "*"
  std::string address;
  unsigned directions = kJournalInbound | kJournalOutbound;
};

struct JournalConfig {
  std::vector<JournalRule> rules;
  std::string me;  // control/me: the domain of the report's From: and Message-ID
};

// Parses the lines of control/journal ('#' comments and blank lines skipped); an ADDRESS
// without '@' is qualified with me. A bad line is left out and described in warnings.
JournalConfig parse_journal(const std::vector<std::string>& lines, const std::string& me,
                            std::vector<std::string>& warnings);

// control/journal and control/me of the instance at home (me "localhost" without one);
// each bad line is a warning in the log.
JournalConfig load_journal(const std::string& home);

// One journal address a message goes to, and why.
struct JournalTarget {
  std::string address;
  unsigned directions = 0;  // which rules matched: inbound, outbound or both
  bool operator==(const JournalTarget&) const = default;
};

// The journal addresses for a message, each once. None for a message that was journaled
// already: a re-injection by a delivery (origin "forward") or a report or bounce (origin
// "bounce").
std::vector<JournalTarget> journal_targets(const JournalConfig& cfg, const Envelope& env);

// What the report says about the message besides its envelope.
struct JournalFacts {
  std::string queue_id;
  std::string subject;    // the original's Subject:, unfolded; "" without one
  std::string remote_ip;  // the SMTP client's address, "" when not from the network
  bool eight_bit = false; // the original holds octets above 127
};

// A report in its stored form (normalize.h): head, then the original message unchanged,
// then tail; and its envelope (null sender, origin "bounce", the journal address).
struct JournalReport {
  std::string head, tail;
  Envelope envelope;
};

JournalReport build_journal_report(const JournalConfig& cfg, const JournalTarget& target, const Envelope& env,
                                   const JournalFacts& facts);

// The Subject: of a message in stored form (LF line ends), unfolded, or "".
std::string header_subject(std::string_view message);

}  // namespace posta::queue
