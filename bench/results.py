#!/usr/bin/env python3
"""Counting and merging for tools/bench (docs/benchmark.md).

  results.py count [--lab LAB] [--n N] STRACE_LOG
      System calls per steady window, from the log of `strace -f -qq -o LOG
      netsctp_bench --mark ...`: for every thread, the calls it made between
      its own begin and end markers: neither the markers nor the window's
      own two clock reads (system calls where the lab has no vDSO, as in
      user-mode Linux) count.
      Prints JSON: {"method": ..., "lab": LAB, "n": N, "counts":
      {"variant/pattern/size": {"client": [calls, msgs], "server": [calls, msgs]}}}.

  results.py merge --timed T.json [--syscalls S.json] [--scale SC.json]
                   [--note TEXT] --json OUT.json --md OUT.md --plot-dir DIR
      One result set: the timed pass's figures, each with its system calls
      per message (both sides added, each over its own window) and the scale
      figures; a Markdown table; gnuplot data (ratio to raw, one file per
      pattern: one row per variant, one column per size).
"""
import argparse
import json
import re
import sys

MARK = re.compile(r'^(\d+)\s+access\("/netsctp-bench-mark/([^"]+)"')
LINE = re.compile(r'^(\d+)\s+(.*)$')


def count(path):
    open_windows = {}  # tid -> [key, side, calls, first call, last call]
    out = {}
    with open(path, errors='replace') as f:
        for line in f:
            m = MARK.match(line)
            if m:
                tid, mark = m.group(1), m.group(2)
                parts = mark.split('/')
                # variant/pattern/size/side/begin or .../side/end/MSGS
                if len(parts) >= 5 and parts[4] == 'begin':
                    open_windows[tid] = ['/'.join(parts[:3]), parts[3], 0, None, None]
                elif len(parts) >= 6 and parts[4] == 'end' and tid in open_windows:
                    key, side, calls, first, last = open_windows.pop(tid)
                    # The bench reads the clock right after its begin marker
                    # and right before its end marker.
                    calls -= (first == 'clock_gettime') + (last == 'clock_gettime' and calls > 1)
                    out.setdefault(key, {})[side] = [calls, int(parts[5])]
                continue
            m = LINE.match(line)
            if not m or m.group(1) not in open_windows:
                continue
            rest = m.group(2)
            # A call strace split in two is counted at its start only; exits
            # and signals are not calls.
            if rest.startswith('<...') or rest.startswith('+++') or rest.startswith('---'):
                continue
            w = open_windows[m.group(1)]
            name = rest.split('(', 1)[0]
            w[2] += 1
            if w[3] is None:
                w[3] = name
            w[4] = name
    return out


def per_msg(sides):
    total = 0.0
    for side in ('client', 'server'):
        if side not in sides or sides[side][1] <= 0:
            return None
        total += sides[side][0] / sides[side][1]
    return total


def size_label(size):
    return f'{size // 1024} KiB' if size >= 1024 and size % 1024 == 0 else f'{size} B'


