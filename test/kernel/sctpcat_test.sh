#!/usr/bin/env bash
# sctpcat against the real kernel (run through tools/sctp-lab): what a user
# types reaches the peer on the chosen stream with the chosen PPID, events
# print as one line each (the default set without AUTH noise), echo keeps
# stream, PPID and ordering, bad options and failed writes end at once with
# the documented exit codes, records choose stream and PPID per message, hex,
# JSON, files over 64 KiB, load mode, the idle timeout, -k and the
# one-to-many listener (-l -m) work.
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

# 1: lines become messages on stream 3 with PPID 60; events on both sides:
# the default set on the listener (no AUTHENTICATION_EVENT), all on the client.
timeout 20 "$CAT" -l -e -c 2 127.0.0.1/127.0.0.2:36412 > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null &
srv=$!
wait_listening "$scratch/srv.err"
printf 'hello\nNG Setup\n' | timeout 20 "$CAT" --events=all -s 3 -p 60 127.0.0.1/127.0.0.2:36412 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
grep -qx 'data sid=3 ssn=0 ppid=60 len=5 unordered=0: hello' "$scratch/srv.out" &&
  grep -qx 'data sid=3 ssn=1 ppid=60 len=8 unordered=0: NG Setup' "$scratch/srv.out" &&
  grep -q '^event ASSOC_CHANGE COMM_UP ' "$scratch/srv.out" &&
  grep -q '^event ASSOC_CHANGE COMM_UP ' "$scratch/cli.out" &&
  [[ $cli_rc == 0 && $srv_rc == 0 ]]
check "stdin lines arrive as messages on the chosen stream and PPID, with events" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"
! grep -q 'AUTHENTICATION_EVENT' "$scratch/srv.out" && grep -q '^event AUTHENTICATION_EVENT ' "$scratch/cli.out"
check "-e prints the default events without AUTH noise; --events=all prints it" $? "$scratch/srv.out" "$scratch/cli.out"

# 2: -E echoes each message back on its stream with its PPID and its
# unordered flag (IPv6).
timeout 20 "$CAT" -l -E -c 1 '[::1]:36413' > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null &
srv=$!
wait_listening "$scratch/srv.err"
printf 'ping\n' | timeout 20 "$CAT" -u -s 1 -p 46 -c 1 '[::1]:36413' > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
grep -qx 'data sid=1 ssn=0 ppid=46 len=4 unordered=1: ping' "$scratch/srv.out" &&
  grep -qx 'data sid=1 ssn=0 ppid=46 len=4 unordered=1: ping' "$scratch/cli.out" &&
  [[ $cli_rc == 0 && $srv_rc == 0 ]]
check "-E echoes messages back with their stream, PPID and unordered flag" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

# 3: a refused dial (3: could not associate), bad options and a malformed
# address (2: usage) say what was wrong.
timeout 20 "$CAT" 127.0.0.1:9 < /dev/null > "$scratch/cli.out" 2> "$scratch/cli.err"
rc1=$?
timeout 5 "$CAT" -s 70000 127.0.0.1:9 < /dev/null > /dev/null 2> "$scratch/opt.err"
rc2=$?
timeout 5 "$CAT" 127.0.0.1::5 < /dev/null > /dev/null 2> "$scratch/addr.err"
rc3=$?
[[ $rc1 == 3 && $rc2 == 2 && $rc3 == 2 ]] &&
  grep -q 'dial sctp 127.0.0.1:9: Connection refused' "$scratch/cli.err" &&
  grep -q '"70000" is not a number from 0 to 65535' "$scratch/opt.err" &&
  grep -q 'too many colons' "$scratch/addr.err"
check "errors name the input and exit 3 (connect) or 2 (usage)" $? "$scratch/cli.err" "$scratch/opt.err" "$scratch/addr.err"

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

# A listener in the background: its output in srv.out/srv.err, its pid in srv.
start_listener() {  # args...
  timeout 20 "$CAT" -l "$@" > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null 3>&- &
  srv=$!
  wait_listening "$scratch/srv.err"
}

# Waits until the listener has accepted (srv.err says so): a client's input
# waits for it, so that a client that sends and leaves at once is not done
# before a slow listener reaches accept (Linux then leaves nothing to accept).
accepted() {
  local i; for i in $(seq 1 100); do grep -q 'association from' "$scratch/srv.err" 2>/dev/null && return 0; sleep 0.1; done
}

