#!/usr/bin/env bats
# posta-spamcheck's virus scan (a real test clamd, test/lib/clamd.bash) and attachment policy
# (the shipped control/attachmentpolicy) in front of the queue of a throwaway instance; real
# clients (swaks; messages and ZIP files made with Python's email and zipfile).
load ../lib/instance
load ../lib/clamd

D=example.test

setup_file() {
  instance_create $D
  echo alicepw | posta user add alice@$D --password-stdin >&2
  posta user add bob@$D --no-password >&2
  # beside the instance, where its owner (not root when the tests run as root) reaches it
  clamd_start "$(dirname "$PH")/clamd"
  chmod 755 "$CLAMD_DIR"
  chmod 666 "$CLAMD_DIR/clamd.sock"
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
}

teardown_file() {
  instance_stop
  clamd_stop
}

setup() {
  load_helpers
  printf '%s\n' "$(readlink -f "$POSTA_BIN/posta-spamcheck")" >"$PH/control/smtpqueue"
  control clamd "$CLAMD_SOCKET
streammax $CLAMD_STREAMMAX"
  rm -f "$PH/control/virustrouble"
  own "$PH/control/smtpqueue"
}

own() { [ "$(id -u)" = 0 ] && chown "$(stat -c %U "$PH")" "$@"; return 0; }
control() { printf '%s\n' "$2" >"$PH/control/$1"; own "$PH/control/$1"; }

md() { echo "$PH/mail/$D/$1"; }
queue_files() { find "$PH/queue/mess" -type f | wc -l; }
queue_empty() { [ "$(queue_files)" = 0 ]; }
delivered() { grep -l -r "^Subject: $2" "$1" 2>/dev/null | head -n 1; }
has_delivered() { [ -n "$(delivered "$1" "$2")" ]; }

