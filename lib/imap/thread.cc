#include "imap/thread.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace posta::imap {
namespace {

struct DateKey {
  time_t sent = 0;
  uint32_t number = 0;
  bool operator<(const DateKey& o) const { return sent != o.sent ? sent < o.sent : number < o.number; }
};

// The containers of RFC 5256 3 (1): a message, or a dummy (item < 0) for a Message-ID that
// only references name. Children are a doubly linked list while linking, so that breaking a
// link costs O(1) whatever the number of siblings.
struct Node {
  int32_t parent = -1, first = -1, last = -1, prev = -1, next = -1;
  int32_t item = -1;
};

class Threader {
 public:
  explicit Threader(std::span<const ThreadItem> items) : items_(items) {}
  std::string run();

 private:
  int32_t add_node() {
    nodes_.emplace_back();
    return static_cast<int32_t>(nodes_.size() - 1);
  }
  int32_t container(std::string_view id) {
    auto [it, fresh] = ids_.try_emplace(id, 0);
    if (fresh) it->second = add_node();
    return it->second;
  }
  void link(int32_t parent, int32_t child);
  void unlink(int32_t child);
  bool would_loop(int32_t parent, int32_t child);
  void build();
  void prune_and_sort();
  void merge_subjects();
  bool dummy(int32_t n) const { return nodes_[n].item < 0; }
  const SortFields& fields_of(int32_t n) const {
    while (dummy(n)) n = kids_[n].front();
    return *items_[nodes_[n].item].fields;
  }
  void sort_kids(int32_t n);
  std::string format() const;

