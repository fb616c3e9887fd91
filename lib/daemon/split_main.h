// main() of a protocol server that runs in two halves (posta-pop3d, posta-managesieved):
// without options the pre-authentication half; with --post-auth (passed by posta-auth
// only) the half that runs as the mail store owner.
#pragma once

namespace posta {

// Sets the log's program name, parses [--post-auth] (usage errors exit 100), ignores
// SIGPIPE, then returns what the chosen half returns.
int split_server_main(int argc, char** argv, const char* program, const char* about, int (*preauth)(),
                      int (*postauth)());

}  // namespace posta