# mail SUBJECT KIND...: a message with one attachment per KIND to $T_EML:
#   eicar           eicar.txt holding the EICAR test file
#   exe-in-zip      invoice.zip holding setup.exe
#   encrypted-zip   secret.zip whose entry is marked encrypted
#   pdf             report.pdf
#   big-pdf         scan.pdf of 300 KB
#   big-zip         photos.zip of 300 KB (stored, incompressible)
mail() {
  T_EML=$BATS_TEST_TMPDIR/$1.eml
  "$PY" - "$T_EML" "$@" <<'PY'
import io, os, sys, zipfile
from email.message import EmailMessage
out, subject, kinds = sys.argv[1], sys.argv[2], sys.argv[3:]
m = EmailMessage()
m["From"] = "sender@remote.example"
m["To"] = "bob@example.test"
m["Subject"] = subject
m.set_content("Please see the attachment.\n")
def zipped(name, data, encrypted=False):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    z = bytearray(b.getvalue())
    if encrypted:  # general purpose bit 0 in the local and the central header
        z[z.find(b"PK\x03\x04") + 6] |= 1
        z[z.find(b"PK\x01\x02") + 8] |= 1
    return bytes(z)
for k in kinds:
    if k == "eicar":
        m.add_attachment(os.environ["EICAR"].encode(), "application", "octet-stream", filename="eicar.txt")
    elif k == "exe-in-zip":
        m.add_attachment(zipped("setup.exe", b"MZ\x90\x00" + b"\x00" * 200), "application", "zip", filename="invoice.zip")
    elif k == "encrypted-zip":
        m.add_attachment(zipped("notes.txt", b"x" * 300, True), "application", "zip", filename="secret.zip")
    elif k == "big-pdf":
        m.add_attachment(b"%PDF-1.4\n" + os.urandom(300 << 10), "application", "pdf", filename="scan.pdf")
    elif k == "big-zip":
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
            z.writestr("photo.jpg", b"\xff\xd8\xff\xe0" + os.urandom(300 << 10))
        m.add_attachment(b.getvalue(), "application", "zip", filename="photos.zip")
    elif k == "pdf":
        m.add_attachment(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", "application", "pdf", filename="report.pdf")
open(out, "wb").write(bytes(m))
PY
}

send_eml() {  # send_eml FILE [swaks args...]
  local f=$1; shift
  swaks --server 127.0.0.1 --port "$SMTP_PORT" --from sender@remote.example --to bob@$D --data "@$f" "$@"
}

refused_nothing_queued() {  # SUBJECT
  queue_empty
  [ -z "$(delivered "$(md bob)" "$1")" ]
}

@test "virus: the shipped attachment policy is installed with the instance" {
  cmp "$PH/control/attachmentpolicy" "$POSTA_SRC/etc/control/attachmentpolicy"
}

@test "virus: an EICAR attachment is refused with 550 5.7.1 at the end of DATA, nothing queued" {
  wait_for 20 queue_empty
  mail virus-eicar eicar
  run send_eml "$T_EML"
  assert_failure
  assert_output --partial "<** 550 5.7.1 Message refused: virus found (Eicar-Test-Signature.UNOFFICIAL)"
  refused_nothing_queued virus-eicar
  wait_for 5 grep -q 'posta-spamcheck: info: refused verdict=virus .* virus=Eicar-Test-Signature.UNOFFICIAL' "$PH/log/spamcheck/current"
}

@test "virus: authenticated submission with EICAR is refused too" {
  wait_for 20 queue_empty
  mail virus-auth eicar
  run swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" -tls --auth PLAIN --auth-user alice@$D \
    --auth-password alicepw --from alice@$D --to bob@$D --data "@$T_EML"
  assert_failure
  assert_output --partial "<~* 550 5.7.1 Message refused: virus found (Eicar-Test-Signature.UNOFFICIAL)"
  refused_nothing_queued virus-auth
  wait_for 5 grep -q 'refused verdict=virus .* trusted=1 virus=Eicar' "$PH/log/spamcheck/current"
}

@test "virus: clamd unreachable: 451 4.7.1 and nothing queued; with control/virustrouble accept, delivered marked unscanned" {
  wait_for 20 queue_empty
  control clamd "unix:$BATS_TEST_TMPDIR/dead.sock"
  mail virus-down pdf
  run send_eml "$T_EML"
  assert_failure
  assert_output --partial "<** 451 4.7.1 Message not scanned for viruses, please try again later"
  refused_nothing_queued virus-down
  wait_for 5 grep -q 'refused verdict=trouble .* clamd_trouble="unavailable: ' "$PH/log/spamcheck/current"
  # control/spamtrouble accept is no licence to skip the virus scan
  control spamtrouble accept
  run send_eml "$T_EML"
  rm -f "$PH/control/spamtrouble"
  assert_output --partial "<** 451 4.7.1"
  refused_nothing_queued virus-down
  control virustrouble accept
  mail virus-down-accepted pdf
  run send_eml "$T_EML"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" virus-down-accepted
  grep -q '^X-Virus-Scan: unscanned (clamd unavailable: ' "$(delivered "$(md bob)/new" virus-down-accepted)"
}

@test "virus: a forged X-Virus-Scan field is removed from a clean scanned message" {
  mail virus-clean-forged pdf
  run send_eml "$T_EML" --add-header "X-Virus-Scan: clean (forged)"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" virus-clean-forged
  ! grep -qi '^X-Virus-Scan' "$(delivered "$(md bob)/new" virus-clean-forged)"
}

@test "attachments: an .exe inside a ZIP is refused with 550 5.7.1 naming it, nothing queued" {
  wait_for 20 queue_empty
  mail att-exe-zip exe-in-zip
  run send_eml "$T_EML"
  assert_failure
  assert_output --partial "<** 550 5.7.1 Message refused: blocked attachment invoice.zip/setup.exe: extension .exe"
  refused_nothing_queued att-exe-zip
  wait_for 5 grep -q 'refused verdict=policy .* tests=.*ATTACHMENT_BLOCKED' "$PH/log/spamcheck/current"
}

@test "attachments: an encrypted ZIP is refused under 'encrypted refuse' and delivered under 'encrypted allow'" {
  wait_for 20 queue_empty
  mail att-encrypted encrypted-zip
  run send_eml "$T_EML"
  assert_failure
  assert_output --partial "<** 550 5.7.1 Message refused: blocked attachment secret.zip"
  assert_output --partial "encrypted"
  refused_nothing_queued att-encrypted
  sed 's/^encrypted refuse$/encrypted allow/' "$POSTA_SRC/etc/control/attachmentpolicy" >"$PH/control/attachmentpolicy"
  run send_eml "$T_EML"
  cp "$POSTA_SRC/etc/control/attachmentpolicy" "$PH/control/attachmentpolicy"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" att-encrypted
}

@test "attachments: under 'action quarantine' a blocked attachment is delivered to Junk, flagged" {
  sed 's/^action refuse$/action quarantine/' "$POSTA_SRC/etc/control/attachmentpolicy" >"$PH/control/attachmentpolicy"
  mail att-quarantine exe-in-zip
  run send_eml "$T_EML"
  cp "$POSTA_SRC/etc/control/attachmentpolicy" "$PH/control/attachmentpolicy"
  assert_success
  wait_for 20 has_delivered "$(md bob)/.Junk" att-quarantine
  f=$(delivered "$(md bob)/.Junk" att-quarantine)
  grep -q '^X-Spam-Flag: YES' "$f"
  grep -q 'ATTACHMENT_BLOCKED invoice.zip/setup.exe: extension .exe' "$f"
  wait_for 5 grep -q 'passed id=.* verdict=quarantine' "$PH/log/spamcheck/current"
}

@test "attachments: a clean message with a PDF attachment is delivered to the inbox" {
  mail att-pdf pdf
  run send_eml "$T_EML"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" att-pdf
  wait_for 5 grep -q 'passed id=.* verdict=ham' "$PH/log/spamcheck/current"
}

@test "check: shows the virus scan and the attachment findings, --json too" {
  mail check-both eicar exe-in-zip
  run "$POSTA_BIN/posta-spamcheck" check "$T_EML"
  assert_success
  assert_line --regexp '^/.*/check-both\.eml: virus, score '
  assert_line "  refusal: 5.7.1 Message refused: virus found (Eicar-Test-Signature.UNOFFICIAL)"
  assert_line "  virus scan: virus Eicar-Test-Signature.UNOFFICIAL"
  assert_line --regexp '^ +0\.0  ATTACHMENT_BLOCKED  invoice\.zip/setup\.exe: extension \.exe$'
  run "$POSTA_BIN/posta-spamcheck" check --json "$T_EML"
  assert_success
  echo "$output" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)[0]
assert r["verdict"] == "virus" and r["virus_scan"] == "virus Eicar-Test-Signature.UNOFFICIAL", r
assert {"name": "ATTACHMENT_BLOCKED", "score": 0.0, "description": "invoice.zip/setup.exe: extension .exe"} in r["contributions"], r
'
}

@test "scan limits: past control/spamscanbytes clamd still sees the whole message; a ZIP cut there is not 'damaged'" {
  wait_for 20 queue_empty
  control spamscanbytes 65536
  mail cut-eicar big-pdf eicar
  run send_eml "$T_EML"
  assert_failure
  assert_output --partial "<** 550 5.7.1 Message refused: virus found (Eicar-Test-Signature.UNOFFICIAL)"
  refused_nothing_queued cut-eicar
  mail cut-zip big-zip
  run send_eml "$T_EML"
  rm -f "$PH/control/spamscanbytes"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" cut-zip
  wait_for 5 grep -q 'passed id=.* verdict=ham .* scanned=65536' "$PH/log/spamcheck/current"
}
