#!/usr/bin/env bats
# posta-setup: a complete instance, reruns, templates, and the s6 harness end to end.

load ../lib/instance

setup() {
  load_helpers
}

teardown() {
  instance_stop
  [ -n "${T:-}" ] && rm -rf "$T"
  return 0
}

# tree_state DIR: every path with type, mode, owner and checksum
tree_state() {
  (cd "$1" && find . -path ./log -prune -o -printf '%p %y %m %u:%g\n' | sort
   find . -path ./log -prune -o -type f -print0 | sort -z | xargs -0 md5sum)
}

@test "setup: creates a complete instance" {
  instance_create example.test
  for d in control db queue mail tls service log; do assert_dir_exists "$PH/$d"; done
  [ "$(cat "$PH/control/me")" = example.test ]
  grep -qx example.test "$PH/control/rcpthosts"
  grep -qx example.test "$PH/control/locals"
  [ "$(grep -v '^#' "$PH/control/databytes")" -gt 1000000 ]
  grep -q "^bin=$POSTA_BIN\$" "$PH/.posta-setup"
  [ "$(readlink "$PH/bin")" = "$(cd "$POSTA_BIN" && pwd -P)" ]
  # certificate for the domain, key private to the owner
  [ "$(stat -c %a "$PH/tls/key.pem")" = 600 ]
  [ "$(stat -c %a "$PH/tls/")" = 700 ]
  run openssl x509 -in "$PH/tls/cert.pem" -noout -ext subjectAltName
  assert_output --partial "DNS:example.test"
  run openssl x509 -in "$PH/tls/cert.pem" -noout -checkend 86400
  assert_success
  [ "$(openssl x509 -in "$PH/tls/cert.pem" -noout -pubkey | md5sum)" = \
    "$(openssl pkey -in "$PH/tls/key.pem" -pubout | md5sum)" ]
  # the owner: posta when root set it up, else the caller
  want=$( [ "$(id -u)" = 0 ] && echo posta || id -un)
  [ -z "$(find "$PH" ! -user "$want")" ]
}

