"""Stage ``jets generate``: one chunk of Pythia 8 events of one prong class -> Delphes-layout ROOT.

``generate_chunk(cls, chunk, n_events, seed, out)`` generates ``n_events`` events of class
``cls`` (see ``attnphys.jets.prong_classes``), passes their final state through the
ATLAS-like calorimeter (``attnphys.detector.calorimeter``) and writes towers plus the
hard-process record to ``out`` (layout: ``attnphys.detector.delphes_tree``).

Reproducible: the Pythia seed and the detector's random generator both derive from the
stream ("jets", "generate", class, chunk) of the master seed (``attnphys.seeding``), so a
chunk's content depends on nothing else (not on how many chunks a run has).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import awkward as ak

from attnphys.detector.calorimeter import make_towers
from attnphys.detector.delphes_tree import write_chunk
from attnphys.event_record import final_state, hard_process, pythia_batches
from attnphys.jets.prong_classes import CLASS_NAMES, prong_class
from attnphys.seeding import pythia_and_detector

log = logging.getLogger(__name__)

BATCH = 100  # events per nextBatch call: one progress-bar step, one detector pass


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


def generate_chunk(cls: str, chunk: int, n_events: int, seed: int, out: Path) -> GenerationSummary:
    """Generate, simulate and write one chunk; returns what was done and how fast."""
    if n_events < 1:
        raise ValueError(f"--events must be positive, got {n_events}")
    definition = prong_class(cls)
    pythia_seed, rng = pythia_and_detector(seed, "jets", "generate", cls, chunk)
    began = time.perf_counter()
    towers, particles = [], []
    for events in pythia_batches(definition.settings, pythia_seed, n_events, BATCH, f"class {cls} chunk {chunk}"):
        towers.append(make_towers(final_state(events), len(events), rng))
        particles.append(hard_process(events))
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
