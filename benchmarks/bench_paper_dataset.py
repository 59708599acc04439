"""The paper-dataset stage on a file of the published size: time and peak memory against the
size of the file's towers, measured in the same run.

    python benchmarks/bench_paper_dataset.py SMALL.h5 [--jets 108359] [--work DIR]

``SMALL.h5`` is a file in the published layout (``attnphys jets paper-layout`` writes one from
our simulated dataset); its jets are tiled, chunk by chunk, up to ``--jets`` (the published
file holds 108,359) into ``DIR/tiled.h5``, then ``attnphys.jets.paper_dataset`` converts it.
Printed: jets/s of the conversion against jets/s of a bare h5py read of the same towers (the
floor any reader pays), and the peak resident memory against the size of
``Constituents/threeM`` (streaming keeps the ratio well below 1; holding the towers several
times over would put it above 2). The tau_N check is off (``--check-jets 0``): it costs the
same at any file size.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from attnphys.jets.paper_dataset import CHUNK, JET_KEYS, NSUBS_KEYS, TOWERS_KEY, PaperFiles, build_paper_dataset


def tile(small: Path, out: Path, n_jets: int) -> None:
    """``out``: the jets of ``small`` repeated up to ``n_jets``, written one chunk at a time."""
    with h5py.File(small, "r") as src, h5py.File(out, "w") as dst:
        keys = ["target", *JET_KEYS, TOWERS_KEY, *NSUBS_KEYS.values()]
        n_small = src["target"].shape[0]
        for key in keys:
            shape = (n_jets, *src[key].shape[1:])
            dst.create_dataset(key, shape=shape, dtype=src[key].dtype, chunks=(min(CHUNK, n_jets), *shape[1:]))
            values = src[key][()]
            for start in range(0, n_jets, CHUNK):
                stop = min(start + CHUNK, n_jets)
                dst[key][start:stop] = values[np.arange(start, stop) % n_small]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small", type=Path)
    parser.add_argument("--jets", type=int, default=108_359)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_paper_"))
    big = work / "tiled.h5"
    tile(args.small, big, args.jets)
    with h5py.File(big, "r") as f:
        towers_bytes = f[TOWERS_KEY].size * f[TOWERS_KEY].dtype.itemsize
        start = time.perf_counter()
        for s in range(0, args.jets, CHUNK):
            f[TOWERS_KEY][s:s + CHUNK]
        read_s = time.perf_counter() - start
    classes = ["1", "2", "3", "4b", "4q", "6", "8"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    build_paper_dataset(big, PaperFiles.in_folder(work / "dataset"), classes, check_jets=0)
    convert_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"jets {args.jets:,}; towers array {towers_bytes / 2**20:.0f} MiB")
    print(f"bare h5py read of the towers: {args.jets / read_s:,.0f} jets/s ({read_s:.1f} s)")
    print(f"paper-dataset conversion: {args.jets / convert_s:,.0f} jets/s ({convert_s:.1f} s), "
          f"{read_s / convert_s:.3f} of the read rate")
    print(f"peak resident memory {peak / 2**20:.0f} MiB (before the conversion {before / 2**20:.0f} MiB): the "
          f"conversion added {(peak - before) / towers_bytes:.2f} x the towers array")


if __name__ == "__main__":
    main()