@test "setup: every service directory is filled in from its template" {
  instance_create example.test
  for t in "${POSTA_SRC:-$BATS_TEST_DIRNAME/../..}"/etc/service/*/; do
    svc=$(basename "$t")
    missing=
    if [ -f "$t/requires" ]; then
      for p in $(grep -v '^#' "$t/requires"); do [ -x "$POSTA_BIN/$p" ] || missing=$p; done
    fi
    if [ -n "$missing" ]; then assert_not_exist "$PH/service/$svc"; continue; fi
    assert_file_executable "$PH/service/$svc/run"
    assert_file_executable "$PH/service/$svc/log/run"
    assert_not_exist "$PH/service/$svc/requires"
    grep -q "$PH/log/$svc" "$PH/service/$svc/log/run"
    run grep -rlE '@[A-Z_]+(:[0-9]+)?@' "$PH/service/$svc"
    assert_failure
    grep -q "POSTA_HOME=$PH" "$PH/service/$svc/run"
  done
  # the port files follow the port map
  for pair in smtpd:25 submission:587 smtps:465 pop3:110 pop3s:995 imap:143 imaps:993 managesieve:4190; do
    svc=${pair%:*} off=${pair#*:}
    [ -f "$PH/service/$svc/port" ] || continue
    [ "$(cat "$PH/service/$svc/port")" = $((PORT_BASE + off)) ]
  done
}

@test "setup: a rerun changes nothing and says so" {
  instance_create example.test
  echo "custom" >"$PH/control/me"
  before=$(tree_state "$PH")
  run "$POSTA_BIN/posta-setup" --home "$PH" --domain other.test --port-base 30000
  assert_success
  assert_output --partial "exists; nothing changed"
  [ "$(tree_state "$PH")" = "$before" ]
}

@test "setup: --update-services refreshes run files and keeps control files" {
  instance_create example.test
  svc=$(ls "$PH/service" | head -1)
  [ -n "$svc" ] || skip "no service templates installed"
  echo "broken" >"$PH/service/$svc/run"
  echo "custom" >"$PH/control/me"
  run "$POSTA_BIN/posta-setup" --home "$PH" --update-services
  assert_success
  grep -q "POSTA_HOME=$PH" "$PH/service/$svc/run"
  [ "$(cat "$PH/control/me")" = custom ]
  run "$POSTA_BIN/posta-setup" --home "$PH/../nothere" --update-services
  [ "$status" = 1 ]
}

@test "setup: templates: placeholders, requires, setup.d hooks, unknown placeholder" {
  T=$(mktemp -d /tmp/posta-etc.XXXXXX)
  chmod 755 "$T"  # the hook runs as the instance user
  mkdir -p "$T/etc/service/demo" "$T/etc/service/needs" "$T/etc/control" "$T/etc/setup.d"
  printf '#!/bin/sh\nexec 2>&1\necho @DOMAIN@ @PORT:25@ @BASE@ @IP@ @USER@:@GROUP@ @HOME@ @BIN@ a@b.c\n' \
    >"$T/etc/service/demo/run"
  chmod 755 "$T/etc/service/demo/run"
  echo "@PORT:7@" >"$T/etc/service/demo/port"
  cp "$T/etc/service/demo/run" "$T/etc/service/needs/run"
  printf '# comment\nposta-tcpd\nposta-no-such-program\n' >"$T/etc/service/needs/requires"
  echo "hello @DOMAIN@" >"$T/etc/control/greeting"
  printf '#!/bin/sh\necho "$POSTA_DOMAIN $(id -un)" >"$POSTA_HOME/queue/hooked"\n' >"$T/etc/setup.d/10-test"
  chmod 755 "$T/etc/setup.d/10-test"
  POSTA_ETC=$T/etc instance_create demo.test
  user=$( [ "$(id -u)" = 0 ] && echo posta || id -un)
  group=$(id -gn "$user")
  run cat "$PH/service/demo/run"
  assert_line "echo demo.test $((PORT_BASE+25)) $PORT_BASE 127.0.0.1 $user:$group $PH $(cd "$POSTA_BIN" && pwd -P) a@b.c"
  [ "$(cat "$PH/service/demo/port")" = $((PORT_BASE+7)) ]
  assert_not_exist "$PH/service/needs"
  [ "$(cat "$PH/control/greeting")" = "hello demo.test" ]
  [ "$(cat "$PH/queue/hooked")" = "demo.test $user" ]
  # an unknown placeholder fails the whole setup, and a rerun can complete it
  echo "@NOSUCH@" >"$T/etc/service/demo/bad"
  run env POSTA_ETC="$T/etc" "$POSTA_BIN/posta-setup" --home "$T/inst2" --domain x.test
  [ "$status" = 111 ]
  assert_output --partial "unknown placeholder @NOSUCH@"
  assert_not_exist "$T/inst2/.posta-setup"
  rm "$T/etc/service/demo/bad"
  run env POSTA_ETC="$T/etc" "$POSTA_BIN/posta-setup" --home "$T/inst2" --domain x.test
  assert_success
  assert_file_exist "$T/inst2/.posta-setup"
}

@test "setup: bad arguments are refused" {
  T=$(mktemp -d /tmp/posta-bad.XXXXXX)
  run "$POSTA_BIN/posta-setup" --home "$T/i"
  [ "$status" = 2 ]
  run "$POSTA_BIN/posta-setup" --domain x.test
  [ "$status" = 2 ]
  for d in 'bad domain' 'a..b' '.x' 'x/y' 'é.test' ''; do
    run "$POSTA_BIN/posta-setup" --home "$T/i" --domain "$d"
    [ "$status" = 2 ]
  done
  run "$POSTA_BIN/posta-setup" --home "$T/i" --domain x.test --ip 'not-an-ip'
  [ "$status" = 2 ]
  run "$POSTA_BIN/posta-setup" --home "$T/i" --domain x.test --port-base 65000
  [ "$status" = 2 ]
  run "$POSTA_BIN/posta-setup" --home "$T/no/such/dir/i" --domain x.test
  [ "$status" = 111 ]
  assert_not_exist "$T/i"
  run env POSTA_ETC=/nonexistent "$POSTA_BIN/posta-setup" --home "$T/i" --domain x.test
  [ "$status" = 111 ]
  assert_output --partial "etc/ templates"
}

@test "setup as root: warns that the owner cannot reach the instance only when that is true" {
  [ "$(id -u)" = 0 ] || skip "needs root (the owner is then the user posta)"
  T=$(mktemp -d /tmp/posta-reach.XXXXXX)
  chmod 755 "$T"
  mkdir -m 755 "$T/open" "$T/open/sub"
  run "$POSTA_BIN/posta-setup" --home "$T/open/sub/i" --domain x.test --port-base 20000
  assert_success
  refute_output --partial "cannot reach"
  [ "$(stat -c %U "$T/open/sub/i")" = posta ]
  # a parent closed to posta: the warning names it
  mkdir -m 755 "$T/closed" && mkdir -m 700 "$T/closed/sub"
  run "$POSTA_BIN/posta-setup" --home "$T/closed/sub/i" --domain x.test --port-base 20000
  assert_output --partial "posta-setup: warning: user posta cannot reach $T/closed/sub/i: no search permission on $T/closed/sub (Permission denied)"
}

@test "setup: the domain is registered when posta-domain exists" {
  [ -x "$POSTA_BIN/posta-domain" ] || skip "posta-domain not built"
  instance_create example.test
  run "$POSTA_BIN/posta-domain" --home "$PH" list
  assert_success
  assert_output --partial example.test
}

@test "setup: instance_start brings every service up under s6, instance_stop ends it" {
  instance_create example.test
  instance_start
  n=0
  for svc in "$PH"/service/*/; do
    svc=${svc%/}
    [ -d "$svc" ] || continue
    n=$((n+1))
    if [ -f "$svc/notification-fd" ]; then
      wait_for 20 sh -c "[ \"\$(s6-svstat -o up,ready '$svc')\" = 'true true' ]"
    else
      wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$svc')\" = true ]"
    fi
    wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$svc/log')\" = true ]"
    # up and staying up: not restarted within the last second
    wait_for 20 sh -c "[ \$(s6-svstat -o updownfor '$svc') -ge 1 ]"
    [ "$(s6-svstat -o up "$svc")" = true ]
  done
  echo "services: $n"
  if [ "$(id -u)" = 0 ]; then
    # nothing in the instance runs as root but the supervisors
    run sh -c "ps -eo user=,args= | grep -F '$PH' | grep -v -e s6-supervise -e s6-svscan -e grep | awk '\$1 == \"root\"'"
    assert_output ""
  fi
  pids=$(pgrep -f "$PH/" | tr '\n' ' ')
  instance_stop_keep() { KEEP_INSTANCE=1 instance_stop; }
  instance_stop_keep
  for p in $pids; do ! kill -0 "$p" 2>/dev/null; done
  # as root: no root-owned files in the instance except s6's own state
  if [ "$(id -u)" = 0 ]; then
    run find "$PH" \( -name supervise -o -name event -o -name .s6-svscan -o -name "svscan.*" \) -prune -o -user root -print
    assert_output ""
  fi
  rm -rf "$(dirname "$PH")"
  PH=
}
