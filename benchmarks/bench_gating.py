"""Benchmark of the exact capacity counts (attnphys.gating.capacity).

Times the integer-weight enumeration of threshold functions for n = 1..5 (n = 5 must give
OEIS A000609's 94572) and the gated count for n = 4, against the baseline measured in the
same run: linear-programming separability of every one of the 2^16 functions of 4 inputs,
extrapolated from a random sample (``--lp-all`` runs all 65536 LPs and checks the sets agree).

    OMP_NUM_THREADS=1 python benchmarks/bench_gating.py [--repeat 3] [--lp-sample 2000] [--lp-all]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from attnphys.gating.capacity import (
    gated_membership,
    is_linearly_separable,
    muroga_bound,
    threshold_functions,
)

A000609 = {1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572}


def best_time(function, repeat: int):
    """Smallest wall time over ``repeat`` calls, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lp-sample", type=int, default=2000)
    parser.add_argument("--lp-all", action="store_true", help="LP on all 65536 functions of n=4")
    parser.add_argument("--seed", type=int, default=20220201)
    args = parser.parse_args()

    print("threshold functions by enumeration of |w_i| <= B (Muroga bound)")
    print(f"{'n':>2} {'B':>3} {'vectors':>10} {'count':>7} {'A000609':>8} {'seconds':>9}")
    enumeration = {}
    for n in range(1, 6):
        seconds, tables = best_time(lambda n=n: threshold_functions(n), 1 if n == 5 else args.repeat)
        enumeration[n] = (seconds, tables)
        vectors = (2 * muroga_bound(n) + 1) ** (n + 1)
        status = "ok" if len(tables) == A000609[n] else "MISMATCH"
        print(f"{n:>2} {muroga_bound(n):>3} {vectors:>10} {len(tables):>7} {A000609[n]:>8} "
              f"{seconds:>9.4f} {status}")

    threshold4 = enumeration[4][1]
    gated_seconds, member = best_time(lambda: gated_membership(threshold4, 4), args.repeat)
    print(f"\ngated count n=4: {int(member.sum())} in {gated_seconds:.4f} s "
          f"({len(threshold4) ** 2} ordered pairs)")

    rng = np.random.default_rng(args.seed)
    sample = rng.choice(2**16, size=args.lp_sample, replace=False)
    start = time.perf_counter()
    for table in sample.tolist():
        is_linearly_separable(table, 4)
    per_lp = (time.perf_counter() - start) / len(sample)
    lp_total = per_lp * 2**16
    enum_total = enumeration[4][0] + gated_seconds
    print(f"\nbaseline: LP separability, {per_lp * 1e3:.3f} ms per function "
          f"-> {lp_total:.1f} s for all 2^16 functions of n=4 (from {len(sample)} sampled)")
    print(f"enumeration n=4: {enumeration[4][0]:.4f} s; speed-up over LP baseline: "
          f"{lp_total / enumeration[4][0]:.0f}x (with gated count: {lp_total / enum_total:.0f}x)")

    if args.lp_all:
        start = time.perf_counter()
        separable = [t for t in range(2**16) if is_linearly_separable(t, 4)]
        seconds = time.perf_counter() - start
        agree = separable == threshold4.tolist()
        print(f"LP on all 65536: {len(separable)} separable in {seconds:.1f} s; "
              f"sets {'agree' if agree else 'DISAGREE'} with the enumeration")


if __name__ == "__main__":
    main()
