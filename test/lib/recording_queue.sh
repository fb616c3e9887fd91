#!/bin/sh
# A stand-in for posta-queue (POSTA_QUEUE) that records every injection next to itself:
# the message as msg.N, the envelope (NULs as newlines) as env.N, N counting from 0.
d=$(dirname "$0")
n=$(ls "$d" | grep -c '^msg\.')
cat >"$d/msg.$n"
tr '\0' '\n' <&1 >"$d/env.$n"
exit 0