  std::span<const ThreadItem> items_;
  std::vector<Node> nodes_;
  std::unordered_map<std::string_view, int32_t> ids_;
  uint64_t steps_ = 0;
  std::vector<std::vector<int32_t>> kids_;  // after build(): the children, in order
  std::vector<DateKey> key_;                // the sort key of each node
  std::vector<int32_t> roots_;
};

void Threader::link(int32_t p, int32_t c) {
  Node& n = nodes_[c];
  n.parent = p;
  n.prev = nodes_[p].last;
  n.next = -1;
  if (n.prev >= 0) nodes_[n.prev].next = c;
  else nodes_[p].first = c;
  nodes_[p].last = c;
}

void Threader::unlink(int32_t c) {
  Node& n = nodes_[c];
  Node& p = nodes_[n.parent];
  if (n.prev >= 0) nodes_[n.prev].next = n.next;
  else p.first = n.next;
  if (n.next >= 0) nodes_[n.next].prev = n.prev;
  else p.last = n.prev;
  n.parent = n.prev = n.next = -1;
}

// Making child a child of parent loops when child is parent or one of its ancestors.
bool Threader::would_loop(int32_t parent, int32_t child) {
  if (parent == child) return true;
  if (nodes_[child].first < 0) return false;  // a leaf is nobody's ancestor
  for (int32_t x = parent; x >= 0; x = nodes_[x].parent) {
    if (x == child || ++steps_ > kMaxLoopSteps) return true;
  }
  return false;
}

// (1) and (2): containers linked by References, each message under its last reference.
void Threader::build() {
  nodes_.reserve(items_.size() * 2);
  ids_.reserve(items_.size() * 2);
  for (size_t i = 0; i < items_.size(); ++i) {
    static const ThreadIds kNone;
    const ThreadIds& f = items_[i].fields->ids ? *items_[i].fields->ids : kNone;
    int32_t prev = -1;
    for (auto& id : f.references) {
      int32_t c = container(id);
      if (prev >= 0 && nodes_[c].parent < 0 && !would_loop(prev, c)) link(prev, c);
      prev = c;
    }
    int32_t m = -1;
    if (!f.message_id.empty()) {
      m = container(f.message_id);
      if (nodes_[m].item >= 0) m = -1;  // a duplicate Message-ID: a message of its own
    }
    if (m < 0) m = add_node();
    nodes_[m].item = static_cast<int32_t>(i);
    if (nodes_[m].parent >= 0) unlink(m);
    if (prev >= 0 && !would_loop(prev, m)) link(prev, m);
  }
  ids_.clear();  // (3)
  kids_.resize(nodes_.size());
  for (int32_t n = 0; n < static_cast<int32_t>(nodes_.size()); ++n) {
    for (int32_t c = nodes_[n].first; c >= 0; c = nodes_[c].next) kids_[n].push_back(c);
    if (nodes_[n].parent < 0) roots_.push_back(n);
  }
}

void Threader::sort_kids(int32_t n) {
  auto& k = kids_[n];
  std::sort(k.begin(), k.end(), [&](int32_t a, int32_t b) { return key_[a] < key_[b]; });
  if (dummy(n)) key_[n] = k.empty() ? DateKey{} : key_[k.front()];
}

// (4) dummies removed, their children promoted (into the root set only when alone), and
// (5)/(7) every set of siblings sorted by sent date; bottom-up, without recursion.
void Threader::prune_and_sort() {
  key_.resize(nodes_.size());
  for (size_t n = 0; n < nodes_.size(); ++n)
    if (nodes_[n].item >= 0) key_[n] = {items_[nodes_[n].item].fields->sent, items_[nodes_[n].item].number};
  std::vector<int32_t> order, stack(roots_.begin(), roots_.end());
  order.reserve(nodes_.size());
  while (!stack.empty()) {
    int32_t n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (int32_t c : kids_[n]) stack.push_back(c);
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    auto& k = kids_[*it];
    if (k.size() == 1 && dummy(k[0])) {
      std::vector<int32_t> promoted = std::move(kids_[k[0]]);
      k = std::move(promoted);
    } else if (std::any_of(k.begin(), k.end(), [&](int32_t c) { return dummy(c); })) {
      std::vector<int32_t> next;
      for (int32_t c : k) {
        if (!dummy(c)) next.push_back(c);
        else next.insert(next.end(), kids_[c].begin(), kids_[c].end());
      }
      k = std::move(next);
    }
    sort_kids(*it);
  }
  std::vector<int32_t> roots;
  for (int32_t r : roots_) {
    if (!dummy(r) || kids_[r].size() > 1) roots.push_back(r);
    else if (kids_[r].size() == 1) roots.push_back(kids_[r][0]);
  }
  roots_ = std::move(roots);
  std::sort(roots_.begin(), roots_.end(), [&](int32_t a, int32_t b) { return key_[a] < key_[b]; });
}

// (6) threads whose roots have the same base subject gathered.
void Threader::merge_subjects() {
  std::unordered_map<std::string_view, int32_t> table;
  auto subject = [&](int32_t r) -> std::string_view { return fields_of(r).subject; };
  auto reply = [&](int32_t r) { return !dummy(r) && fields_of(r).reply_or_fwd; };
  for (int32_t r : roots_) {
    if (subject(r).empty()) continue;
    auto [it, fresh] = table.try_emplace(subject(r), r);
    int32_t t = it->second;
    if (!fresh && !dummy(t) && (dummy(r) || (reply(t) && !reply(r)))) it->second = r;
  }
  std::vector<bool> gone(nodes_.size(), false);
  std::vector<size_t> at(nodes_.size());  // of each root, its place in roots_
  for (size_t i = 0; i < roots_.size(); ++i) at[roots_[i]] = i;
  std::vector<int32_t> touched;
  for (int32_t r : roots_) {
    if (subject(r).empty()) continue;
    auto it = table.find(subject(r));
    int32_t t = it->second;
    if (t == r) continue;
    if (dummy(t) && dummy(r)) {
      kids_[t].insert(kids_[t].end(), kids_[r].begin(), kids_[r].end());
    } else if (dummy(t) || (reply(r) && !reply(t))) {
      kids_[t].push_back(r);
    } else {
      int32_t d = add_node();
      kids_.emplace_back(std::vector<int32_t>{t, r});
      key_.emplace_back();
      gone.resize(nodes_.size());
      // The dummy takes the place of the table's thread in the root set (t, a message, is
      // one of the roots from before the merging).
      roots_[at[t]] = d;
      it->second = t = d;
    }
    gone[r] = true;
    touched.push_back(t);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (int32_t t : touched) sort_kids(t);
  std::erase_if(roots_, [&](int32_t r) { return gone[r]; });
  std::stable_sort(roots_.begin(), roots_.end(), [&](int32_t a, int32_t b) { return key_[a] < key_[b]; });
}

// "(1 2 (3)(4))": a message with one child continues its line; with several, each child's
// thread is parenthesised; a dummy is only its children's threads.
std::string Threader::format() const {
  std::string out;
  std::vector<std::pair<int32_t, char>> stack;  // a node to write, or (-1, c) a character
  for (int32_t r : roots_) {
    out += '(';
    stack.push_back({-1, ')'});
    stack.push_back({r, 0});
    while (!stack.empty()) {
      auto [n, c] = stack.back();
      stack.pop_back();
      if (n < 0) {
        out += c;
        continue;
      }
      auto& k = kids_[n];
      if (!dummy(n)) {
        out += std::to_string(items_[nodes_[n].item].number);
        if (k.empty()) continue;
        out += ' ';
        if (k.size() == 1) {
          stack.push_back({k[0], 0});
          continue;
        }
      }
      for (auto it = k.rbegin(); it != k.rend(); ++it) {
        stack.push_back({-1, ')'});
        stack.push_back({*it, 0});
        stack.push_back({-1, '('});
      }
    }
  }
  return out;
}

std::string Threader::run() {
  build();
  prune_and_sort();
  merge_subjects();
  return format();
}

}  // namespace

std::string thread_references(std::span<const ThreadItem> items) { return Threader(items).run(); }

std::string thread_orderedsubject(std::span<const ThreadItem> items) {
  std::vector<uint32_t> order(items.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto date = [&](uint32_t i) { return DateKey{items[i].fields->sent, items[i].number}; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int c = items[a].fields->subject.compare(items[b].fields->subject);
    return c != 0 ? c < 0 : date(a) < date(b);
  });
  std::vector<std::pair<size_t, size_t>> threads;  // [begin, end) of order
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || items[order[i]].fields->subject != items[order[i - 1]].fields->subject) threads.push_back({i, i});
    threads.back().second = i + 1;
  }
  std::sort(threads.begin(), threads.end(), [&](auto& a, auto& b) { return date(order[a.first]) < date(order[b.first]); });
  std::string out;
  for (auto [b, e] : threads) {
    out += '(' + std::to_string(items[order[b]].number);
    if (e - b == 2) out += ' ' + std::to_string(items[order[b + 1]].number);
    if (e - b > 2) {
      out += ' ';
      for (size_t i = b + 1; i < e; ++i) out += '(' + std::to_string(items[order[i]].number) + ')';
    }
    out += ')';
  }
  return out;
}

}  // namespace posta::imap
