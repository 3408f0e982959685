#!/usr/bin/env bash
# The benchmark's short mode as a regression check (run through
# tools/sctp-lab by the 'bench' kernel test): netsctp_bench exits 0 with
# every message checked, every variant reports figures for every size and
# pattern, netsctp-msg allocates nothing per message in the steady state, and
# the scale mode holds a few associations. No timing is asserted.
# Prints TAP. Usage: bench_test.sh PATH/TO/netsctp_bench
set -u
BENCH=$(readlink -f -- "${1:?usage: bench_test.sh PATH/TO/netsctp_bench}")
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
n=0 failed=0
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 25; done
}

timeout 90 "$BENCH" --n 200 --sizes 64,1024 --json "$scratch/b.json" > "$scratch/out" 2> "$scratch/err"
check "netsctp_bench --n 200 --sizes 64,1024 exits 0" $? "$scratch/out" "$scratch/err"

# Every variant the binary offers (its --help lists them) at both sizes and patterns.
python3 - "$scratch/b.json" > "$scratch/figures" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
runs = d['runs']
variants = sorted({r['variant'] for r in runs})
assert {'raw', 'netsctp-msg', 'netsctp-rw', 'netsctp-event'} <= set(variants), variants
bad = []
for v in variants:
    for p in ('stream', 'pingpong', 'wait'):
        for s in (64, 1024):
            m = [r for r in runs if (r['variant'], r['pattern'], r['size']) == (v, p, s)]
            if len(m) != 1 or 'error' in m[0] or not m[0].get('time_per_msg', 0) > 0 or m[0]['window_msgs'] < 100:
                bad.append((v, p, s, m))
print('variants:', ' '.join(variants))
assert not bad, bad
PY
check "every variant reports figures for 64 and 1024 B, stream, ping-pong and wait" $? "$scratch/figures"

python3 - "$scratch/b.json" > "$scratch/allocs" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = [r for r in d['runs'] if r['variant'] == 'netsctp-msg']
for r in m:
    print(r['pattern'], r['size'], 'allocations per message:', r['allocs_per_msg'])
assert m and all(r['allocs_per_msg'] == 0 for r in m)
PY
check "netsctp-msg allocates nothing per message in the steady state" $? "$scratch/allocs"

timeout 60 "$BENCH" --scale 50 --json "$scratch/s.json" > "$scratch/sout" 2> "$scratch/serr" &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["associations"] == 50 and d["fds_per_assoc"] > 0' \
    "$scratch/s.json" 2>> "$scratch/serr"
check "netsctp_bench --scale 50 holds 50 associations and reports their footprint" $? "$scratch/sout" "$scratch/serr"

echo "1..$n"
((failed == 0))
