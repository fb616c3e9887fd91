#!/usr/bin/env bats
# SPF (RFC 7208): posta-authcheck spf against python3-spf's spfquery on the same DNS (a
# dnsmasq on loopback serving test/fixtures/spf/zone.conf), then posta-smtpd's check at
# MAIL FROM end to end. The instance trusts no network here (instance_create's
# control/trustednets is removed), so the loopback client is checked like any other.

load ../lib/instance
load ../lib/dns
load smtpd_helpers

SPF_FIX=$POSTA_SRC/test/fixtures/spf

setup_file() {
  export T=$(mktemp -d /tmp/posta-spf.XXXXXX)
  export DNS_PORT=$(free_port)
  start_dns --conf-file="$SPF_FIX/zone.conf"
  smtpd_instance
  control resolvers "127.0.0.1:$DNS_PORT"
  control timeoutdns 2
  rm -f "$PH/control/trustednets"
  instance_start
}

teardown_file() {
  instance_stop
  [ -f "$T/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done <"$T/pids"
  rm -rf "$T"
}

setup() { load_helpers; }

authcheck() { "$POSTA_BIN/posta-authcheck" spf --home "$PH" "$@"; }
spfquery() { $PY "$SPF_FIX/spfquery.py" --dns "127.0.0.1:$DNS_PORT" "$@"; }

@test "spf: posta-authcheck and spfquery (python3-spf) agree on every case of the table" {
  # >= 30 cases: RFC 7208 Appendix A, every result, include/redirect, loops, the lookup
  # limits, macros, the HELO identity, IPv6 and CIDR lengths
  local n=0 bad=0 ip sender helo want exp ours theirs
  while read -r ip sender helo want exp; do
    case $ip in ''|'#'*) continue ;; esac
    [ "$sender" = - ] && sender=
    n=$((n+1))
    ours=$(authcheck --ip "$ip" --sender "$sender" --helo "$helo") || true
    theirs=$(spfquery --ip "$ip" --sender "$sender" --helo "$helo")
    # the result; the explanation where the case says so; the comment (but for the errors,
    # whose wording of the problem differs)
    if [ "$(sed -n 1p <<<"$ours")" != "$want" ] || [ "$(sed -n 1p <<<"$theirs")" != "$want" ] ||
       { [ "$exp" = exp ] && [ "$(sed -n 2p <<<"$ours")" != "$(sed -n 2p <<<"$theirs")" ]; } ||
       { [ "${want%error}" = "$want" ] &&
         [ "$(sed -n '3s/^[^:]*: //p' <<<"$ours")" != "$(sed -n '3s/^[^:]*: //p' <<<"$theirs")" ]; }; then
      bad=$((bad+1))
      printf 'case %s %s %s: want %s\n posta-authcheck: %s\n spfquery: %s\n' "$ip" "$sender" "$helo" \
        "$want" "$(tr '\n' '|' <<<"$ours")" "$(tr '\n' '|' <<<"$theirs")" >&3
    fi
  done <"$SPF_FIX/cases"
  [ "$n" -ge 30 ]
  [ "$bad" = 0 ]
}

@test "spf: posta-authcheck output and exit status" {
  run authcheck --ip 192.0.2.10 --sender u@x10.example.test --helo h.test
  assert_failure 1
  assert_line --index 0 fail
  assert_line --index 1 "Mail from 192.0.2.10 rejected due to SPF policy of x10.example.test"
  assert_line --index 2 "posta-authcheck: domain of x10.example.test does not designate 192.0.2.10 as permitted sender"
  assert_line --index 3 --partial "Received-SPF: fail ("
  assert_line --index 3 --partial "client-ip=192.0.2.10; envelope-from=u@x10.example.test; helo=h.test;"
  run authcheck --ip 192.0.2.129 --sender u@x4.example.test
  assert_success
  assert_line --index 0 pass
  run authcheck --ip 192.0.2.1 --sender u@soft.test
  assert_failure 3
  run authcheck --ip 192.0.2.1 --sender u@neutral.test
  assert_failure 4
  run authcheck --ip 192.0.2.1 --sender u@nospf.test
  assert_failure 5
  run authcheck --ip 192.0.2.1 --sender u@eleven.test
  assert_failure 6
  assert_line --index 1 "more than 10 DNS lookups"
  run authcheck --ip 192.0.2.1 --sender u@temp.test
  assert_failure 7
  run authcheck --ip not-an-ip --sender u@x1.example.test
  assert_failure 2
  run authcheck --ip 192.0.2.1 --sender ""
  assert_failure 2
  # never the system resolver
  mkdir -p "$T/noresolvers/control"
  run "$POSTA_BIN/posta-authcheck" spf --home "$T/noresolvers" --ip 192.0.2.1 --sender u@x1.example.test
  assert_failure 111
  assert_output --partial "never asks the system resolver"
}

