"""Stage ``jets study``: why do our prong classes separate less than arXiv:2202.00723's?

The study answers the question of issue 12 with numbers: it generates Pythia 8 events of
each prong class (with the production definitions of ``attnphys.jets.prong_classes`` or a
named variant of them, ``VARIANTS``), clusters each event at four levels

- ``particle``: visible final-state particles (neutrinos dropped),
- ``calo``: the ATLAS-like towers of ``attnphys.detector.calorimeter``, centres smeared in
  their cells (the stock card; the pipeline's input before this study),
- ``calo_fine``: the same calorimeter with the HCAL read out in the ECAL's 0.0174 x 1 degree cells,
- ``calo_centres``: the ATLAS-like towers placed at their cell centres (SmearTowerCenter =
  false, as the extreme-jet authors' group's card for 1 TeV jets; now the pipeline's input:
  ``jets.tower_centres``; its own random stream, so the other levels keep theirs),

into anti-kT R = 1.2 jets, keeps every one of the two leading jets that passes the pT and
mass windows and is truth-matched (the pipeline's definition, ``attnphys.jets.ingest``),
and computes tau_N^(beta) (N = 1..8, beta = 0.5, 1, 2) with each axis choice of
``attnphys.jets.nsubjettiness.AXES``. ``attnphys jets diagnosis`` (``attnphys.jets.study.diagnosis``)
scores each configuration with a fixed-capacity reference classifier.

Variants of the class definitions (``VARIANTS``; each changes only the settings named):

- ``pipeline``: the definitions the pipeline used up to this study (6: m_t = 140 GeV;
  8: m_h = 145, m_W = 65 GeV; 3: t' -> b W with m_W = 80.4).
- ``sm``: the current definitions of ``attnphys.jets.prong_classes``: Standard-Model
  intermediate masses (6: m_t = 172.5; 8: m_h = 125 with h -> W W*, Pythia's off-shell
  sampling below threshold).
- ``quark``: ``sm`` with class 1 made of light-quark jets only (q q' -> q q' and
  q qbar -> q' qbar' scattering) instead of all QCD 2 -> 2 processes (mostly gluon jets at
  this pT). The authors' data preparation reads its 1-prong jets from a sample named ``uu``
  (``aug_uu_homog``, beside ``zww``, ``ztt``, ``ghha``, ``gtta``, ``atthu`` for 2, 3, 4, 6, 8
  prongs) and keeps a jet when its matched quark count equals N.

A variant generates only the classes it changes (config ``jets.study.variants``); its other
classes are the jets of the variant it builds on (``BASES``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd

from attnphys.detector.calorimeter import CALORIMETERS, FINE_CALORIMETERS, make_towers
from attnphys.event_record import final_state, hard_process, pythia_batches
from attnphys.files import atomic_path
from attnphys.jets.ingest import select_jets
from attnphys.jets.nsubjettiness import AXES, nsubjettiness
from attnphys.jets.prong_classes import PRONG_CLASSES, prong_class
from attnphys.kinematics import pt_eta_phi
from attnphys.seeding import pythia_and_detector
from attnphys.stage_options import add_seed_option

log = logging.getLogger(__name__)

LEVELS = ("particle", "calo", "calo_fine", "calo_centres")
STUDY_BETAS = (0.5, 1, 2)
RANKS = 2  # leading jets considered per event
NEUTRINOS = (12, 14, 16)
BATCH = 200

# Settings replaced (by key before "=") in a class's definition, per variant.
VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "pipeline": {
        "6": ("6:m0 = 140.",),
        "8": ("25:m0 = 145.", "24:m0 = 65."),
    },
    "sm": {},
    "quark": {
        "1": ("HardQCD:all = off", "HardQCD:qq2qq = on", "HardQCD:qqbar2qqbarNew = on"),
    },
}
# The variant each variant builds on: its classes not generated are that variant's jets.
BASES: dict[str, str | None] = {"pipeline": None, "sm": "pipeline", "quark": "sm"}


def class_settings(cls: str, variant: str) -> tuple[str, ...]:
    """Pythia settings of class ``cls`` with the variant's replacements applied."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown study variant {variant!r}; expected one of {list(VARIANTS)}")
    replace = {line.split("=")[0].strip(): line for line in VARIANTS[variant].get(cls, ())}
    settings = [replace.pop(line.split("=")[0].strip(), line) for line in prong_class(cls).settings]
    return (*settings, *replace.values())


