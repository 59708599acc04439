"""(px, py, pz, E) -> (pT, eta, phi, mass): attnphys.kinematics against the ``vector`` package.

Same random momenta, same run; prints the median time of each and the ratio vector / ours
(above 1: ours is faster, the reason the package keeps its own module).

    OMP_NUM_THREADS=1 python benchmarks/bench_kinematics.py [--particles 2000000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import vector

from attnphys.kinematics import pt_eta_phi_mass


def _median_s(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--particles", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    px, py, pz = np.random.default_rng(0).normal(0.0, 10.0, (3, args.particles))
    e = np.sqrt(px**2 + py**2 + pz**2 + 1.0)

    def ours():
        return pt_eta_phi_mass(px, py, pz, e)

    def theirs():
        v = vector.array({"px": px, "py": py, "pz": pz, "E": e})
        return v.pt, v.eta, v.phi, v.mass

    np.testing.assert_allclose(np.stack(ours()), np.stack(theirs()), rtol=1e-9, atol=1e-9)
    t_ours, t_vector = _median_s(ours, args.repeats), _median_s(theirs, args.repeats)
    print(f"{args.particles} particles: attnphys.kinematics {t_ours * 1e3:.0f} ms, vector {t_vector * 1e3:.0f} ms, "
          f"ratio {t_vector / t_ours:.2f}")


if __name__ == "__main__":
    main()
