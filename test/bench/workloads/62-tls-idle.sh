# PSS in KB per idle TLS connection (every process serving it; lower is better); the sides are
# in lib/tls_workload.sh.
. "$(dirname "$0")/../lib/tls_workload.sh"
tls_workload "$1" side_idle_pss KB/conn