def _visible(particles: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keep = ~np.isin(np.abs(particles["pid"]), NEUTRINOS)
    return {k: v[keep] for k, v in particles.items()}


def _lists(flat: dict[str, np.ndarray], n_events: int):
    """(pt, eta, phi) awkward lists per event of the particles with pT > 0 (massless)."""
    pt, eta, phi = pt_eta_phi(flat["px"], flat["py"], flat["pz"])
    moving = pt > 0
    counts = np.bincount(flat["event"][moving], minlength=n_events)
    return tuple(ak.unflatten(a[moving], counts) for a in (pt, eta, phi))


def _jets_table(pt, eta, phi, particles, cls: str, level: str, pt_window, mass_window,
                events_offset: int) -> pd.DataFrame:
    """Selected, truth-matched jets among the RANKS leading ones (``ingest.select_jets``, the
    pipeline's own selection), with their features; rows ordered by rank, then event."""
    inputs = ak.zip({"ET": pt, "Eta": eta, "Phi": phi})
    table = select_jets(inputs, particles, cls, 0, pt_window, mass_window, level, leading=RANKS)
    if table.num_rows == 0:
        return pd.DataFrame()
    order = np.lexsort((table["source_entry"].to_numpy(), table["source_jet"].to_numpy()))
    table = table.take(order)
    frame = {
        "cls": cls, "level": level, "rank": table["source_jet"].to_numpy(),
        "event": events_offset + table["source_entry"].to_numpy(),
        "pt": table["jet_pt"].to_numpy(), "mass": table["jet_mass"].to_numpy(),
        "n_constituents": table["n_towers"].to_numpy(),
    }
    towers = [ak.from_arrow(table[f"tower_{v}"]) for v in ("pt", "eta", "phi")]
    for axes in AXES:
        taus = nsubjettiness(*towers, betas=STUDY_BETAS, axes=axes)
        frame.update({f"{axes}:{k}": v for k, v in taus.items()})
    return pd.DataFrame(frame)


def study_chunk(cls: str, variant: str, n_events: int, seed: int, chunk: int,
                pt_window=(1000.0, 1200.0), mass_window=(300.0, 700.0)) -> pd.DataFrame:
    """Generate ``n_events`` of one class variant; the selected jets at every level.

    One row per selected jet: class, level, rank (0 = leading), event, pT, mass,
    constituent count and ``{axes}:tau{N}_b{beta}`` for every axis choice and beta.
    """
    pythia_seed, rng = pythia_and_detector(seed, "jets", "study", variant, cls, chunk)
    _, centres_rng = pythia_and_detector(seed, "jets", "study", variant, cls, chunk, "centres")
    frames, done = [], 0
    for events in pythia_batches(class_settings(cls, variant), pythia_seed, n_events, BATCH,
                                 f"study {variant} class {cls}"):
        n = len(events)
        particles = hard_process(events)
        visible = _visible(final_state(events))
        inputs = {"particle": _lists(visible, n)}
        for level, stream, calos, smear in (("calo", rng, CALORIMETERS, True),
                                            ("calo_fine", rng, FINE_CALORIMETERS, True),
                                            ("calo_centres", centres_rng, CALORIMETERS, False)):
            towers = make_towers(visible, n, stream, calos, smear_centres=smear)
            inputs[level] = (towers.ET, towers.Eta, towers.Phi)
        for level in LEVELS:
            frames.append(_jets_table(*inputs[level], particles, cls, level, pt_window,
                                      mass_window, events_offset=chunk * 10**7 + done))
        done += n
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    out["variant"] = variant
    out["n_generated"] = n_events
    return out


def _run_generate(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    frame = study_chunk(args.cls, args.variant, args.events, args.seed, args.chunk,
                        tuple(args.pt_window), tuple(args.mass_window))
    with atomic_path(args.out) as tmp:
        frame.to_parquet(tmp, index=False)
    log.info("study %s class %s chunk %d: %d jet rows from %d events in %.0f s",
             args.variant, args.cls, args.chunk, len(frame), args.events, time.perf_counter() - began)
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("study", help="physics study: one class variant's jets at every level")
    parser.add_argument("--class", dest="cls", required=True, choices=list(PRONG_CLASSES))
    parser.add_argument("--variant", default="pipeline", choices=list(VARIANTS))
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--chunk", type=int, default=0)
    add_seed_option(parser, required=True)
    parser.add_argument("--pt-window", nargs=2, type=float, default=[1000.0, 1200.0])
    parser.add_argument("--mass-window", nargs=2, type=float, default=[300.0, 700.0])
    parser.add_argument("--out", required=True, type=Path)
    parser.set_defaults(func=_run_generate)
