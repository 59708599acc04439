"""One chunk of events: interactions -> detector -> hits (Parquet).

The vertex sits at x, y within a few cells of the map centre and 2-6 planes into the
detector (the pixel-map window starts at plane 0). Hits carry the event, plane, cell,
view, photo-electrons, true deposited energy, the index of the true particle that
deposited most of the cell's energy and that particle's pid (111 for pi0 photons).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.neutrino.beam import Beam
from attnphys.neutrino.detector import Detector, digitise, simulate_particles
from attnphys.neutrino.generate import generate
from attnphys.seeding import pythia_and_detector
from attnphys.stage_options import add_output, add_seed_option

HIT_COLUMNS = ("event", "plane", "cell", "view", "pe", "edep", "particle", "pid")


def simulate_chunk(n_per_class: int, beam: Beam, axial_mass: float, det: Detector, seed: int,
                   chunk: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, hits) of ``n_per_class`` events per class; event ids are unique over chunks."""
    events, particles = generate(n_per_class, beam, axial_mass, seed, chunk=chunk)
    offset = chunk * 4 * n_per_class
    events["event"] += offset
    particles["event"] += offset
    _, rng = pythia_and_detector(seed, "neutrino", "simulate", chunk)
    n = len(events)
    vertex = np.stack([rng.uniform(-2, 2, n) * det.cell_width, rng.uniform(-2, 2, n) * det.cell_width,
                       rng.uniform(2, 6, n) * det.plane_depth], axis=1)
    events["vx"], events["vy"], events["vz"] = vertex.T
    grouped = particles.groupby("event", sort=True)
    hits, visible = [], np.zeros(n)
    for k, (ev, parts) in enumerate(tqdm(grouped, total=n, desc="detector", mininterval=2.0)):
        dep, labels = simulate_particles(det, vertex[k], parts["pid"].to_numpy(),
                                         parts[["e", "px", "py", "pz"]].to_numpy(), rng)
        h = digitise(det, *dep.arrays(), rng)
        h["pid"] = np.asarray(labels, dtype=np.int64)[h["particle"]] if len(labels) else h["particle"]
        h["event"] = np.full(len(h["pe"]), ev, dtype=np.int64)
        visible[k] = h["pe"].sum()
        hits.append(pd.DataFrame({c: h[c] for c in HIT_COLUMNS}))
    events["pe_total"] = visible
    return events, pd.concat(hits, ignore_index=True)


def simulate(n_per_class: int, beam: Beam, axial_mass: float, det: Detector, seed: int, chunk: int,
             out_events: Path, out_hits: Path) -> None:
    """The ``simulate`` stage: one chunk's events and hits, written as Parquet."""
    if n_per_class < 1:
        raise ValueError(f"--events-per-class must be >= 1 (got {n_per_class})")
    if axial_mass <= 0:
        raise ValueError(f"--axial-mass must be positive (got {axial_mass})")
    events, hits = simulate_chunk(n_per_class, beam, axial_mass, det, seed, chunk)
    with atomic_path(out_events) as tmp:
        events.to_parquet(tmp, index=False)
    with atomic_path(out_hits) as tmp:
        hits.to_parquet(tmp, index=False)


def _run(args: argparse.Namespace) -> None:
    simulate(args.events_per_class, Beam(**json.loads(args.beam)), args.axial_mass,
             Detector(**json.loads(args.detector)), args.seed, args.chunk, args.out_events, args.out_hits)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="interactions (Pythia for DIS and tau) -> detector -> hits Parquet")
    p.add_argument("--events-per-class", type=int, required=True)
    add_seed_option(p, required=True)
    p.add_argument("--chunk", type=int, required=True, help="chunk number (seeds it; event ids unique)")
    p.add_argument("--axial-mass", type=float, default=1.0, help="dipole axial mass M_A [GeV]")
    p.add_argument("--beam", default="{}", help="JSON of Beam fields")
    p.add_argument("--detector", default="{}", help="JSON of Detector fields")
    add_output(p, "events", "events Parquet to write")
    add_output(p, "hits", "hits Parquet to write")
    p.set_defaults(func=_run)
