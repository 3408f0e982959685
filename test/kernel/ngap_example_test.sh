#!/usr/bin/env bash
# The Asio NGAP examples against the real kernel (run through tools/sctp-lab):
# the server serves two gNB clients (NG Setup on stream 0, UEs on their own
# streams, events logged) and both sides exit 0; a client with no server
# fails rather than hangs; the scale mode echoes checked messages on a few
# dozen concurrent associations from one thread and prints its figures.
# Prints TAP. Usage: ngap_example_test.sh SERVER CLIENT
set -u
SERVER=$(readlink -f -- "${1:?usage: ngap_example_test.sh SERVER CLIENT}")
CLIENT=$(readlink -f -- "${2:?usage: ngap_example_test.sh SERVER CLIENT}")
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf -- "$scratch"' EXIT
n=0 failed=0
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20; done
}
wait_listening() {  # stderr file of the server
  local i; for i in $(seq 1 50); do grep -q 'listening on' "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}

# 1: two gNBs, one after the other, served by one AMF process.
timeout 60 "$SERVER" --associations 2 127.0.0.1:38412 > "$scratch/amf.out" 2> "$scratch/amf.err" < /dev/null &
amf=$!
wait_listening "$scratch/amf.err"
timeout 30 "$CLIENT" --ues 8 127.0.0.1:38412 > "$scratch/gnb1.out" 2> "$scratch/gnb1.err"
rc1=$?
timeout 30 "$CLIENT" --ues 40 127.0.0.1:38412 > "$scratch/gnb2.out" 2> "$scratch/gnb2.err"
rc2=$?
wait "$amf"; amf_rc=$?
[[ $rc1 == 0 && $rc2 == 0 && $amf_rc == 0 ]] &&
  grep -q '^gnb: 8 UEs answered (procedure 4)' "$scratch/gnb1.out" &&
  grep -q '^gnb: 40 UEs answered (procedure 41)' "$scratch/gnb2.out" &&
  grep -q '^gnb: SHUTDOWN_COMP' "$scratch/gnb2.out" &&
  [[ $(grep -c 'COMM_UP' "$scratch/amf.out") == 2 ]] &&
  [[ $(grep -c 'SHUTDOWN_COMP' "$scratch/amf.out") == 2 ]] &&
  grep -q '^amf: 2 associations served, 2 cleanly' "$scratch/amf.out"
check "ngap_server serves two ngap_client runs; NG Setup, per-UE streams and events; all exit 0" $? \
  "$scratch/amf.out" "$scratch/amf.err" "$scratch/gnb1.out" "$scratch/gnb1.err" "$scratch/gnb2.out" "$scratch/gnb2.err"

# 2: no AMF: the client reports the refused dial and exits 1.
timeout 30 "$CLIENT" 127.0.0.1:38413 > "$scratch/gnb3.out" 2> "$scratch/gnb3.err"
rc=$?
[[ $rc == 1 ]] && grep -q 'Connection refused' "$scratch/gnb3.err"
check "ngap_client without a server fails with the reason (exit 1, no hang)" $? "$scratch/gnb3.out" "$scratch/gnb3.err"

# 3: the scale mode with a small N (the full 10000 is run by hand: docs/event-loops.md, "Asio and coroutines").
timeout 100 "$SERVER" --scale 60 --rounds 3 > "$scratch/scale.out" 2> "$scratch/scale.err"
rc=$?
[[ $rc == 0 ]] &&
  grep -q '^scale: 60 associations .* 180 messages echoed and checked, 0 errors, client ok' "$scratch/scale.out" &&
  grep -q '^scale: descriptors per association: 1.00 ' "$scratch/scale.out" &&
  grep -q '^scale: user-space heap per association: ' "$scratch/scale.out"
check "scale mode: 60 associations from one thread, checked echoes, one descriptor each" $? \
  "$scratch/scale.out" "$scratch/scale.err"
sed 's/^/# /' "$scratch/scale.out"

echo "1..$n"
[[ $failed == 0 ]]
