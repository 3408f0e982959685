#!/usr/bin/env bash
# The echo examples (examples/echo_server.cc, echo_client.cc) against the real
# kernel, run through tools/sctp-lab. Checked: every message comes back on its
# stream with its PPID, on a single-homed and on a multi-homed listener, and
# the server sees each client's shutdown; a client with nobody listening
# fails with a message that names the address. Prints TAP.
# Usage: echo_example_test.sh SERVER CLIENT
set -u
SERVER=$(readlink -f -- "${1:?usage: echo_example_test.sh SERVER CLIENT}")
CLIENT=$(readlink -f -- "${2:?usage: echo_example_test.sh SERVER CLIENT}")
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf -- "$scratch"' EXIT
n=0 failed=0 started=$SECONDS
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  echo "# $((SECONDS - started)) s"; started=$SECONDS
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20; done
}
wait_listening() {  # stdout file of the server (counted on the clock: a process start is slow in the lab)
  local until=$((SECONDS + 10))
  while ((SECONDS <= until)); do grep -q '^listening on' "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
expected_echoes() {
  printf '%s\n' 'echoed: "hello on stream 0" on stream 0, ppid 46' \
    'echoed: "hello on stream 1" on stream 1, ppid 60' 'echoed: "and on stream 3" on stream 3, ppid 18'
}

# 1: one server, two clients one after the other, then it exits (COUNT 2).
timeout 30 "$SERVER" 127.0.0.1:9899 2 > "$scratch/srv.out" 2> "$scratch/srv.err" &
srv=$!
wait_listening "$scratch/srv.out"
timeout 20 "$CLIENT" > "$scratch/cli1.out" 2> "$scratch/cli1.err"; rc1=$?
timeout 20 "$CLIENT" 127.0.0.1:9899 > "$scratch/cli2.out" 2> "$scratch/cli2.err"; rc2=$?
wait "$srv"; srv_rc=$?
[[ $rc1 == 0 && $rc2 == 0 && $srv_rc == 0 ]] &&
  diff <(expected_echoes) "$scratch/cli1.out" > /dev/null && diff <(expected_echoes) "$scratch/cli2.out" > /dev/null &&
  [[ $(grep -c '^association from 127.0.0.1:' "$scratch/srv.out") == 2 ]] &&
  [[ $(grep -c '^association shut down by the peer$' "$scratch/srv.out") == 2 ]]
check "echo_client gets each message back on its stream with its PPID; echo_server serves two clients and sees each shut down" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli1.out" "$scratch/cli1.err" "$scratch/cli2.out" "$scratch/cli2.err"

# 2: a multi-homed listener (two loopback addresses), the client dialing both.
timeout 30 "$SERVER" 127.0.0.1/127.0.0.2:9898 1 > "$scratch/srv.out" 2> "$scratch/srv.err" &
srv=$!
wait_listening "$scratch/srv.out"
timeout 20 "$CLIENT" 127.0.0.2/127.0.0.1:9898 > "$scratch/cli1.out" 2> "$scratch/cli1.err"; rc1=$?
wait "$srv"; srv_rc=$?
[[ $rc1 == 0 && $srv_rc == 0 ]] && grep -qx 'listening on 127.0.0.1/127.0.0.2:9898' "$scratch/srv.out" &&
  diff <(expected_echoes) "$scratch/cli1.out" > /dev/null
check "a multi-homed echo_server (127.0.0.1/127.0.0.2) echoes the same way" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli1.out" "$scratch/cli1.err"

# 3: nobody listening: the client fails at once and says where it dialed.
timeout 20 "$CLIENT" 127.0.0.1:9897 > "$scratch/cli1.out" 2> "$scratch/cli1.err"; rc1=$?
[[ $rc1 == 1 ]] && grep -q '^echo_client: dial sctp 127.0.0.1:9897: .*refused' "$scratch/cli1.err"
check "echo_client with nobody listening exits 1 with the dial error" $? "$scratch/cli1.out" "$scratch/cli1.err"

echo "1..$n"
exit $((failed > 0))
