"""Time to solve one neutron-star M-R curve (target: under 50 ms).

Measures ``mass_radius_curve`` (all central pressures stacked in one vectorised
solve_ivp run) for SLy and a spectral EOS, and, as the baseline in the same run, the
same stars solved one central pressure at a time. Prints milliseconds per curve and the
speed-up ratio.

    OMP_NUM_THREADS=1 python benchmarks/bench_tov.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from attnphys.neutron_stars.eos import SLY_READ, read_polytrope, spectral_table
from attnphys.neutron_stars.tov import LOG10_PC_RANGE, N_CURVE, mass_radius_curve, solve_stars
from attnphys.neutron_stars.units import KM2_PER_DYN_CM2

TARGET_MS = 50.0


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    tables = {"SLy (Read et al. 2009)": read_polytrope(*SLY_READ).table(),
              "spectral (1.2, -0.05)": spectral_table([1.2, -0.05])}
    p_centre = np.geomspace(10 ** LOG10_PC_RANGE[0], 10 ** LOG10_PC_RANGE[1], N_CURVE) * KM2_PER_DYN_CM2
    print(f"one M-R curve = {N_CURVE} stars, log10 p_c in {LOG10_PC_RANGE} dyn/cm^2; median of {args.repeats}")
    for name, table in tables.items():
        pcs = np.minimum(p_centre, table.p_max)
        curve = _median_ms(lambda: mass_radius_curve(table), args.repeats)
        table_ms = _median_ms(lambda: spectral_table([1.2, -0.05]), args.repeats)
        one_by_one = _median_ms(lambda: [solve_stars(table, pcs[i : i + 1]) for i in range(len(pcs))],
                                max(3, args.repeats // 5))
        verdict = "meets" if curve < TARGET_MS else "MISSES"
        print(f"{name:24s} vectorised {curve:7.2f} ms/curve | star by star {one_by_one:7.1f} ms/curve | "
              f"ratio {one_by_one / curve:5.1f}x | {verdict} the {TARGET_MS:.0f} ms target")
    print(f"building a spectral EOS table: {table_ms:.2f} ms")
    print(f"100k curves at this speed: {1e5 * curve / 1e3 / 60:.1f} min on one core")


if __name__ == "__main__":
    main()
