"""All-hadronic ttbar events for jet-parton matching, from Pythia 8 to SPANet's layout.

pp -> t tbar at 13 TeV with both W forced to q q'; final-state particles go through the
shared ATLAS-like calorimeter, towers are clustered with anti-kT R = 0.4, jets get the
Delphes ATLAS jet energy scale and b-tags. Selection (arXiv:2010.09206): at least 6 jets
with pT > 25 GeV and |eta| < 2.5, at least 2 of them b-tagged; up to ``max_jets`` of those
jets are kept, by decreasing pT. The six hard-process partons (b, q1, q2 of t and of tbar)
are matched to jets greedily one to one by ascending dR, dR < 0.4; unmatched ones get -1.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np

from attnphys.detector.azimuth import delta_r
from attnphys.detector.btag import btag, jet_flavour
from attnphys.detector.calorimeter import make_towers
from attnphys.detector.energy_scale import apply_energy_scale
from attnphys.detector.jets import cluster
from attnphys.event_record import final_state, hard_process, pythia_batches
from attnphys.files import atomic_path
from attnphys.kinematics import pt_eta_phi
from attnphys.seeding import pythia_and_detector
from attnphys.spanet.h5layout import MatchingData, write_h5
from attnphys.stage_options import add_output, add_seed_option

TTBAR_SETTINGS = (
    "Beams:eCM = 13000.",
    "Top:gg2ttbar = on",
    "Top:qqbar2ttbar = on",
    "24:onMode = off",
    "24:onIfAny = 1 2 3 4 5",
)
JET_RADIUS = 0.4
RAW_MIN_PT = 15.0  # GeV before the energy scale; every jet reaching 25 GeV after it passes
MIN_PT = 25.0
MAX_ETA = 2.5
MIN_JETS = 6
MIN_BTAGS = 2
MATCH_RADIUS = 0.4


@dataclass
class ChunkStats:
    generated: int
    selected: int
    seconds: float


def top_partons(hard: ak.Array) -> dict[str, np.ndarray]:
    """``[N, 6]`` arrays pt, eta, phi of (b, q1, q2) of t then of tbar. "b" is the top's
    down-type quark (rarely s or d, through CKM mixing); q1 is the quark and q2 the
    antiquark of the W decay."""
    index = ak.local_index(hard.PID)
    out = []
    for sign in (1, -1):
        top = ak.firsts(index[hard.PID == 6 * sign])
        w = ak.firsts(index[(hard.PID == 24 * sign) & (hard.M1 == top)])
        b = hard[(hard.M1 == top) & (np.abs(hard.PID) <= 5)]
        quarks = (hard.M1 == w) & (np.abs(hard.PID) <= 5)
        q1 = hard[quarks & (hard.PID > 0)]
        q2 = hard[quarks & (hard.PID < 0)]
        for parton in (b, q1, q2):
            if ak.any(ak.num(parton) != 1):
                raise ValueError("Pythia hard process: a top decay lacks its b, or its W its q q'")
            out.append(parton[:, 0])
    fields = {f: np.stack([ak.to_numpy(p[k]) for p in out], axis=1) for f, k in
              (("pt", "PT"), ("eta", "Eta"), ("phi", "Phi"))}
    return fields


def heavy_quarks(events: ak.Array) -> ak.Array:
    """b and c quarks anywhere in each event record, as (pid, pt, eta, phi) records."""
    prt = events.prt
    heavy = prt[(np.abs(prt.id) == 4) | (np.abs(prt.id) == 5)]
    pt, eta, phi = pt_eta_phi(*(ak.to_numpy(ak.flatten(heavy.p[c])) for c in ("px", "py", "pz")))
    counts = ak.to_numpy(ak.num(heavy.id))
    quarks = ak.unflatten(ak.zip({"pid": ak.to_numpy(ak.flatten(heavy.id)), "pt": pt, "eta": eta, "phi": phi}), counts)
    return quarks[quarks.pt > 0]


def match_partons(partons: dict, jets: MatchingData) -> np.ndarray:
    """Greedy one-to-one matching by ascending dR < 0.4: jet index per parton ``[N, 6]``."""
    dr = delta_r(partons["eta"][:, :, None], partons["phi"][:, :, None], jets.eta[:, None, :], jets.phi[:, None, :])
    dr = np.where(jets.mask[:, None, :], dr, np.inf)
    n, n_partons, n_jets = dr.shape
    match = np.full((n, n_partons), -1, dtype=np.int64)
    rows = np.arange(n)
    for _ in range(n_partons):
        flat = dr.reshape(n, -1).argmin(axis=1)
        parton, jet = np.divmod(flat, n_jets)
        ok = dr[rows, parton, jet] < MATCH_RADIUS
        match[rows[ok], parton[ok]] = jet[ok]
        dr[rows[ok], parton[ok], :] = np.inf
        dr[rows[ok], :, jet[ok]] = np.inf
    return match


def reconstruct(events: ak.Array, rng: np.random.Generator, max_jets: int) -> tuple[MatchingData, np.ndarray]:
    """Selected events of a batch in SPANet's layout, and which events of the batch they are."""
    n = len(events)
    towers = make_towers(final_state(events), n, rng)
    jets = cluster(towers.ET, towers.Eta, towers.Phi, radius=JET_RADIUS, min_pt=RAW_MIN_PT)
    pt, mass = apply_energy_scale(jets.pt, jets.eta, jets.mass)
    jets = ak.zip({"pt": pt, "eta": jets.eta, "phi": jets.phi, "mass": mass})
    jets = jets[(jets.pt > MIN_PT) & (np.abs(jets.eta) < MAX_ETA)]
    jets = jets[ak.argsort(jets.pt, axis=1, ascending=False, stable=True)]
    tags = btag(jet_flavour(jets, heavy_quarks(events)), jets.pt, rng)
    passed = (ak.num(jets) >= MIN_JETS) & (ak.sum(tags, axis=1) >= MIN_BTAGS)
    keep = np.flatnonzero(ak.to_numpy(passed))
    jets, tags = jets[keep][:, :max_jets], tags[keep][:, :max_jets]

    def pad(a, fill=0.0):
        return ak.to_numpy(ak.fill_none(ak.pad_none(a, max_jets, axis=1, clip=True), fill)).astype(np.float32)

    data = MatchingData(
        mask=pad(ak.ones_like(jets.pt)).astype(bool),
        pt=pad(jets.pt),
        eta=pad(jets.eta),
        phi=pad(jets.phi),
        mass=pad(jets.mass),
        btag=pad(ak.values_astype(tags, np.float32)),
        targets=np.empty((len(keep), 2, 3), dtype=np.int64),
    )
    partons = {k: v[keep] for k, v in top_partons(hard_process(events)).items()}
    data.targets = match_partons(partons, data).reshape(-1, 2, 3)
    return data, keep