# mail FROM RCPT: one SMTP transaction from 127.0.0.1 with HELO client.test (or $HELO);
# prints the replies to MAIL and RCPT
mail() {
  raw_smtp "
print(c.cmd('EHLO ' + os.environ.get('HELO', 'client.test'))[0])
print(c.cmd('MAIL FROM:<%s>' % sys.argv[1]))
print(c.cmd('RCPT TO:<%s>' % sys.argv[2]))
c.cmd('QUIT')" "$@"
}

@test "spf: posta-smtpd refuses a fail at MAIL FROM with the domain's explanation" {
  run mail someone@smtp-fail.test alice@example.test
  assert_success
  assert_line --index 1 "(550, ['5.7.23 SPF fail: 127.0.0.1 is not a mail server of smtp-fail.test'])"
  wait_for 10 grep -q "127.0.0.1: spf=fail mailfrom=<someone@smtp-fail.test> refused" "$PH/log/smtpd/current"
}

@test "spf: pass and softfail are accepted; the queue program gets POSTA_SPF and POSTA_SPF_RECEIVED" {
  clear_rec
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.test --from a@smtp-pass.test --to alice@example.test
  assert_success
  run last_vars
  assert_line "POSTA_SPF=pass smtp.mailfrom=a@smtp-pass.test"
  assert_line --partial "POSTA_SPF_RECEIVED=pass (example.test: domain of smtp-pass.test designates 127.0.0.1 as permitted sender) client-ip=127.0.0.1; envelope-from=a@smtp-pass.test; helo=client.test; receiver=example.test; mechanism=\"ip4:127.0.0.1\"; identity=mailfrom"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.test --from a@smtp-soft.test --to alice@example.test
  assert_success
  run last_vars
  assert_line "POSTA_SPF=softfail smtp.mailfrom=a@smtp-soft.test"
  [ "$(queued_count)" = 2 ]
}

@test "spf: the null sender is checked as postmaster@HELO" {
  HELO=smtp-helo.test run mail "" alice@example.test
  assert_line --index 1 --partial "(550, ['5.7.23 SPF fail: smtp-helo.test does not designate 127.0.0.1"
  HELO=smtp-pass.test run mail "" alice@example.test
  assert_line --index 1 "(250, ['2.1.0 Ok'])"
}

@test "spf: a DNS outage defers (451 4.7.24), never accepts what a fail would refuse" {
  control resolvers "127.0.0.1:1"
  run mail someone@smtp-fail.test alice@example.test
  control resolvers "127.0.0.1:$DNS_PORT"
  assert_line --index 1 --partial "(451, ['4.7.24 SPF temperror: temporary error in processing during lookup of smtp-fail.test"
  # with fail accepted by the policy, temperror is accepted too
  control spfpolicy "fail=accept"
  control resolvers "127.0.0.1:1"
  run mail someone@smtp-fail.test alice@example.test
  control resolvers "127.0.0.1:$DNS_PORT"
  rm -f "$PH/control/spfpolicy"
  assert_line --index 1 "(250, ['2.1.0 Ok'])"
}

@test "spf: control/spfpolicy can refuse softfail and turn the check off" {
  control spfpolicy "softfail=reject"
  run mail a@smtp-soft.test alice@example.test
  assert_line --index 1 --partial "(550, ['5.7.23 SPF softfail: transitioning domain of smtp-soft.test"
  control spfpolicy "off"
  run mail a@smtp-fail.test alice@example.test
  rm -f "$PH/control/spfpolicy"
  assert_line --index 1 "(250, ['2.1.0 Ok'])"
}

@test "spf: a client in control/trustednets is not checked" {
  clear_rec
  control trustednets "127.0.0.0/8"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.test --from a@smtp-fail.test --to alice@example.test
  rm -f "$PH/control/trustednets"
  assert_success
  run last_vars
  refute_output --partial POSTA_SPF
}

@test "spf: authenticated submission is not checked (example.test itself says -all)" {
  run mail x@example.test alice@example.test
  assert_line --index 1 --partial "(550, ['5.7.23 SPF fail"
  clear_rec
  run swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" -tls --auth PLAIN --auth-user alice@example.test \
    --auth-password alicepw --from alice@example.test --to bob@example.test
  assert_success
  [ "$(queued_count)" = 1 ]
  run last_vars
  refute_output --partial POSTA_SPF
}
