#!/usr/bin/env bats
# The libFuzzer targets under test/fuzz/ build (make fuzz, clang 16 with ASan+UBSan) and
# run clean for a short while each: parsers of everything that comes off the network.
# Longer runs: build-fuzz/bin/<target> -max_total_time=600

setup_file() {
  command -v clang++-16 >/dev/null || return 0
  cd "$BATS_TEST_DIRNAME/../.."
  make --no-print-directory -j2 fuzz >"$BATS_FILE_TMPDIR/make.log" 2>&1 || cat "$BATS_FILE_TMPDIR/make.log" >&3
  # every target runs here, two at a time (the machine's cores); each test reads its result
  ls build-fuzz/bin/ | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {}
}

# run_one TARGET: TARGET's output to $BATS_FILE_TMPDIR/TARGET.out, its status to TARGET.rc
run_one() {
  local t=$1 dir="$BATS_FILE_TMPDIR/$1"
  mkdir -p "$dir/corpus"
  (cd "$dir" && exec "$FUZZ_BIN/$t" -max_total_time=8 -rss_limit_mb=1024 -timeout=10 corpus) \
    >"$dir.out" 2>&1
  echo $? >"$dir.rc"
}
export -f run_one
export FUZZ_BIN="$BATS_TEST_DIRNAME/../../build-fuzz/bin"

setup() {
  load /usr/lib/bats/bats-support/load
  load /usr/lib/bats/bats-assert/load
  command -v clang++-16 >/dev/null || skip "clang-16 is not installed (contrib/install-deps test)"
  FUZZ="$BATS_TEST_DIRNAME/../../build-fuzz/bin"
}

run_fuzzer() {
  local t=$1
  [ -x "$FUZZ/$t" ] || fail "$t was not built: $(tail -n 20 "$BATS_FILE_TMPDIR/make.log")"
  [ -f "$BATS_FILE_TMPDIR/$t.rc" ] || fail "$t did not run"
  output=$(cat "$BATS_FILE_TMPDIR/$t.out")
  status=$(cat "$BATS_FILE_TMPDIR/$t.rc")
  assert_success
  assert_output --partial "Done "
  refute_output --partial "ERROR:"
}

@test "fuzz: SMTP command, path, xtext and body parsers" { run_fuzzer smtp_parser_fuzz; }
@test "fuzz: IMAP command parser" { run_fuzzer imap_parser_fuzz; }
@test "fuzz: hibernated IMAP session state (posta-imap-hibernate's input), canonical round trip" { run_fuzzer imap_hibernation_fuzz; }
@test "fuzz: IMAP sequence/UID sets (normaliser) and LIST patterns (matcher) against their definitions" { run_fuzzer imap_sets_fuzz; }
@test "fuzz: MIME parser (BODYSTRUCTURE, ENVELOPE, decoders)" { run_fuzzer mime_fuzz; }
@test "fuzz: MIME parser on deep nesting and unclosed parts, work linear in the message" { run_fuzzer mime_nesting_fuzz; }
@test "fuzz: mbox files (separators, >From unescaping, long lines, the per-message cut)" { run_fuzzer mime_mbox_fuzz; }
@test "fuzz: Maildir names and delivery headers" { run_fuzzer maildir_fuzz; }
@test "fuzz: posta-tcpd rules and CIDR matching" { run_fuzzer tcpd_rules_fuzz; }
@test "fuzz: DMARC policy records" { run_fuzzer dmarc_record_fuzz; }
@test "fuzz: posta-spamcheck rules files (parser, PCRE2 patterns under limits, meta rules)" { run_fuzzer spam_rules_fuzz; }
@test "fuzz: SASL PLAIN/LOGIN responses, the login rule, base64 and hex" { run_fuzzer sasl_fuzz; }
@test "fuzz: ManageSieve commands (strings, literals, numbers) and Sieve script names" { run_fuzzer managesieve_fuzz; }
@test "fuzz: attachment checks (archives through libarchive, MIME walk, policy file)" { run_fuzzer attachments_fuzz; }
@test "fuzz: spam tokenizer (MIME decoding, HTML reduction, header tokens) within its bounds" { run_fuzzer spam_tokenize_fuzz; }
@test "fuzz: local protocols (posta-authd, posta-policyd, posta-queued, posta-tcpd -R records, queue control, delivery pipes)" { run_fuzzer local_proto_fuzz; }
@test "fuzz: SPF record parser, macros and check_host() with its lookup limits" { run_fuzzer spf_record_fuzz; }
@test "fuzz: Sieve lexer, parser, checker and interpreter under limits" { run_fuzzer sieve_fuzz; }
@test "fuzz: Sieve compiled forms (the loader of a file any post-login server could plant): accepted forms are canonical and run under limits" { run_fuzzer sieve_compiled_fuzz; }
