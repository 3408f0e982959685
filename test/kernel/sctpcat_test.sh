#!/usr/bin/env bash
# sctpcat against the real kernel (run through tools/sctp-lab): what a user
# types reaches the peer on the chosen stream with the chosen PPID, events
# print as one line each, echo works, bad options are refused clearly, and
# the one-to-many listener (-l -m) serves several associations at once.
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

# One-to-many listener (-m): the association id of a line of output.
assoc_of() {  # file, line pattern (ERE, without the "data assoc=N " prefix)
  sed -nE "s/^data assoc=([0-9]+) $2\$/\1/p" "$1"
}
wait_file() {  # path: wait until it exists
  local i; for i in $(seq 1 200); do [[ -e $1 ]] && return 0; sleep 0.05; done; return 1
}
wait_count() {  # file, pattern (ERE), count: wait until that many lines match
  local i; for i in $(seq 1 100); do
    [[ $(grep -cE "$2" "$1" 2>/dev/null) -ge $3 ]] && return 0; sleep 0.1
  done; return 1
}

# 4, 5: -l -m -E serves three clients at once: each gets its own messages
# back, and the listener shows them under one association id per client.
# While all three are up, a line on the listener's stdin goes to stream
# 65535, beyond every association's streams: each write fails, is reported
# naming its association, and the listener serves on.
mkfifo "$scratch/in4"
exec 3<> "$scratch/in4"
timeout 20 "$CAT" -l -m -E -s 65535 -c 6 127.0.0.1:36414 < "$scratch/in4" > "$scratch/srv.out" \
  2> "$scratch/srv.err" 3>&- &
srv=$!
wait_listening "$scratch/srv.err"
clis=()
for i in 1 2 3; do
  # The second message waits until all three associations are up.
  { printf 'client%d first\n' "$i"; wait_file "$scratch/go4"; printf 'client%d second\n' "$i"; } |
    timeout 20 "$CAT" -s 1 -p 60 -c 2 127.0.0.1:36414 > "$scratch/cli$i.out" 2> "$scratch/cli$i.err" 3>&- &
  clis+=($!)
done
wait_count "$scratch/srv.out" '^data assoc=[0-9]+ .*: client[123] first$' 3
echo 'nowhere' >&3
wait_count "$scratch/srv.err" 'write to association' 3
touch "$scratch/go4"
ok=0
for pid in "${clis[@]}"; do wait "$pid" || ok=1; done
wait "$srv" || ok=1
exec 3>&-
ids=()
for i in 1 2 3; do
  grep -qx "data sid=1 ssn=0 ppid=60 len=13 unordered=0: client$i first" "$scratch/cli$i.out" &&
    grep -qx "data sid=1 ssn=1 ppid=60 len=14 unordered=0: client$i second" "$scratch/cli$i.out" &&
    [[ $(grep -c '^data ' "$scratch/cli$i.out") == 2 ]] || ok=1
  a=$(assoc_of "$scratch/srv.out" "sid=1 ssn=0 ppid=60 len=13 unordered=0: client$i first")
  b=$(assoc_of "$scratch/srv.out" "sid=1 ssn=1 ppid=60 len=14 unordered=0: client$i second")
  [[ -n $a && $a == "$b" ]] || ok=1
  ids+=("$a")
done
[[ $ok == 0 && $(printf '%s\n' "${ids[@]}" | sort -u | grep -c .) == 3 ]]
check "-l -m -E echoes to three clients at once, one association id each" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch"/cli[123].out "$scratch"/cli[123].err
ok=0
for a in "${ids[@]}"; do
  [[ -n $a && $(grep -c "^sctpcat: send: write to association $a: " "$scratch/srv.err") == 1 ]] || ok=1
done
# The second messages were echoed after the failures (checked above).
[[ $ok == 0 && $(grep -c 'write to association' "$scratch/srv.err") == 3 ]]
check "-l -m reports a failed write naming its association and serves on" $? "$scratch/srv.out" "$scratch/srv.err"

# 6, 7: with -e every association's COMM_UP and SHUTDOWN_COMP are printed with
# its id; a line on the listener's stdin reaches every live association, and
# none once they have ended.
mkfifo "$scratch/in6"
exec 3<> "$scratch/in6"
timeout 20 "$CAT" -l -m -e -s 2 -p 60 127.0.0.1:36415 < "$scratch/in6" > "$scratch/srv.out" 2> "$scratch/srv.err" 3>&- &
srv=$!
wait_listening "$scratch/srv.err"
clis=()
for i in 1 2 3; do
  timeout 20 "$CAT" -c 1 127.0.0.1:36415 < /dev/null > "$scratch/cli$i.out" 2> "$scratch/cli$i.err" 3>&- &
  clis+=($!)
done
wait_count "$scratch/srv.out" '^event ASSOC_CHANGE COMM_UP ' 3
echo 'to everyone' >&3
ok=0
for pid in "${clis[@]}"; do wait "$pid" || ok=1; done
wait_count "$scratch/srv.out" '^event ASSOC_CHANGE SHUTDOWN_COMP ' 3
echo 'too late' >&3
wait_count "$scratch/srv.err" 'no association is up' 1
kill "$srv"; wait "$srv" 2>/dev/null
exec 3>&-
up=$(sed -nE 's/^event ASSOC_CHANGE COMM_UP .* assoc=([0-9]+)$/\1/p' "$scratch/srv.out" | sort -u)
down=$(sed -nE 's/^event ASSOC_CHANGE SHUTDOWN_COMP .* assoc=([0-9]+)$/\1/p' "$scratch/srv.out" | sort -u)
[[ $(grep -c . <<< "$up") == 3 && $up == "$down" ]] &&
  [[ $(grep -c '^event ASSOC_CHANGE COMM_UP ' "$scratch/srv.out") == 3 ]]
check "-l -m -e prints COMM_UP and SHUTDOWN_COMP with the same ids for three associations" $? \
  "$scratch/srv.out" "$scratch/srv.err"
for i in 1 2 3; do
  grep -qx 'data sid=2 ssn=0 ppid=60 len=11 unordered=0: to everyone' "$scratch/cli$i.out" || ok=1
done
[[ $ok == 0 ]] && grep -qx 'sctpcat: send: no association is up; line dropped' "$scratch/srv.err" &&
  ! grep -q 'write to association' "$scratch/srv.err"
check "-l -m sends each stdin line to every live association" $? \
  "$scratch/srv.err" "$scratch"/cli[123].out "$scratch"/cli[123].err

echo "1..$n"
exit $((failed > 0))
