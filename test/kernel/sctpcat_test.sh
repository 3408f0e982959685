#!/usr/bin/env bash
# sctpcat against the real kernel (run through tools/sctp-lab): what a user
# types reaches the peer on the chosen stream with the chosen PPID, events
# print as one line each, echo works, and bad options are refused clearly.
# Prints TAP. Usage: sctpcat_test.sh PATH/TO/sctpcat
set -u
CAT=$(readlink -f -- "${1:?usage: sctpcat_test.sh PATH/TO/sctpcat}")
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf -- "$scratch"' EXIT
n=0 failed=0
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 15; done
}
wait_listening() {  # stderr file of a listener
  local i; for i in $(seq 1 50); do grep -q 'listening on' "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}

# 1: lines become messages on stream 3 with PPID 60; events on both sides.
timeout 20 "$CAT" -l -e -c 2 127.0.0.1/127.0.0.2:36412 > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null &
srv=$!
wait_listening "$scratch/srv.err"
printf 'hello\nNG Setup\n' | timeout 20 "$CAT" -e -s 3 -p 60 127.0.0.1/127.0.0.2:36412 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
grep -qx 'data sid=3 ssn=0 ppid=60 len=5 unordered=0: hello' "$scratch/srv.out" &&
  grep -qx 'data sid=3 ssn=1 ppid=60 len=8 unordered=0: NG Setup' "$scratch/srv.out" &&
  grep -q '^event ASSOC_CHANGE COMM_UP ' "$scratch/srv.out" &&
  grep -q '^event ASSOC_CHANGE COMM_UP ' "$scratch/cli.out" &&
  [[ $cli_rc == 0 && $srv_rc == 0 ]]
check "stdin lines arrive as messages on the chosen stream and PPID, with events" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

# 2: -E echoes each message back on its stream with its PPID (IPv6, unordered).
timeout 20 "$CAT" -l -E -c 1 '[::1]:36413' > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null &
srv=$!
wait_listening "$scratch/srv.err"
printf 'ping\n' | timeout 20 "$CAT" -u -s 1 -p 46 -c 1 '[::1]:36413' > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
grep -qx 'data sid=1 ssn=0 ppid=46 len=4 unordered=1: ping' "$scratch/srv.out" &&
  grep -qx 'data sid=1 ssn=0 ppid=46 len=4 unordered=0: ping' "$scratch/cli.out" &&
  [[ $cli_rc == 0 && $srv_rc == 0 ]]
check "-E echoes messages back with their stream and PPID" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

# 3: a refused dial and bad options say what was wrong and exit non-zero.
timeout 20 "$CAT" 127.0.0.1:9 < /dev/null > "$scratch/cli.out" 2> "$scratch/cli.err"
rc1=$?
timeout 5 "$CAT" -s 70000 127.0.0.1:9 < /dev/null > /dev/null 2> "$scratch/opt.err"
rc2=$?
timeout 5 "$CAT" 127.0.0.1::5 < /dev/null > /dev/null 2> "$scratch/addr.err"
rc3=$?
[[ $rc1 == 1 && $rc2 == 2 && $rc3 == 1 ]] &&
  grep -q 'dial sctp 127.0.0.1:9: Connection refused' "$scratch/cli.err" &&
  grep -q '"70000" is not a number from 0 to 65535' "$scratch/opt.err" &&
  grep -q 'too many colons' "$scratch/addr.err"
check "errors name the input and exit non-zero" $? "$scratch/cli.err" "$scratch/opt.err" "$scratch/addr.err"

echo "1..$n"
exit $((failed > 0))
