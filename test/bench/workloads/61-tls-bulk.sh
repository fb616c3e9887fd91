# Bulk download MB/s through TLS (one connection, head -c from /dev/zero); the sides are in
# lib/tls_workload.sh.
. "$(dirname "$0")/../lib/tls_workload.sh"
tls_workload "$1" side_bulk MB/s