def merge(args):
    with open(args.timed) as f:
        timed = json.load(f)
    syscalls = {}
    sys_meta = None
    if args.syscalls:
        with open(args.syscalls) as f:
            sys_meta = json.load(f)
        if 'runs' in sys_meta:  # a bench pass with --count-syscalls
            syscalls = {f"{r['variant']}/{r['pattern']}/{r['size']}": r['syscalls']
                        for r in sys_meta['runs'] if 'syscalls' in r}
            sys_meta = {'method': 'perf counter on raw_syscalls:sys_enter, per thread, in a separate pass',
                        'lab': sys_meta.get('lab'), 'n': sys_meta.get('n')}
        else:  # results.py count over a strace log, wrapped by tools/bench
            syscalls = sys_meta.get('counts', {})
    scale = None
    if args.scale:
        with open(args.scale) as f:
            scale = json.load(f)

    icount = timed.get('icount', False)
    for r in timed['runs']:
        key = f"{r['variant']}/{r['pattern']}/{r['size']}"
        sides = syscalls.get(key)
        if sides:
            r['syscalls_per_msg'] = per_msg(sides)
            r['syscalls'] = sides
            for side in ('client', 'server'):
                if side in sides and sides[side][1] > 0:
                    r[f'syscalls_{side}_per_msg'] = sides[side][0] / sides[side][1]
    merged = dict(timed)
    if sys_meta:
        merged['syscall_pass'] = {k: v for k, v in sys_meta.items() if k != 'counts'}
    if scale:
        merged['scale'] = scale
    if args.note:
        merged['note'] = args.note
    with open(args.json, 'w') as f:
        json.dump(merged, f, indent=2)
        f.write('\n')

    unit = 'k instr/msg' if icount else 'ns/msg'
    lines = []
    lab = timed.get('lab', '?')
    lines.append(f"# netsctp benchmark results\n")
    if args.note:
        lines.append(f"{args.note}\n")
    lines.append(f"Lab: **{lab}**{' with icount (time = guest instructions)' if icount else ' (emulated wall time: not a native speed)' if lab != 'native' else ''}; "
                 f"N = {timed.get('n')} messages per run, steady window N/10..N; sender and receiver are two threads "
                 f"of one process. Ping-pong figures are per round trip. System calls per message: both sides, "
                 f"counted by the kernel"
                 + (f" ({sys_meta.get('method')}; N = {sys_meta.get('n')}, lab {sys_meta.get('lab')})" if sys_meta else ' (not run)')
                 + "; allocations per message: both sides, global operator new replaced.\n")
    lines.append(f"| pattern | size | variant | {unit} | msg/s | syscalls/msg | allocs/msg | vs raw |")
    lines.append('|---|---:|---|---:|---:|---:|---:|---:|')
    for r in timed['runs']:
        if 'error' in r:
            lines.append(f"| {r['pattern']} | {r['size']} | {r['variant']} | ERROR: {r['error']} | | | | |")
            continue
        t = r['time_per_msg'] / 1000 if icount else r['time_per_msg']
        sc = r.get('syscalls_per_msg')
        sc_text = f'{sc:.2f}' if sc is not None else '-'
        ratio = r.get('ratio_to_raw', 0)
        lines.append(f"| {r['pattern']} | {r['size']} | {r['variant']} | {t:.1f} | {r['msgs_per_s']:.0f} | "
                     f"{sc_text} | {r['allocs_per_msg']:.3f} | {ratio:.3f} |")
    if scale:
        lines.append('')
        lines.append(f"Scale ({scale.get('associations')} associations, both ends in one process, lab "
                     f"{scale.get('lab')}): user-space heap {scale.get('heap_per_conn'):.0f} B per SctpConn "
                     f"({scale.get('heap_per_assoc'):.0f} B per association, both ends) + sizeof(SctpConn) "
                     f"{scale.get('sizeof_sctpconn')} B; {scale.get('fds_per_assoc'):.2f} descriptors per "
                     f"association (both ends); kernel slab {scale.get('slab_kib_per_assoc'):.1f} KiB per "
                     f"association (both ends, machine-wide).")
    with open(args.md, 'w') as f:
        f.write('\n'.join(lines) + '\n')

    # gnuplot data: per pattern, rows = variants other than raw, columns = sizes.
    sizes = sorted({r['size'] for r in timed['runs']})
    variants = []
    for r in timed['runs']:
        if r['variant'] != 'raw' and r['variant'] not in variants:
            variants.append(r['variant'])
    for pattern in ('stream', 'pingpong', 'wait'):
        with open(f'{args.plot_dir}/{pattern}.dat', 'w') as f:
            f.write('variant ' + ' '.join(f'"{size_label(s)}"' for s in sizes) + '\n')
            for v in variants:
                row = []
                for s in sizes:
                    match = [r for r in timed['runs']
                             if r['variant'] == v and r['pattern'] == pattern and r['size'] == s and 'error' not in r]
                    row.append(f"{match[0]['ratio_to_raw']:.4f}" if match and match[0].get('ratio_to_raw') else '-')
                f.write(f'{v.replace("netsctp-", "")} ' + ' '.join(row) + '\n')
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('count')
    c.add_argument('--lab')
    c.add_argument('--n', type=int)
    c.add_argument('log')
    m = sub.add_parser('merge')
    m.add_argument('--timed', required=True)
    m.add_argument('--syscalls')
    m.add_argument('--scale')
    m.add_argument('--note')
    m.add_argument('--json', required=True)
    m.add_argument('--md', required=True)
    m.add_argument('--plot-dir', required=True)
    args = p.parse_args()
    if args.cmd == 'count':
        json.dump({'method': 'strace -f, per thread between its window markers, in a separate pass',
                   'lab': args.lab, 'n': args.n, 'counts': count(args.log)}, sys.stdout, indent=1)
        sys.stdout.write('\n')
        return 0
    return merge(args)


if __name__ == '__main__':
    sys.exit(main())
