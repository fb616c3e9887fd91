#!/usr/bin/env bats
# posta-auth: the checkpassword interface over the users database.

load ../lib/instance

setup_file() {
  instance_create example.test
  echo 300 >"$PH/control/authfaildelaymax"
  printf 'pw-alice\n' | posta user add alice@example.test --password-stdin --quota-bytes 10M --quota-messages 99 >&2
  printf 'pw-dis\n' | posta user add dis@example.test --password-stdin >&2
  posta user disable dis@example.test >&2
  printf 'pw-admin\n' | posta user add admin@example.test --password-stdin --master >&2
  printf 'pw-plain\n' | posta user add plain@example.test --password-stdin >&2
  # sha512-crypt of "secret" with a Dovecot prefix, as imported from Dovecot
  posta user add moved@example.test \
    --password-hash '{SHA512-CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1' >&2
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

# auth LOGIN PASSWORD [IP]: posta-auth printing the environment it execs with
auth() {
  printf '%s\0%s\0%s\0' "$1" "$2" 1700000000 |
    TCPREMOTEIP=${3:-127.0.0.10} "$POSTA_BIN/posta-auth" sh -c \
      'echo "USER=$USER"; echo "HOME=$HOME"; echo "MAILDIR=$MAILDIR"; echo "QUOTA=$POSTA_QUOTA"; echo "MASTER=${POSTA_MASTER_USER:-}"; echo "PWD=$(pwd)"; echo "UID=$(id -u)"' 3<&0
}

@test "right password: exit 0 and USER HOME MAILDIR POSTA_QUOTA, run in the Maildir as the owner" {
  run auth alice@example.test pw-alice
  assert_success
  local md=$PH/mail/example.test/alice
  assert_line "USER=alice@example.test"
  assert_line "HOME=$md"
  assert_line "MAILDIR=$md/"
  assert_line "QUOTA=10485760S,99C"
  assert_line "MASTER="
  assert_line "PWD=$md"
  assert_line "UID=$(stat -c %u "$PH")"
  assert_line --partial "login: user=<alice@example.test> ip=127.0.0.10"
}

@test "login is case-insensitive; smtpd-style check with /bin/true" {
  run bash -c "printf 'ALICE@Example.TEST\0pw-alice\0\0' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_success
}

@test "wrong password, disabled user, unknown user: exit 1" {
  run auth alice@example.test wrong 127.0.0.21
  assert_failure 1
  assert_output --partial 'reason="bad password"'
  run auth dis@example.test pw-dis 127.0.0.22
  assert_failure 1
  assert_output --partial 'reason="user disabled"'
  run auth nobody@example.test x 127.0.0.23
  assert_failure 1
  assert_output --partial 'reason="unknown user"'
  run auth 'bad/login' x 127.0.0.24
  assert_failure 1
  run auth alice@example.test '' 127.0.0.25
  assert_failure 1
  refute_output --partial "USER="
}

@test "a Dovecot {SHA512-CRYPT} hash imported with --password-hash logs in" {
  run auth moved@example.test secret
  assert_success
  assert_line "USER=moved@example.test"
  run auth moved@example.test Secret 127.0.0.26
  assert_failure 1
}

@test "master user logs in as user*master@domain; the login is logged" {
  run auth 'alice*admin@example.test' pw-admin
  assert_success
  assert_line "USER=alice@example.test"
  assert_line "MAILDIR=$PH/mail/example.test/alice/"
  assert_line "MASTER=admin@example.test"
  assert_line --partial "master login: master=<admin@example.test> user=<alice@example.test>"
  run auth 'alice@example.test*admin@example.test' pw-admin
  assert_success
  assert_line "USER=alice@example.test"
}

@test "master logins need the master's password and the master flag" {
  run auth 'alice*admin@example.test' pw-alice 127.0.0.31
  assert_failure 1
  run auth 'alice*plain@example.test' pw-plain 127.0.0.32
  assert_failure 1
  run auth 'nobody*admin@example.test' pw-admin 127.0.0.33
  assert_failure 1
  run auth 'dis*admin@example.test' pw-admin 127.0.0.34
  assert_failure 1
}

@test "failures are counted per IP and per user with a growing, capped delay" {
  local i
  for i in 1 2 3 4; do
    run auth plain@example.test wrong 127.0.0.40
    assert_failure 1
  done
  # 4th failure in a row: 250, 500, 1000 -> capped at control/authfaildelaymax = 300
  assert_output --partial "failures=4 delay_ms=300"
  # another user from the same address is slowed down too
  run auth other@example.test wrong 127.0.0.40
  assert_output --partial "failures=5 delay_ms=300"
  # the right password still works, and clears the user's count
  run auth plain@example.test pw-plain 127.0.0.41
  assert_success
  run auth plain@example.test wrong 127.0.0.42
  assert_output --partial "failures=1 delay_ms=0"
  assert_file_exists "$PH/db/ratelimit.db"
}

@test "last login is recorded" {
  auth alice@example.test pw-alice >/dev/null 2>&1
  run posta user show alice@example.test --json
  run $PY -c "import json,sys; print(json.loads(sys.argv[1])['last_login'] > 0)" "$output"
  assert_output True
}

@test "malformed input on fd 3 gives 111; no program gives 100" {
  run bash -c "printf 'alice@example.test\0pw-alice' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "printf 'alice@example.test\0pw-alice\0\0junk' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "head -c 5000 /dev/zero | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "'$POSTA_BIN/posta-auth' /bin/true 3</dev/null"
  assert_failure 111
  run "$POSTA_BIN/posta-auth"
  assert_failure 100
}

@test "database trouble gives 111, not 1" {
  local broken=$BATS_TEST_TMPDIR/broken
  mkdir -p "$broken/db"
  echo garbage >"$broken/db/users.db"
  chown -R "$(stat -c %u:%g "$PH")" "$broken"
  run bash -c "printf 'alice@example.test\0pw-alice\0\0' | POSTA_HOME='$broken' '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
}
