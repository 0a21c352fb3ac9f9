"""Print the mutation score of each module from mutmut's results in mutants/ (`make mutation`).

A mutant counts as detected when a unit test fails on it (killed) or it runs past mutmut's time
limit (timeout); it is missed when every test passes (survived) or no test runs the changed
function (no tests). The missed ones are listed by name: `mutmut show NAME` prints the change.
Exits with status 1 when fewer than ``--min`` percent (default 90) of all mutants are detected.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

DETECTED = ("killed", "timeout")
MISSED = ("survived", "no tests")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest passing score, percent")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    args = parser.parse_args()
    metas = sorted(args.mutants.glob("d2lutils/*.py.meta"))
    if not metas:
        print(f"no mutmut results under {args.mutants}/: run `make mutation`", file=sys.stderr)
        return 1
    total: Counter[str] = Counter()
    missed: list[str] = []
    print(f"{'module':<28}{'mutants':>8}{'killed':>8}{'timeout':>8}{'survived':>9}"
          f"{'no tests':>9}{'other':>6}{'score':>8}")
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status_by_exit_code[code] for code in codes.values())
        other = sum(n for s, n in counts.items() if s not in DETECTED + MISSED)
        score = 100 * sum(counts[s] for s in DETECTED) / max(len(codes), 1)
        print(f"{meta.name.removesuffix('.meta'):<28}{len(codes):>8}{counts['killed']:>8}"
              f"{counts['timeout']:>8}{counts['survived']:>9}{counts['no tests']:>9}{other:>6}"
              f"{score:>7.1f}%")
        total += counts
        total["all"] += len(codes)
        missed += [f"{name}: {status_by_exit_code[code]}" for name, code in codes.items()
                   if status_by_exit_code[code] not in DETECTED]
    score = 100 * sum(total[s] for s in DETECTED) / max(total["all"], 1)
    print(f"{'all':<28}{total['all']:>8}{total['killed']:>8}{total['timeout']:>8}"
          f"{total['survived']:>9}{total['no tests']:>9}"
          f"{total['all'] - sum(total[s] for s in DETECTED + MISSED):>6}{score:>7.1f}%")
    if missed:
        print("not detected:", *sorted(missed), sep="\n  ")
    if score < args.min:
        print(f"mutation score {score:.1f}% is below {args.min:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
