#!/usr/bin/env bash
# The failover example (examples/failover.cc) against the real kernel, in the
# lab's two-namespace topology: namespaces a (client) and b (server) joined by
# link 1 (the primary path) and link 2, both ends bound to both links.
# While messages are echoed every 100 ms, link 1 is cut and restored. Checked:
# both ends print PEER_ADDR_CHANGE UNREACHABLE and then AVAILABLE for the
# peer's primary address, with the path table after each; messages keep being
# echoed while the link is down and after it returns; the association
# survives (no COMM_LOST) and ends with a clean shutdown, every message
# echoed. Prints TAP.
# Usage (through the lab):
#   tools/sctp-lab run --net a-b --net a-b -- failover_example_test.sh FAILOVER
set -u
FAILOVER=$(readlink -f -- "${1:?usage: failover_example_test.sh FAILOVER}")
LAB=${SCTP_LAB_TOOL:-}
if [[ -z $LAB ]] || ! "$LAB" net addr a 2 >/dev/null 2>&1; then
  echo "not ok 1 - the two-link topology: run through tools/sctp-lab run --net a-b --net a-b"
  echo "1..1"
  exit 1
fi
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf -- "$scratch"' EXIT
n=0 failed=0 started=$SECONDS
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  echo "# $((SECONDS - started)) s"; started=$SECONDS
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 25; done
}
wait_for() {  # file, extended regex, seconds (counted on the clock: a process start is slow in the lab)
  local until=$((SECONDS + $3))
  while ((SECONDS <= until)); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done; return 1
}
# Echo lines after the first line matching a regex.
echoes_after() { awk -v re="$2" 'seen && /: echo [0-9]+ in / {c++} !seen && $0 ~ re {seen = 1} END {print c + 0}' "$1"; }

a1=$("$LAB" net addr a 1) a2=$("$LAB" net addr a 2) b1=$("$LAB" net addr b 1) b2=$("$LAB" net addr b 2)
port=5060
srv_out=$scratch/server.out cli_out=$scratch/client.out

"$LAB" net exec b "$FAILOVER" server "$b1/$b2:$port" > "$srv_out" 2>&1 &
srv=$!
wait_for "$srv_out" 'listening on' 10
"$LAB" net exec a "$FAILOVER" client "$a1/$a2:0" "$b1/$b2:$port" > "$cli_out" 2>&1 &
cli=$!

# 1: associated, both paths confirmed on both ends (the server confirms the
# client's second address by a heartbeat), messages flowing.
wait_for "$cli_out" 'client: all 2 paths active' 15 &&
  wait_for "$srv_out" "server: event PEER_ADDR_CHANGE $a2:[0-9]+ CONFIRMED" 15 &&
  wait_for "$cli_out" 'client: echo 5 in' 15 &&
  grep -q "client: paths: $b1 ACTIVE (primary) $b2 ACTIVE" "$cli_out"
check "multi-homed association up: both paths active on both ends, $b1 the client's primary, messages echoed" $? \
  "$cli_out" "$srv_out"

# 2: cut the primary link: both ends report the peer's primary address unreachable.
"$LAB" net down 1
cut_at=$SECONDS
wait_for "$cli_out" "client: event PEER_ADDR_CHANGE $b1:$port UNREACHABLE" 15 &&
  wait_for "$srv_out" "server: event PEER_ADDR_CHANGE $a1:[0-9]+ UNREACHABLE" 15 &&
  grep -q "client: paths: $b1 INACTIVE (primary) $b2 ACTIVE" "$cli_out"
check "link 1 cut: PEER_ADDR_CHANGE UNREACHABLE for the primary address on both ends, path table printed" $? \
  "$cli_out" "$srv_out"
echo "# UNREACHABLE seen $((SECONDS - cut_at)) s after the cut"

# 3: messages keep flowing over link 2.
until=$((SECONDS + 15))
while ((SECONDS <= until)) && [[ $(echoes_after "$cli_out" 'UNREACHABLE') -lt 10 ]]; do sleep 0.2; done
[[ $(echoes_after "$cli_out" 'UNREACHABLE') -ge 10 ]]
check "messages still echoed over the other path while link 1 is down" $? "$cli_out"

# 4: restore it: both ends report the address available again.
"$LAB" net up 1
up_at=$SECONDS
wait_for "$cli_out" "client: event PEER_ADDR_CHANGE $b1:$port AVAILABLE" 20 &&
  wait_for "$srv_out" "server: event PEER_ADDR_CHANGE $a1:[0-9]+ AVAILABLE" 20
check "link 1 restored: PEER_ADDR_CHANGE AVAILABLE for the primary address on both ends" $? "$cli_out" "$srv_out"
echo "# AVAILABLE seen $((SECONDS - up_at)) s after the restore"

# 5: a few more messages, then a clean end: nothing lost, no COMM_LOST.
until=$((SECONDS + 15))
while ((SECONDS <= until)) && [[ $(echoes_after "$cli_out" 'AVAILABLE') -lt 10 ]]; do sleep 0.2; done
kill -INT "$cli"
timeout 20 tail --pid="$cli" -f /dev/null || kill -KILL "$cli"
wait "$cli"; cli_rc=$?
timeout 20 tail --pid="$srv" -f /dev/null || kill -KILL "$srv"
wait "$srv"; srv_rc=$?
sent=$(sed -n 's/.*client: \([0-9]*\) of \([0-9]*\) messages echoed$/\1 \2/p' "$cli_out")
echo "# client: ${sent% *} of ${sent#* } messages echoed; exit statuses client $cli_rc, server $srv_rc"
[[ $cli_rc == 0 && $srv_rc == 0 ]] &&
  [[ -n $sent && ${sent% *} == "${sent#* }" && ${sent% *} -ge 30 ]] &&
  [[ $(echoes_after "$cli_out" 'AVAILABLE') -ge 10 ]] &&
  ! grep -q 'COMM_LOST' "$cli_out" "$srv_out" &&
  grep -q 'server: association ended: shut down by the client' "$srv_out" &&
  [[ $(grep -c 'PEER_ADDR_CHANGE.*\(UNREACHABLE\|AVAILABLE\)' "$cli_out") == 2 ]] &&
  grep -o 'PEER_ADDR_CHANGE [^ ]* [A-Z]*' "$cli_out" | grep -v CONFIRMED | awk '{print $3}' | tr '\n' ' ' |
    grep -qx 'UNREACHABLE AVAILABLE '
check "the association survived: every message echoed, UNREACHABLE then AVAILABLE, clean shutdown" $? \
  "$cli_out" "$srv_out"

echo "1..$n"
exit $((failed > 0))