def generate_chunk(n_events: int, seed: int, chunk: int, max_jets: int, batch: int = 200,
                   progress: bool = True) -> tuple[MatchingData, ChunkStats]:
    """Generate ``n_events`` ttbar events of one chunk and keep the selected ones."""
    pythia_seed, rng = pythia_and_detector(seed, "spanet", "generate", chunk)
    start = time.perf_counter()
    parts = [reconstruct(events, rng, max_jets)[0]
             for events in pythia_batches(TTBAR_SETTINGS, pythia_seed, n_events, batch, f"ttbar chunk {chunk}", progress)]
    data = MatchingData.concat(parts)
    return data, ChunkStats(n_events, len(data), time.perf_counter() - start)


def generate(n_events: int, seed: int, chunk: int, max_jets: int, out: Path, out_stats: Path) -> ChunkStats:
    """One chunk: the selected events to ``out`` (SPANet layout) and the counts and seconds
    to ``out_stats`` (JSON, with the chunk number)."""
    if n_events < 1 or max_jets < MIN_JETS:
        raise ValueError(f"--events must be >= 1 and --max-jets >= {MIN_JETS} (got {n_events}, {max_jets})")
    data, stats = generate_chunk(n_events, seed, chunk, max_jets)
    write_h5(out, data)
    with atomic_path(out_stats) as tmp:
        tmp.write_text(json.dumps(vars(stats) | {"chunk": chunk}))
    return stats


def _run(args: argparse.Namespace) -> None:
    generate(args.events, args.seed, args.chunk, args.max_jets, args.out, args.out_stats)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("generate", help="Pythia ttbar -> towers -> jets -> selected events (one chunk)")
    p.add_argument("--events", type=int, required=True, help="events to generate")
    add_seed_option(p, required=True)
    p.add_argument("--chunk", type=int, required=True, help="chunk number (seeds its generator)")
    p.add_argument("--max-jets", type=int, default=20, help="jets kept per event, by decreasing pT (default: %(default)s)")
    p.add_argument("--out", type=Path, required=True, help="output .h5")
    add_output(p, "stats", "output .json (events generated, selected, seconds)")
    p.set_defaults(func=_run)
