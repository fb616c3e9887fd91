// libFuzzer target for the protocols on posta's local sockets and pipes: posta-authd's
// request and answer frames, posta-policyd's lines, posta-queued's frame and exit line, posta-tcpd -R's
// connection record, the queue's control line and the delivery pipe frames. Their peers
// are local, but a compromised protocol server is one of them: every decoder must refuse
// bad input without crashing, and what it accepts must encode and decode to the same.
// The first byte picks the decoder. Built by `make fuzz`, run by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "accounts/auth_proto.h"
#include "net/reuse.h"
#include "policy/policy_proto.h"
#include "queue/control_proto.h"
#include "queue/pipe_proto.h"
#include "queue/queued_proto.h"

namespace {

using namespace posta;

void same(bool equal) {
  if (!equal) std::abort();  // accepted, but does not survive its own encoding
}

void auth_request(std::string_view in) {
  (void)accounts::auth_frame_length(in.substr(0, accounts::kAuthFrameHeader), accounts::kMaxAuthRequest);
  auto r = accounts::decode_auth_request(in);
  if (!r) return;
  auto frame = accounts::encode_auth_request(*r);
  if (!frame) return;  // decodable fields the encoder refuses to send: allowed, not the reverse
  auto back = accounts::decode_auth_request(std::string_view(*frame).substr(accounts::kAuthFrameHeader));
  same(back && back->login == r->login && back->password == r->password && back->ip == r->ip);
}

void auth_answer(std::string_view in) {
  auto a = accounts::decode_auth_answer(in);
  if (!a) return;
  std::string frame = accounts::encode_auth_answer(*a);
  auto back = accounts::decode_auth_answer(std::string_view(frame).substr(accounts::kAuthFrameHeader));
  same(back && back->kind == a->kind && back->user.address == a->user.address &&
       back->user.maildir == a->user.maildir && back->master == a->master && back->reason == a->reason);
}

void conn_record(std::string_view in) {
  auto env = net::decode_conn_record(in);
  if (!env) return;
  auto rec = net::encode_conn_record(*env);
  if (!rec) return;
  auto back = net::decode_conn_record(*rec);
  same(back && *back == *env);
}

void policy_request(std::string_view in) {
  auto r = policy::decode_request(in);
  if (!r) return;
  auto back = policy::decode_request(policy::encode_request(*r));
  same(back && *back == *r);
}

// An error's text is cut and cleaned on the way out: only its kind must survive.
void policy_answer(std::string_view in) {
  auto a = policy::decode_answer(in);
  if (!a) return;
  auto back = policy::decode_answer(policy::encode_answer(*a));
  same(back && back->kind == a->kind && (a->kind == policy::Answer::Kind::kError || *back == *a));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0: auth_request(in); break;
    case 1: auth_answer(in); break;
    case 2: (void)queue::parse_queued_frame(in); break;
    case 3: (void)queue::parse_queued_exit(in); break;
    case 4: conn_record(in); break;
    case 5: (void)queue::parse_control(in); break;
    case 6: (void)queue::decode_request(in); (void)queue::decode_result(in); break;
    case 8: policy_request(in); break;
    case 9: policy_answer(in); break;
    default: (void)queue::decode_clean_request(in); (void)queue::decode_clean_result(in); break;
  }
  return 0;
}
