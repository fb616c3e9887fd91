// THREAD (RFC 5256 3): ORDEREDSUBJECT and REFERENCES over SortFields, answered as the
// thread list of the THREAD response: "(1 2 (3)(4))(5)".
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "imap/sort.h"

namespace posta::imap {

// One message: its number (sequence number or UID) and fields. Give them in mailbox order:
// ties in sent date are broken by that order.
struct ThreadItem {
  uint32_t number = 0;
  const SortFields* fields = nullptr;
};

std::string thread_orderedsubject(std::span<const ThreadItem> items);

// Cost bound for hostile References: every loop check walks up the parent chain; past
// kMaxLoopSteps steps in all, links that would need a check are not made (the threads stay
// correct trees, some messages simply are not attached to a far ancestor).
inline constexpr uint64_t kMaxLoopSteps = 20'000'000;
std::string thread_references(std::span<const ThreadItem> items);

}  // namespace posta::imap
