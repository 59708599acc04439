"""Stage ``jets generate``: one chunk of Pythia 8 events of one prong class -> Delphes-layout ROOT.

``generate_chunk(cls, chunk, n_events, seed, out)`` generates ``n_events`` events of class
``cls`` (see ``attnphys.jets.prong_classes``), passes their final state through the
ATLAS-like calorimeter (``attnphys.detector.calorimeter``) and writes towers plus the
hard-process record to ``out`` (layout: ``attnphys.detector.delphes_tree``).

Tower directions (``tower_centres``): ``cell`` puts every tower at its cell's centre, the
position a calorimeter cell actually reports (Delphes ``SmearTowerCenter false``, as in the
ATLAS card for 1 TeV jets of the extreme-jet authors' group,
github.com/alexxromero/MGPythiaDelphes_gpatlas, ``cards/delphes_card_ATLAS_1000GeV.tcl``);
``smeared`` draws it uniformly inside the cell as the stock Delphes ATLAS card does, which
washes the cell grid out of angular distributions. The
physics study measured the choice: the reference tree separates the seven classes 3.7 points
better with cell centres (51.7 % against 48.0 %, docs/jets_study.md, "Why our jets separated less than the
paper's"), because a smeared HCAL tower moves by up to 0.05 x 5 degrees, the scale of the
prong separations of the lighter decays.

Pre-selection (``preselect``, default on; ``attnphys.jets.preselection``): signal events
whose decay partons cannot share one jet, and so cannot give a truth-matched jet, are vetoed
inside Pythia before the parton shower. ``n_events`` counts the events written; the summary
also counts the hard processes Pythia made for them. The loss of accepted jets is measured below
1 % (benchmarks/README.md "Generation cost").

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
from attnphys.jets.preselection import Preselection
from attnphys.jets.prong_classes import CLASS_NAMES, prong_class
from attnphys.seeding import pythia_and_detector

log = logging.getLogger(__name__)

BATCH = 100  # events per nextBatch call: one progress-bar step, one detector pass
TOWER_CENTRES = ("cell", "smeared")


@dataclass(frozen=True)
class GenerationSummary:
    cls: str
    chunk: int
    events: int
    pythia_seed: int
    seconds: float
    towers_per_event: float
    out: Path
    hard_processes: int  # made by Pythia, vetoed ones included (= events without pre-selection)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds


def generate_chunk(cls: str, chunk: int, n_events: int, seed: int, out: Path,
                   tower_centres: str = "cell", preselect: bool = True) -> GenerationSummary:
    """Generate, simulate and write one chunk; returns what was done and how fast."""
    if n_events < 1:
        raise ValueError(f"--events must be positive, got {n_events}")
    if tower_centres not in TOWER_CENTRES:
        raise ValueError(f"--tower-centres must be one of {list(TOWER_CENTRES)}, got {tower_centres!r}")
    definition = prong_class(cls)
    pythia_seed, rng = pythia_and_detector(seed, "jets", "generate", cls, chunk)
    began = time.perf_counter()
    towers, particles = [], []
    veto = Preselection(definition.resonance) if preselect and definition.resonance is not None else None
    for events in pythia_batches(definition.settings, pythia_seed, n_events, BATCH, f"class {cls} chunk {chunk}",
                                 hooks=veto):
        towers.append(make_towers(final_state(events), len(events), rng,
                                  smear_centres=tower_centres == "smeared"))
        particles.append(hard_process(events))
    towers, particles = ak.concatenate(towers), ak.concatenate(particles)
    write_chunk(out, towers, particles)
    seconds = time.perf_counter() - began
    summary = GenerationSummary(
        cls, chunk, n_events, pythia_seed, seconds, float(ak.mean(ak.num(towers))), Path(out),
        veto.hard_processes if veto else n_events,
    )
    log.info(
        "class %s chunk %d: %d events written (of %d hard processes, the rest vetoed before the shower)"
        " in %.1f s (%.1f ev/s), %.0f towers/event -> %s",
        cls, chunk, n_events, summary.hard_processes, seconds, summary.events_per_second,
        summary.towers_per_event, out,
    )  # fmt: skip
    return summary


def _run(args) -> int:
    generate_chunk(args.cls, args.chunk, args.events, args.seed, Path(args.out), args.tower_centres,
                   args.preselection == "on")
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("generate", help=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--class", dest="cls", required=True, choices=CLASS_NAMES, help="prong class")
    parser.add_argument("--chunk", type=int, required=True, help="chunk number (seeds the chunk)")
    parser.add_argument("--events", type=int, required=True, help="events to generate")
    parser.add_argument("--seed", type=int, required=True, help="master seed (config `seed`)")
    parser.add_argument("--out", required=True, help="output ROOT file")
    parser.add_argument("--tower-centres", choices=TOWER_CENTRES, default="cell",
                        help="towers at their cell centres (SmearTowerCenter false) or smeared in the cell (the stock card)")
    parser.add_argument("--preselection", choices=("on", "off"), default="on",
                        help="veto, before the parton shower, signal events whose decay partons cannot share one jet")
    parser.set_defaults(func=_run)
