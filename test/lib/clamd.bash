# A real clamd (Debian clamav-daemon) for tests: local signatures only, no freshclam, no
# network. Its only signature is an MD5 signature of the EICAR test file made by sigtool,
# so it starts in well under a second.
#   clamd_start DIR [TCP_PORT]   clamd in the foreground on the unix socket DIR/clamd.sock
#                                (and 127.0.0.1:TCP_PORT when given); waits until it answers
#                                PING. Sets CLAMD_DIR, CLAMD_PID, CLAMD_SOCKET ("unix:...",
#                                control/clamd's form), CLAMD_TCP ("127.0.0.1:PORT" or ""),
#                                CLAMD_STREAMMAX (its StreamMaxLength in bytes).
#   clamd_stop                   ends it and waits until it is gone.
# EICAR holds the EICAR test string; clamd names a match "Eicar-Test-Signature.UNOFFICIAL".

EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
CLAMD_HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

clamd_start() {
  local dir=$1 port=${2:-}
  mkdir -p "$dir/db" "$dir/tmp"
  printf '%s' "$EICAR" >"$dir/eicar.com"
  # sigtool prints "md5:size:file name"; the name becomes the signature's name
  sigtool --md5 "$dir/eicar.com" | awk -F: '{print $1":"$2":Eicar-Test-Signature"}' >"$dir/db/test.hdb"
  CLAMD_STREAMMAX=$((1024 * 1024))
  {
    echo "Foreground yes"
    echo "LocalSocket $dir/clamd.sock"
    echo "DatabaseDirectory $dir/db"
    echo "TemporaryDirectory $dir/tmp"
    echo "PidFile $dir/clamd.pid"
    echo "StreamMaxLength $CLAMD_STREAMMAX"
    echo "Bytecode no"
    echo "SelfCheck 0"
    [ -n "$port" ] && echo "TCPSocket $port" && echo "TCPAddr 127.0.0.1"
  } >"$dir/clamd.conf"
  # fd 3 closed: Bats waits for it (its output channel) before a suite may end
  clamd -c "$dir/clamd.conf" >"$dir/clamd.log" 2>&1 3>&- &
  CLAMD_PID=$!
  CLAMD_DIR=$dir
  CLAMD_SOCKET="unix:$dir/clamd.sock"
  CLAMD_TCP=${port:+127.0.0.1:$port}
  export CLAMD_DIR CLAMD_PID CLAMD_SOCKET CLAMD_TCP CLAMD_STREAMMAX EICAR
  if /usr/bin/python3 "$CLAMD_HELPERS/instream.py" "$CLAMD_SOCKET" --wait 20 &&
     { [ -z "$port" ] || /usr/bin/python3 "$CLAMD_HELPERS/instream.py" "$CLAMD_TCP" --wait 20; }; then
    return 0
  fi
  echo "clamd_start: clamd did not answer PING; its log:" >&2
  cat "$dir/clamd.log" >&2
  clamd_stop
  return 1
}

clamd_stop() {
  local i=0
  [ -n "${CLAMD_PID:-}" ] || return 0
  kill "$CLAMD_PID" 2>/dev/null
  # not always our child (Bats runs setup_file and teardown_file in different processes)
  while kill -0 "$CLAMD_PID" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  kill -KILL "$CLAMD_PID" 2>/dev/null
  CLAMD_PID=
  return 0
}
