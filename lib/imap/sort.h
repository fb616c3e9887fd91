// SORT (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO): the sort keys of a message, extracted
// once from its header fields, and the ordering of messages by a list of criteria.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>


namespace posta::imap {

enum class SortKey : uint8_t { kArrival, kCc, kDate, kFrom, kSize, kSubject, kTo, kDisplayFrom, kDisplayTo };
struct SortCriterion {
  SortKey key = SortKey::kArrival;
  bool reverse = false;
};

// Message-IDs longer than this are not valid for threading, and a message's references are
// cut to the last kMaxReferences: THREAD's memory stays bounded whatever the headers hold.
inline constexpr size_t kMaxMessageId = 250;
inline constexpr size_t kMaxReferences = 32;

// What SORT and THREAD compare, from the header fields (strings ascii_casemap()ed), in parts
// extracted when first needed.
enum SortPart : uint8_t { kSortDate = 1, kSortSubject = 2, kSortAddresses = 4, kSortThreading = 8 };
struct SortAddresses {
  std::string from, to, cc;  // addr-mailbox of the first address
  std::string display_from, display_to;  // RFC 5957: display name, else addr-spec
};
struct ThreadIds {
  std::string message_id;  // without "<>"; empty when none is valid
  std::vector<std::string> references;  // References, else the first In-Reply-To id
};
// Small (the parts that are strings only when extracted): a session keeps one per message.
struct SortFields {
  uint8_t have = 0;           // SortPart bits extracted
  bool reply_or_fwd = false;
  time_t sent = 0;            // Date normalised to UTC, else the internal date (RFC 5256 2.2)
  std::string subject;        // base subject
  std::unique_ptr<SortAddresses> addresses;
  std::unique_ptr<ThreadIds> ids;
};
// Extracts the parts of want that f does not have yet from block (header lines, CRLF or LF,
// as the header cache holds them); internal_date is asked for only when the Date field is
// missing or unparsable.
void add_sort_fields(SortFields& f, std::string_view block, uint8_t want, const std::function<time_t()>& internal_date);
// The parts of SortFields that criteria compare.
uint8_t sort_parts(std::span<const SortCriterion> criteria);

// The valid msg-ids ("<left@right>", without the brackets) in a header value, in order.
std::vector<std::string> message_ids(std::string_view value);

// One message to sort: its number (sequence number or UID: ties keep ascending order),
// internal date, RFC822.SIZE and fields.
struct SortItem {
  uint32_t number = 0;
  time_t arrival = 0;
  uint64_t size = 0;
  const SortFields* fields = nullptr;
};
// The numbers in the order given as an ESORT sequence-set (RFC 5267 3.2): runs that go up by
// one as ranges ("2:4,9,1").
std::string ordered_set(std::span<const uint32_t> numbers);

// Sorts items by criteria, ties in ascending number.
void sort_items(std::vector<SortItem>& items, std::span<const SortCriterion> criteria);

}  // namespace posta::imap
