"""Cost of a generation job against bare Pythia on the same settings, measured in one run.

    OMP_NUM_THREADS=1 python benchmarks/bench_generate.py [--class 2] [--events 300]

Prints events/s of ``generate_chunk`` (Pythia + event record + calorimeter + ROOT write)
and of a bare ``pythia.next()`` loop, both including ``init()``, and their ratio
(target: the job costs at most 1.3x the bare loop). The two alternate twice to even out
load drift on a shared machine; the best of each is reported.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from attnphys.event_record import start_pythia
from attnphys.jets.generate import generate_chunk
from attnphys.jets.prong_classes import prong_class
from attnphys.seeding import pythia_and_detector


def bare_loop(cls: str, n_events: int, seed: int) -> float:
    began = time.perf_counter()
    pythia = start_pythia(prong_class(cls).settings, pythia_and_detector(seed, "jets", "generate", cls, 0)[0])
    for _ in range(n_events):
        pythia.next()
    return n_events / (time.perf_counter() - began)


def job(cls: str, n_events: int, seed: int, out: Path) -> float:
    """Events/s of the job on the same events as the bare loop (the pre-selection, which
    replaces vetoed events by new ones, is measured by bench_jet_yield.py)."""
    return generate_chunk(cls, 0, n_events, seed, out, preselect=False).events_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class", dest="cls", default="2")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bare, full = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):
            bare.append(bare_loop(args.cls, args.events, args.seed))
            full.append(job(args.cls, args.events, args.seed, Path(tmp) / "chunk.root"))
    print(f"class {args.cls}, {args.events} events per run, best of 2")
    print(f"bare pythia.next() loop : {max(bare):8.1f} events/s")
    print(f"generation job          : {max(full):8.1f} events/s")
    print(f"cost ratio job / bare   : {max(bare) / max(full):8.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
