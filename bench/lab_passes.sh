#!/usr/bin/env bash
# lab_passes.sh: the passes of tools/bench, run inside one lab boot
# (sctp-lab run ... -- bench/lab_passes.sh BENCH SCALE ARGS...).
#
#   1. timed: netsctp_bench ARGS (its table on standard error);
#   2. system calls, in a pass of their own so that counting costs nothing in
#      the timed one: a perf counter per thread (--count-syscalls) where the
#      kernel has perf events and tracefs (the qemu lab), else strace -f with
#      window markers (--mark), counted by results.py; N at most 1000 in
#      this pass (the figure is per message of each side's window, which
#      N does not change; strace slows every call);
#   3. scale: netsctp_bench --scale SCALE (skipped when SCALE is 0).
#
# Prints one JSON object on standard output: {"timed": ..., "syscalls": ...,
# "scale": ..., "status": {...}} (the lab's files may be read-only: results
# leave through standard output). Exits 1 when any pass failed.
set -u -o pipefail

bench=$1 scale=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=${TMPDIR:-/tmp}
say() { printf '== %s\n' "$*" >&2; }

say "timed pass (lab ${SCTP_LAB:-?}${SCTP_LAB_ICOUNT:+, icount})"
"$bench" "$@" --json "$tmp/timed.json" >&2
timed_rc=$?

# The system-call pass's N: at most 1000 (the last --n wins in netsctp_bench's options).
n=1000
args=("$@")
for ((i = 0; i < ${#args[@]} - 1; i++)); do
  if [[ ${args[i]} == --n ]] && ((args[i + 1] < n)); then n=${args[i + 1]}; fi
done
say "system-call pass (N=$n)"
if { mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing; } 2>/dev/null &&
   [[ -r /sys/kernel/tracing/events/raw_syscalls/sys_enter/id ]]; then
  "$bench" "$@" --n "$n" --count-syscalls --quiet --json "$tmp/syscalls.json" >&2
  sys_rc=$?
elif command -v strace >/dev/null; then
  say "no perf tracepoint in this kernel: strace -f with window markers instead"
  strace -f -qq -o "$tmp/s.log" "$bench" "$@" --n "$n" --mark --quiet --json "$tmp/s.json" >&2
  sys_rc=$?
  python3 "$here/results.py" count --lab "${SCTP_LAB:-?}" --n "$n" "$tmp/s.log" > "$tmp/syscalls.json" || sys_rc=1
else
  say "neither a perf tracepoint nor strace: no system-call counts"
  sys_rc=1
fi

scale_rc=0
if [[ $scale != 0 ]]; then
  say "scale pass: $scale associations"
  "$bench" --scale "$scale" --json "$tmp/scale.json" >&2
  scale_rc=$?
fi

python3 - "$tmp" "$timed_rc" "$sys_rc" "$scale_rc" <<'EOF'
import json, os, sys
tmp = sys.argv[1]
out = {'status': {'timed': int(sys.argv[2]), 'syscalls': int(sys.argv[3]), 'scale': int(sys.argv[4])}}
for name in ('timed', 'syscalls', 'scale'):
    path = os.path.join(tmp, name + '.json')
    try:
        with open(path) as f:
            out[name] = json.load(f)
    except (OSError, ValueError):
        pass
json.dump(out, sys.stdout)
sys.stdout.write('\n')
EOF
((timed_rc == 0 && sys_rc == 0 && scale_rc == 0))
