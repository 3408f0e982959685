#!/usr/bin/env bash
# The epoll examples against the real kernel (run through tools/sctp-lab).
# Mode "examples": one loop echoes checked messages on many associations and
# logs their events; with -t 4 (one listener per thread, reuse_port) the
# associations are spread over the four threads and all are served; a client
# SIGKILLed mid-traffic leaves no association behind on the server.
# Mode "scale": both hold a few hundred associations at once and print their
# footprint; non-blocking mode costs exactly one descriptor per association.
# Prints TAP. Usage: epoll_example_test.sh SERVER CLIENT examples|scale
set -u
SERVER=$(readlink -f -- "${1:?usage: epoll_example_test.sh SERVER CLIENT MODE}")
CLIENT=$(readlink -f -- "${2:?usage: epoll_example_test.sh SERVER CLIENT MODE}")
MODE=${3:?usage: epoll_example_test.sh SERVER CLIENT MODE}
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf -- "$scratch"' EXIT
n=0 failed=0 started=$SECONDS
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  echo "# $((SECONDS - started)) s"; started=$SECONDS
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20; done
}
wait_listening() {  # stdout file of the server
  local i; for i in $(seq 1 100); do grep -q '^listening on' "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
# Sum of the association counts in the server's "thread K: N associations" lines.
served() { awk '/^thread [0-9]+: [0-9]+ associations/ {s += $3} END {print s + 0}' "$1"; }
echoed() { awk '/^thread [0-9]+: .* messages echoed/ {s += $5} END {print s + 0}' "$1"; }

if [[ $MODE == examples ]]; then
  # 1: one thread, 50 associations x 20 messages, events logged, every end logged.
  timeout 100 "$SERVER" -n 50 127.0.0.1:37001 > "$scratch/srv.out" 2> "$scratch/srv.err" &
  srv=$!
  wait_listening "$scratch/srv.out"
  timeout 90 "$CLIENT" -n 50 -m 20 127.0.0.1:37001 > "$scratch/cli.out" 2> "$scratch/cli.err"
  cli_rc=$?
  wait "$srv"; srv_rc=$?
  [[ $cli_rc == 0 && $srv_rc == 0 ]] &&
    grep -qx '50 associations: 50 done (20 messages each, every echo checked), 0 failed or unfinished' "$scratch/cli.out" &&
    [[ $(served "$scratch/srv.out") == 50 && $(echoed "$scratch/srv.out") == 1000 ]] &&
    [[ $(grep -c 'event ASSOC_CHANGE COMM_UP' "$scratch/srv.out") == 50 ]] &&
    [[ $(grep -c 'event SHUTDOWN' "$scratch/srv.out") == 50 ]] &&
    [[ $(grep -c ' ended: ' "$scratch/srv.out") == 50 ]] &&
    grep -qx '50 associations ended' "$scratch/srv.out"
  check "one epoll loop echoes 1000 checked messages on 50 associations, logs their events and removes each at its end" $? \
    "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

  # 2: four threads, one reuse_port listener each, 200 associations.
  timeout 100 "$SERVER" -t 4 -n 200 -q 127.0.0.1:37002 > "$scratch/srv.out" 2> "$scratch/srv.err" &
  srv=$!
  wait_listening "$scratch/srv.out"
  timeout 90 "$CLIENT" -n 200 -m 5 127.0.0.1:37002 > "$scratch/cli.out" 2> "$scratch/cli.err"
  cli_rc=$?
  wait "$srv"; srv_rc=$?
  per_thread=$(grep -o '^thread [0-9]: [0-9]* associations' "$scratch/srv.out" | awk '{print $3}' | tr '\n' ' ')
  echo "# associations per thread: $per_thread"
  [[ $cli_rc == 0 && $srv_rc == 0 ]] &&
    grep -q '^listening on 127.0.0.1:37002 with 4 thread(s)$' "$scratch/srv.out" &&
    [[ $(served "$scratch/srv.out") == 200 && $(echoed "$scratch/srv.out") == 1000 ]] &&
    [[ $(grep -c '^thread [0-3]: [1-9][0-9]* associations' "$scratch/srv.out") == 4 ]]
  check "four threads with a reuse_port listener each: 200 associations spread over all four and all served" $? \
    "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

  # 3: a client killed mid-traffic: the server notices every end and exits.
  timeout 100 "$SERVER" -n 40 127.0.0.1:37003 > "$scratch/srv.out" 2> "$scratch/srv.err" &
  srv=$!
  wait_listening "$scratch/srv.out"
  "$CLIENT" -n 40 -m 1000000 127.0.0.1:37003 > "$scratch/cli.out" 2> "$scratch/cli.err" &
  cli=$!
  # Kill once every association is up and has echoed something.
  for i in $(seq 1 200); do
    [[ $(grep -c 'event ASSOC_CHANGE COMM_UP' "$scratch/srv.out") -ge 40 ]] && break
    sleep 0.1
  done
  sleep 1
  kill -KILL "$cli"
  wait "$cli" 2>/dev/null
  wait "$srv"; srv_rc=$?
  [[ $srv_rc == 0 && $(served "$scratch/srv.out") == 40 ]] &&
    [[ $(grep -c ' ended: ' "$scratch/srv.out") == 40 ]] &&
    grep -qx '40 associations ended' "$scratch/srv.out"
  check "associations of a client killed mid-traffic all end and are removed" $? \
    "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"
elif [[ $MODE == scale ]]; then
  # 4: N associations held at once by each side, footprint printed by both.
  N=${SCALE_N:-300}
  timeout 150 "$SERVER" -q -n "$N" -s "$N" 127.0.0.1:37004 > "$scratch/srv.out" 2> "$scratch/srv.err" &
  srv=$!
  wait_listening "$scratch/srv.out"
  timeout 140 "$CLIENT" -n "$N" -m 3 -s 127.0.0.1:37004 > "$scratch/cli.out" 2> "$scratch/cli.err"
  cli_rc=$?
  wait "$srv"; srv_rc=$?
  grep 'footprint' "$scratch/srv.out" "$scratch/cli.out" | sed 's|^|# |'
  [[ $cli_rc == 0 && $srv_rc == 0 && $(served "$scratch/srv.out") == "$N" ]] &&
    grep -q "^server footprint: $N associations open; .* 1.00 descriptors per association" "$scratch/srv.out" &&
    grep -q "^client footprint: $N associations open; .* 1.00 descriptors per association" "$scratch/cli.out"
  check "$N associations held at once on each side, one descriptor each, footprint printed" $? \
    "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"
else
  echo "epoll_example_test.sh: unknown mode $MODE" >&2
  exit 2
fi
echo "1..$n"
exit $((failed > 0))
