// Connection reuse in worker mode: which kept connection fits a delivery, and one more
// transaction on it.
#include "remote.h"

namespace posta::remote {

std::string connection_key(const std::string& ip, int port, const std::string& mx_host,
                           const smtpc::SessionOptions& o) {
  std::string k = ip + "|" + std::to_string(port) + "|" + lower(mx_host) + "|" + smtpc::policy_name(o.policy) +
                  "|" + o.tls_name + "|" + o.helo + "|" + (o.skip_tls ? "plain" : "tls");
  // The password too: a changed smtproutes-auth must not ride on the old login.
  if (o.credentials) k += "|" + o.credentials->user + "|" + o.credentials->password;
  return k;
}

void KeptConnection::close() {
  // QUIT only on a session at rest; one that broke or already said QUIT is just dropped.
  if (session && session->reusable() && conn->quiet()) session->quit();
  session.reset();
  options.reset();
  conn.reset();
  slot = smtpc::HostSlot();
  key.clear(), label.clear(), peer.clear();
  tls.reset();
  transactions = 0;
}

std::optional<smtpc::Outcome> reuse_connection(KeptConnection& kept, const std::string& key,
                                               const smtpc::Message& m) {
  if (!kept.open() || kept.key != key) return std::nullopt;
  if (!kept.conn->quiet() || kept.transactions >= kMaxTransactionsPerConnection) {
    kept.close();
    return std::nullopt;
  }
  smtpc::Outcome out;
  out.tls = kept.tls;
  kept.session->transaction(m, out);
  ++kept.transactions;
  // Broken before any recipient was settled (the server went away between transactions):
  // nothing was sent, so a fresh connection to the same address tries again.
  if (out.try_next) {
    kept.close();
    return std::nullopt;
  }
  if (!kept.session->reusable()) kept.close();
  return out;
}

}  // namespace posta::remote
