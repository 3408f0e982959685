#!/usr/bin/env python3
"""Counts test cases across meson test logs and prints 'N passed, N failed'.

Every test binary prints TAP with one line per test case; a binary that dies
before reporting (crash, time limit, lab failure) counts as one failure more
than the failures it printed. A test that prints no TAP (the fuzzer) counts
as one case. A skipped test counts as failed: no test here
may be skipped, least of all a kernel test.
Usage: test-summary.py build/meson-logs/testlog.json [more logs...]
"""
import json
import re
import sys

OK = re.compile(r"^ok \d+")
NOT_OK = re.compile(r"^not ok \d+")
GOOD_RESULTS = {"OK", "EXPECTEDFAIL"}


def main(paths):
    passed = failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                t = json.loads(line)
                lines = (t.get("stdout") or "").splitlines()
                ok = sum(1 for l in lines if OK.match(l))
                bad = sum(1 for l in lines if NOT_OK.match(l))
                if ok == 0 and bad == 0 and t["result"] in GOOD_RESULTS:
                    ok = 1  # a plain exit-code test (e.g. the fuzzer): one case
                if t["result"] not in GOOD_RESULTS and bad == 0:
                    bad = 1
                    print(f"{t['name']}: {t['result']} without a failing case reported", file=sys.stderr)
                passed += ok
                failed += bad
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
