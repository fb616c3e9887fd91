# Full TLS 1.3 handshakes per second (2 parallel openssl s_time -new); the sides are in
# lib/tls_workload.sh.
. "$(dirname "$0")/../lib/tls_workload.sh"
tls_workload "$1" side_handshakes handshakes/s
