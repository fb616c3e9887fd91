// The server side of the handoff protocol (queued_proto.h): what posta-queued and
// posta-spamcheck serve do with a connection before their own work, and the answers after.
#pragma once
#include <string_view>

#include "base/error.h"
#include "net/fdpass.h"
#include "queue/queued_proto.h"

namespace posta::queue {

// Receives one frame of kind with its four fds into got (message and envelope open for
// reading, fd 6 and id for writing, else an error saying why) and parses it. A client that
// closed without a frame gives the error "end of file".
[[nodiscard]] Result<QueuedRequest> receive_job(int conn, net::Passed& got, const FrameKind& kind);

// Sends text on conn (never SIGPIPE); false when the client is gone.
bool answer(int conn, std::string_view text);

}  // namespace posta::queue