# 8: a write the kernel refuses (stream 12 of 10 negotiated) is reported
# naming the peer and the reason, and the client ends at once with exit 1
# instead of waiting for a peer that sends nothing.
start_listener 127.0.0.1:36416
SECONDS=0
{ accepted; echo hi; } | timeout 10 "$CAT" -s 12 127.0.0.1:36416 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$? took=$SECONDS
wait "$srv"; srv_rc=$?
[[ $cli_rc == 1 && $took -le 5 && $srv_rc == 0 ]] &&
  grep -q '^sctpcat: send to 127.0.0.1:36416: stream 12 of 10 negotiated .*Invalid argument' "$scratch/cli.err"
check "a failed write exits promptly with 1, naming the peer and the reason (rc=$cli_rc, ${took}s, listener $srv_rc)" $? \
  "$scratch/cli.err" "$scratch/srv.err"

# 9: --help exits 0 and documents every long option the man page does (and
# the reverse); usage errors exit 2 and say why.
man_page=$(dirname -- "$(readlink -f -- "$0")")/../../docs/man/sctpcat.1
"$CAT" --help > "$scratch/help.out" 2> "$scratch/help.err"; rc1=$?
"$CAT" --bogus 127.0.0.1:1 > /dev/null 2> "$scratch/usage1.err"; rc2=$?
"$CAT" -l > /dev/null 2> "$scratch/usage2.err"; rc3=$?
"$CAT" --ppid nosuch 127.0.0.1:1 > /dev/null 2> "$scratch/usage3.err"; rc4=$?
"$CAT" --version > "$scratch/version.out"; rc5=$?
help_opts=$(grep -oE -- '--[a-z][a-z-]+' "$scratch/help.out" | sort -u)
man_opts=$(sed 's/\\-/-/g' "$man_page" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
[[ $rc1 == 0 && $rc2 == 2 && $rc3 == 2 && $rc4 == 2 && $rc5 == 0 && -n $help_opts ]] &&
  [[ $help_opts == "$man_opts" ]] &&
  grep -q 'Exit status' "$scratch/help.out" && grep -q 'unknown option --bogus' "$scratch/usage1.err" &&
  grep -q 'no ADDRESS' "$scratch/usage2.err" && grep -q '"nosuch" is neither a number' "$scratch/usage3.err" &&
  grep -qE '^sctpcat \(netsctp\) [0-9]+\.[0-9]+' "$scratch/version.out"
check "--help/--version exit 0 and match the man page; usage errors exit 2" $? \
  "$scratch/help.err" "$scratch"/usage*.err <(diff <(echo "$help_opts") <(echo "$man_opts"))

# 10: --streams asks for more streams, so stream 12 works; PPIDs by name;
# --events with a list prints only the events listed.
start_listener --streams 20/20 --events=shutdown 127.0.0.1:36417
{ accepted; echo 'to stream 12'; } | timeout 10 "$CAT" --streams 20 --sid 12 --ppid ngap 127.0.0.1:36417 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
[[ $cli_rc == 0 && $srv_rc == 0 ]] && grep -qx 'data sid=12 ssn=0 ppid=60 len=12 unordered=0: to stream 12' "$scratch/srv.out" &&
  grep -q '^event SHUTDOWN_EVENT ' "$scratch/srv.out" && ! grep -q '^event ASSOC_CHANGE' "$scratch/srv.out"
check "--streams 20 allows stream 12, ngap is PPID 60, --events=shutdown prints only that" $? \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.err"

# 11: --records: each line chooses its stream, PPID (number or name), ordering
# and PR policy; a line without '|' uses the fixed options; a bad line is
# reported with its number, skipped, and makes the exit status 1.
start_listener -c 4 127.0.0.1:36418
{ accepted; printf '%s\n' 'sid=3 ppid=s1ap | one' 'sid=5 ppid=46 unordered | two' 'plain three' \
  'bogus=1 | skipped' 'sid=2 ppid=x2ap pr=ttl:5000 | four | with bar'; } |
  timeout 10 "$CAT" --records -s 1 -p 7 127.0.0.1:36418 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
[[ $cli_rc == 1 && $srv_rc == 0 ]] &&
  grep -qx 'data sid=3 ssn=0 ppid=18 len=3 unordered=0: one' "$scratch/srv.out" &&
  grep -qx 'data sid=5 ssn=0 ppid=46 len=3 unordered=1: two' "$scratch/srv.out" &&
  grep -qx 'data sid=1 ssn=0 ppid=7 len=11 unordered=0: plain three' "$scratch/srv.out" &&
  grep -qx 'data sid=2 ssn=0 ppid=27 len=15 unordered=0: four | with bar' "$scratch/srv.out" &&
  ! grep -q skipped "$scratch/srv.out" && grep -q 'line 4: bad field "bogus=1"' "$scratch/cli.err"
status=$?
echo "exit statuses: client $cli_rc (1 expected), listener $srv_rc (0 expected)" > "$scratch/rc"
check "--records sets stream, PPID, unordered and PR per message" $status \
  "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.err" "$scratch/rc"

# 12: --hex both ways: hex lines become bytes, and bytes print as hex (the
# echo comes back identical).
start_listener --hex -E -c 1 127.0.0.1:36419
{ accepted; echo '00 01:fe ff41'; } | timeout 10 "$CAT" --hex --timestamps -c 1 127.0.0.1:36419 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
[[ $cli_rc == 0 && $srv_rc == 0 ]] && grep -qx 'data sid=0 ssn=0 ppid=0 len=5 unordered=0: 0001feff41' "$scratch/srv.out" &&
  grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z data sid=0 ssn=0 ppid=0 len=5 unordered=0: 0001feff41$' \
    "$scratch/cli.out"
check "--hex round trip (and --timestamps)" $? "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.out" "$scratch/cli.err"

# 12b: --binary: raw bytes in, raw payloads out, byte for byte.
head -c 5000 /dev/urandom > "$scratch/raw.bin"
timeout 20 "$CAT" -l --binary 127.0.0.1:36425 > "$scratch/raw.out" 2> "$scratch/srv.err" < /dev/null &
srv=$!
wait_listening "$scratch/srv.err"
timeout 10 "$CAT" --binary 127.0.0.1:36425 < <(accepted; cat "$scratch/raw.bin") > /dev/null 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
[[ $cli_rc == 0 && $srv_rc == 0 ]] && cmp -s "$scratch/raw.bin" "$scratch/raw.out"
check "--binary carries raw bytes unchanged" $? "$scratch/srv.err" "$scratch/cli.err"

# 13: a 200000-byte file sent as one PDU arrives whole, byte for byte.
head -c 200000 /dev/urandom > "$scratch/big.bin"
start_listener --hex -c 1 127.0.0.1:36420
timeout 20 "$CAT" --file "$scratch/big.bin" --ppid diameter 127.0.0.1:36420 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
[[ $cli_rc == 0 && $srv_rc == 0 && $(grep -c '^data ' "$scratch/srv.out") == 1 ]] &&
  grep -q '^data sid=0 ssn=0 ppid=46 len=200000 unordered=0: ' "$scratch/srv.out" &&
  [[ $(sed 's/^data [^:]*: //' "$scratch/srv.out") == "$(od -An -v -tx1 "$scratch/big.bin" | tr -d ' \n')" ]]
check "a file over 64 KiB travels as one message and arrives whole" $? "$scratch/srv.err" "$scratch/cli.err"

# 14: --json: one object per message and event, with stream, ssn, PPID, TSN,
# flags, association id and time.
start_listener --json -e -c 1 127.0.0.1:36421
{ accepted; echo 'x"y'; } | timeout 10 "$CAT" -s 2 -p ngap -u 127.0.0.1:36421 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
python3 - "$scratch/srv.out" > "$scratch/json.check" 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
data = [l for l in lines if l["type"] == "data"]
events = [l for l in lines if l["type"] == "event"]
assert len(data) == 1, data
d = data[0]
assert (d["stream"], d["ssn"], d["ppid"], d["ppid_name"], d["flags"], d["len"], d["payload"]) == \
    (2, 0, 60, "ngap", ["unordered"], 3, 'x"y'), d
assert isinstance(d["tsn"], int) and isinstance(d["assoc"], int) and d["time"].endswith("Z"), d
up = [e for e in events if e["event"] == "ASSOC_CHANGE" and e["state"] == "COMM_UP"]
assert len(up) == 1 and up[0]["assoc"] == d["assoc"] and up[0]["outbound"] == 10, events
PY
json_rc=$?
[[ $cli_rc == 0 && $srv_rc == 0 && $json_rc == 0 ]]
check "--json prints one object per message and event with their fields" $? \
  "$scratch/json.check" "$scratch/srv.out" "$scratch/srv.err" "$scratch/cli.err"

# 15: --load sends COUNT messages of SIZE bytes at the rate asked and prints
# a summary; the peer receives them all. A multi-homed local address and RTO
# and heartbeat options go with it.
start_listener -c 200 127.0.0.1:36422
timeout 20 "$CAT" --load 200 --size 50 --rate 400/s -b 127.0.0.3/127.0.0.4:0 --rto-initial 200 --rto-min 100 \
  --rto-max 500 --hb-interval 1000 127.0.0.1:36422 > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$?
wait "$srv"; srv_rc=$?
elapsed=$(sed -nE 's/^summary messages=200 bytes=10000 elapsed=([0-9.]+)s rate=[0-9.]+\/s .*/\1/p' "$scratch/cli.out")
[[ $cli_rc == 0 && $srv_rc == 0 && -n $elapsed && $(grep -c '^data sid=0 .* len=50 ' "$scratch/srv.out") == 200 ]] &&
  awk -v e="$elapsed" 'BEGIN { exit !(e >= 0.45) }' && grep -q 'associated 127.0.0.3/127.0.0.4:' "$scratch/cli.err"
check "--load 200 --size 50 --rate 400/s: all arrive, summary with count, bytes and elapsed" $? \
  "$scratch/cli.out" "$scratch/cli.err" "$scratch/srv.err"
# RTO bounds the kernel refuses (min above max) fail the dial, naming the options.
timeout 10 "$CAT" --rto-min 500 --rto-max 100 127.0.0.1:36422 < /dev/null > /dev/null 2> "$scratch/rto.err"
[[ $? == 3 ]] && grep -q -- '--rto' "$scratch/rto.err"
check "refused RTO bounds exit 3 naming the options" $? "$scratch/rto.err"

# 15b: an association that ends by ABORT exits 4. The listener is stopped
# before the client comes, so the client's messages wait unread in the
# listener's kernel; killing it then makes that kernel abort the association.
"$CAT" -l -q 127.0.0.1:36426 > "$scratch/srv.out" 2> "$scratch/srv.err" < /dev/null 3>&- &
srv=$!
wait_listening "$scratch/srv.err"
kill -STOP "$srv"
timeout 20 "$CAT" --load 10 --size 100 -c 1 127.0.0.1:36426 > "$scratch/cli.out" 2> "$scratch/cli.err" &
cli=$!
wait_count "$scratch/cli.out" '^summary messages=10 ' 1
kill -KILL "$srv"; wait "$srv" 2>/dev/null
SECONDS=0
wait "$cli"; cli_rc=$? took=$SECONDS
[[ $cli_rc == 4 && $took -le 5 ]] && grep -q 'association with 127.0.0.1:36426 lost: .*Connection reset by peer' "$scratch/cli.err"
check "a peer's ABORT ends the run with 4, naming the peer (rc=$cli_rc)" $? "$scratch/cli.out" "$scratch/cli.err"

# 16: --idle-timeout: a client that hears nothing for 1 s leaves with 5.
start_listener 127.0.0.1:36423
SECONDS=0
timeout 10 "$CAT" -c 1 --idle-timeout 1 127.0.0.1:36423 < /dev/null > "$scratch/cli.out" 2> "$scratch/cli.err"
cli_rc=$? took=$SECONDS
wait "$srv"; srv_rc=$?
[[ $cli_rc == 5 && $srv_rc == 0 && $took -le 4 ]] && grep -q 'idle for 1 s' "$scratch/cli.err"
check "--idle-timeout ends a quiet association with exit 5 (rc=$cli_rc, ${took}s)" $? "$scratch/cli.err" "$scratch/srv.err"

# 17: -l -k serves one association after another, until -c counts both.
# Each client waits for its echo (-c 1): an association that a client had
# already shut down before the listener came back to accept it would be gone
# (Linux drops it from the accept queue), which is not what is tested here.
start_listener -k -E -c 2 127.0.0.1:36424
echo first | timeout 10 "$CAT" -c 1 127.0.0.1:36424 > /dev/null 2> "$scratch/cli1.err"; rc1=$?
echo second | timeout 10 "$CAT" -c 1 127.0.0.1:36424 > /dev/null 2> "$scratch/cli2.err"; rc2=$?
wait "$srv"; srv_rc=$?
[[ $rc1 == 0 && $rc2 == 0 && $srv_rc == 0 ]] &&
  grep -qx 'data sid=0 ssn=0 ppid=0 len=5 unordered=0: first' "$scratch/srv.out" &&
  grep -qx 'data sid=0 ssn=0 ppid=0 len=6 unordered=0: second' "$scratch/srv.out" &&
  [[ $(grep -c '^sctpcat: association from .* ended$' "$scratch/srv.err") == 2 ]] &&
  [[ $(grep -c '^sctpcat: association from [0-9.:]*$' "$scratch/srv.err") == 2 ]]
check "-l -k serves two associations in sequence (rc=$srv_rc)" $? "$scratch/srv.out" "$scratch/srv.err" \
  "$scratch/cli1.err" "$scratch/cli2.err"

echo "1..$n"
exit $((failed > 0))
