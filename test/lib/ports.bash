# Ports for test and bench servers, picked below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, 32768 and up by default): a port picked there can be
# taken as the local port of any outgoing connection before the server binds it, and the
# suites and benches make tens of thousands of those.

# port_in_use PORT: true if any TCP or UDP socket (listening, connected or in TIME_WAIT)
# has PORT as its local port
port_in_use() {
  ss -tuanH 2>/dev/null | awk '{print $5}' | grep -qE ":$1\$"
}

# free_port: a random port in 10000-19999 that no socket uses (instance.bash's port bases
# are 20000 and up)
free_port() {
  local p
  while :; do
    p=$(( (RANDOM % 10000) + 10000 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
}
