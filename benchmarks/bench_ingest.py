"""Benchmark: ingest and features against generation, on one core, measured in the same run.

Generates one chunk per class with ``attnphys.jets.generate.generate_chunk`` (the baseline),
then times on the same files: the raw uproot read of the leaves ingest needs, anti-kT
clustering alone, the whole ingest stage, and the dataset stage (N-subjettiness, padding,
Parquet). Rates are per core (run single-threaded). Target: ingest + features cost at most
a tenth of generation per selected jet.

    OMP_NUM_THREADS=1 python benchmarks/bench_ingest.py [--events 300] [--classes 1 2]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy loads

import argparse
import logging
import tempfile
import time
from pathlib import Path

import awkward as ak
import pyarrow as pa
import pyarrow.parquet as pq

from attnphys.detector.delphes_tree import open_delphes
from attnphys.detector.jets import cluster
from attnphys.jets.dataset import FEATURE_BATCH, DatasetFiles, build_dataset
from attnphys.jets.generate import generate_chunk
from attnphys.jets.ingest import COLLECTIONS, ingest
from attnphys.jets.nsubjettiness import nsubjettiness


def best_of(repeats: int, func) -> float:
    """Shortest wall time of ``repeats`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300, help="events per class chunk")
    parser.add_argument("--classes", nargs="+", default=["1", "2"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        run(args, Path(tmp))


def run(args, folder: Path) -> None:
    roots, towers = [], []
    t_gen = 0.0
    for cls in args.classes:
        t_gen += generate_chunk(cls, 0, args.events, 12345, folder / f"{cls}.root").seconds
        roots.append((cls, folder / f"{cls}.root"))
    n_events = args.events * len(args.classes)
    megabytes = sum(p.stat().st_size for _, p in roots) / 1e6

    def read_all():
        for _, path in roots:
            with open_delphes(path, COLLECTIONS) as events:
                for _ in events.steps():
                    pass

    def cluster_all():
        for _, path in roots:
            with open_delphes(path, COLLECTIONS) as events:
                for _, records in events.steps():
                    tow = records["Tower"]
                    cluster(tow.ET, tow.Eta, tow.Phi, 1.2)

    selected = 0

    def ingest_all():
        nonlocal selected
        selected = 0
        towers.clear()
        for cls, path in roots:
            out = folder / f"{cls}.parquet"
            selected += ingest(path, cls, out)
            towers.append(out)

    read_all()  # warm caches and imports before timing
    t_read = best_of(args.repeats, read_all)
    t_cluster = best_of(args.repeats, cluster_all)
    t_ingest = best_of(args.repeats, ingest_all)
    if selected == 0:
        raise SystemExit("no jet passed the selection; raise --events")

    # Features as the dataset stage computes them: batches of thousands of jets (the selected
    # jets tiled), so FastJet's fixed per-call cost is amortised as in a real run.
    jets = pa.concat_tables([pq.read_table(p, columns=["tower_pt", "tower_eta", "tower_phi"]) for p in towers])
    tiled = pa.concat_tables([jets] * max(1, -(-FEATURE_BATCH // jets.num_rows)))
    lists = [ak.from_arrow(tiled[c]) for c in tiled.column_names]
    t_tau = best_of(args.repeats, lambda: nsubjettiness(*lists)) * selected / tiled.num_rows
    summary = {}

    def dataset_stage():
        summary.update(build_dataset(towers, DatasetFiles.in_folder(folder / "dataset"), list(args.classes),
                                     jets_per_class=10**9, flatten_bins=(1, 1)))

    t_dataset = best_of(args.repeats, dataset_stage)
    written = summary["final_per_class"] * len(args.classes)

    print(f"{n_events} events ({megabytes:.1f} MB ROOT), {selected} selected jets "
          f"(acceptance {selected / n_events:.3f}), classes {args.classes}, one core")
    print(f"{'step':40s} {'events/s':>9s} {'jets/s':>9s} {'ms/jet':>8s}")
    rows = (("generation (Pythia + calorimeter + ROOT)", t_gen, selected),
            ("raw uproot read (Tower + Particle)", t_read, selected),
            ("anti-kT clustering (incl. read)", t_cluster, selected),
            ("ingest stage (read+cluster+truth+write)", t_ingest, selected),
            (f"N-subjettiness x16 ({tiled.num_rows}-jet batches)", t_tau, selected),
            (f"dataset stage, {written} jets out", t_dataset, written))
    for name, t, jets_done in rows:
        events = f"{n_events / t:9.0f}" if jets_done == selected else f"{'-':>9s}"
        print(f"{name:40s} {events} {jets_done / t:9.1f} {1e3 * t / jets_done:8.2f}")
    print(f"raw uproot read: {megabytes / t_read:.1f} MB/s")
    downstream = t_ingest + t_tau
    print(f"generation / (ingest + features), per selected jet = {t_gen / downstream:.1f}x (target >= 10x)")
    parts = {"uproot read": t_read, "clustering": t_cluster - t_read,
             "truth + selection + Parquet": t_ingest - t_cluster, "N-subjettiness": t_tau}
    print("ingest + features time shares: "
          + ", ".join(f"{k} {100 * max(v, 0.0) / downstream:.0f}%" for k, v in parts.items()))


if __name__ == "__main__":
    main()
