"""Stage ``jets generate``: one chunk of Pythia 8 events of one prong class -> Delphes-layout ROOT.

``generate_chunk(cls, chunk, n_events, seed, out)`` generates ``n_events`` events of class
``cls`` (see ``attnphys.jets.prong_classes``), passes their final state through the
ATLAS-like calorimeter (``attnphys.detector.calorimeter``) and writes towers plus the
hard-process record to ``out`` (layout: ``attnphys.detector.delphes_tree``).

Reproducible: the Pythia seed and the detector's random generator both derive from
``numpy.random.SeedSequence`` over (seed, "jets/generate", class label, chunk), so a
chunk's content depends on nothing else (not on how many chunks a run has).
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np
from tqdm import tqdm

from attnphys.detector.calorimeter import make_towers
from attnphys.detector.delphes_tree import write_chunk
from attnphys.event_record import SEED_MAX, final_state, generate_events, hard_process, start_pythia
from attnphys.jets.prong_classes import CLASS_NAMES, prong_class

log = logging.getLogger(__name__)

BATCH = 100  # events per nextBatch call: one progress-bar step, one detector pass
_STAGE_KEY = zlib.crc32(b"jets/generate")


@dataclass(frozen=True)
class GenerationSummary:
    cls: str
    chunk: int
    events: int
    pythia_seed: int
    seconds: float
    towers_per_event: float
    out: Path

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds


def chunk_seeds(seed: int, cls: str, chunk: int) -> tuple[int, np.random.Generator]:
    """(Pythia seed in 1..900000000, detector generator) for one chunk of one class."""
    if seed < 0 or chunk < 0:
        raise ValueError(f"seed ({seed}) and chunk ({chunk}) must be non-negative")
    entropy = [seed, _STAGE_KEY, prong_class(cls).label, chunk]
    pythia_ss, detector_ss = np.random.SeedSequence(entropy).spawn(2)
    pythia_seed = int(pythia_ss.generate_state(1, dtype=np.uint64)[0] % SEED_MAX) + 1
    return pythia_seed, np.random.default_rng(detector_ss)


def generate_chunk(cls: str, chunk: int, n_events: int, seed: int, out: Path) -> GenerationSummary:
    """Generate, simulate and write one chunk; returns what was done and how fast."""
    if n_events < 1:
        raise ValueError(f"--events must be positive, got {n_events}")
    definition = prong_class(cls)
    pythia_seed, rng = chunk_seeds(seed, cls, chunk)
    began = time.perf_counter()
    pythia = start_pythia(definition.settings, pythia_seed)
    towers, particles = [], []
    with tqdm(total=n_events, desc=f"class {cls} chunk {chunk}", unit="ev", mininterval=2.0) as bar:
        while (done := sum(len(t) for t in towers)) < n_events:
            events = generate_events(pythia, min(BATCH, n_events - done))
            towers.append(make_towers(final_state(events), len(events), rng))
            particles.append(hard_process(events))
            bar.update(len(events))
    towers, particles = ak.concatenate(towers), ak.concatenate(particles)
    write_chunk(out, towers, particles)
    seconds = time.perf_counter() - began
    summary = GenerationSummary(
        cls, chunk, n_events, pythia_seed, seconds, float(ak.mean(ak.num(towers))), Path(out)
    )
    log.info(
        "class %s chunk %d: %d events in %.1f s (%.1f ev/s), %.0f towers/event -> %s",
        cls, chunk, n_events, seconds, summary.events_per_second, summary.towers_per_event, out,
    )  # fmt: skip
    return summary


def _run(args) -> int:
    generate_chunk(args.cls, args.chunk, args.events, args.seed, Path(args.out))
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("generate", help=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--class", dest="cls", required=True, choices=CLASS_NAMES, help="prong class")
    parser.add_argument("--chunk", type=int, required=True, help="chunk number (seeds the chunk)")
    parser.add_argument("--events", type=int, required=True, help="events to generate")
    parser.add_argument("--seed", type=int, required=True, help="master seed (config `seed`)")
    parser.add_argument("--out", required=True, help="output ROOT file")
    parser.set_defaults(func=_run)
