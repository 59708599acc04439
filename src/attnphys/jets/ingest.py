"""Ingest stage: one Delphes-layout ROOT file -> the selected jets and their towers.

Reads the ``Tower`` and ``Particle`` collections of tree ``Delphes`` in bounded-memory
steps (``attnphys.detector.delphes_tree.open_delphes``), clusters the towers of every
event into anti-kT R = 1.2 jets (``attnphys.detector.jets``), and keeps each of the
``leading`` highest-pT jets (default 2, as searches for boosted resonances take the two
leading large-R jets) when

- its pT lies in ``pt_window`` and its mass in ``mass_window`` (closed intervals, GeV), and
- it is truth-matched (``truth_matched``): every hard decay parton of X (of one top for
  class 3) within dR < 1.2 of the jet axis for the signal classes, one of the outgoing hard
  partons for QCD (class "1"),

and writes one Parquet row per kept jet (``TOWER_SCHEMA``): label, class, jet kinematics,
the jet's towers sorted by decreasing pT (pT, eta, phi, and eta, phi relative to the jet
axis with phi wrapped to [-pi, pi)) as variable-length lists, the tower count, and the
provenance (source file as given, entry number in it, the jet's pT rank in the event).

Why more than the leading jet: the resonance X recoils against a hard parton whose jet
leads in about half of the signal events (radiation out of the large-R cone costs X's jet
more pT than the single parton's), and a QCD dijet event has two hard partons. The
truth match decides which jet is X's, so taking the two leading jets keeps the physics of
an accepted jet unchanged and roughly doubles the jets per generated event (README,
"Generation cost").

Leaf names: real Delphes output (``Tower/Tower.ET``, counter ``Tower_size``) and trees that
uproot writes from records (``Tower_ET``, counter ``nTower``) are both accepted. Towers are
taken as massless with pT = ET.

Outcomes for bad input: the reader's errors naming the file (and the leaf) for a missing,
truncated or corrupt file, no tree ``Delphes`` or a missing leaf; an empty tree or a file
where no jet passes gives an empty Parquet file with the full schema and a logged warning.
Output is written atomically.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import awkward as ak
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from attnphys.detector.azimuth import delta_r, wrap_phi
from attnphys.detector.delphes_tree import STEP_SIZE, TREE, open_delphes
from attnphys.detector.jets import cluster
from attnphys.files import atomic_path
from attnphys.jets import truth
from attnphys.jets.prong_classes import prong_class

log = logging.getLogger(__name__)

JET_RADIUS = 1.2
MATCH_RADIUS = 1.2
TOWER_LEAVES = ("ET", "Eta", "Phi")
PARTICLE_LEAVES = ("PID", "Status", "D1", "D2", "PT", "Eta", "Phi", "Mass")
COLLECTIONS = {"Tower": TOWER_LEAVES, "Particle": PARTICLE_LEAVES}

# Column groups shared with the dataset stage, which keeps them and adds fixed-size towers.
JET_FIELDS = [
    ("class", pa.string()),
    ("jet_pt", pa.float32()),
    ("jet_eta", pa.float32()),
    ("jet_phi", pa.float32()),
    ("jet_mass", pa.float32()),
    ("n_towers", pa.int32()),
]
TOWER_LISTS = ("tower_pt", "tower_eta", "tower_phi", "tower_deta", "tower_dphi")
PROVENANCE_FIELDS = [("source_file", pa.string()), ("source_entry", pa.int64()),
                     ("source_jet", pa.int32())]
LEADING = 2
TOWER_SCHEMA = pa.schema(
    [
        ("label", pa.int32()),
        *JET_FIELDS,
        *[(name, pa.list_(pa.float32())) for name in TOWER_LISTS],
        *PROVENANCE_FIELDS,
    ]
)


def ingest(path: str | Path, cls: str, out: str | Path, pt_window=(1000.0, 1200.0),
           mass_window=(300.0, 700.0), step_size: str | int = STEP_SIZE, leading: int = LEADING) -> int:
    """Select the jets of one ROOT file and write them to ``out``; return their count."""
    label = prong_class(cls).label
    for name, (lo, hi) in (("pt window", pt_window), ("mass window", mass_window)):
        if not 0 <= lo < hi:
            raise ValueError(f"jet {name} [{lo}, {hi}]: need 0 <= min < max")
    if leading < 1:
        raise ValueError(f"--leading must be at least 1, got {leading}")
    kept = 0
    with open_delphes(path, COLLECTIONS) as events:
        n_events = events.num_entries
        progress = tqdm(total=n_events, desc=f"ingest {Path(path).name}", unit="event")
        with progress, atomic_path(out) as tmp, pq.ParquetWriter(tmp, TOWER_SCHEMA) as writer:
            for start, records in events.steps(step_size):
                table = select_jets(records["Tower"], records["Particle"], cls, label, pt_window,
                                    mass_window, source_file=str(path), first_entry=start,
                                    leading=leading)
                writer.write_table(table)
                kept += table.num_rows
                progress.update(len(records["Tower"]))
    if n_events == 0:
        log.warning("%s: tree %s has no entries; wrote an empty %s", path, TREE, out)
    elif kept == 0:
        log.warning("%s: no jet of %d events passed the selection; wrote an empty %s",
                    path, n_events, out)
    else:
        log.info("%s: kept %d of %d events (class %s) -> %s", path, kept, n_events, cls, out)
    return kept


def truth_matched(particles: ak.Array, cls: str, jet: ak.Array) -> ak.Array:
    """Per event: does some truth candidate have all its partons within MATCH_RADIUS of the jet?

    Candidates come from ``attnphys.jets.truth.hard_partons``: X (or each top for class 3)
    with its decay partons, or each outgoing hard parton for QCD. A candidate counts only
    with the class's number of partons, so a chain that lost a prong never matches.
    """
    definition = prong_class(cls)
    partons = truth.hard_partons(particles, definition.resonance).partons
    n_partons = 1 if definition.resonance is None else definition.n_partons
    eta = ak.fill_none(jet.eta, 0.0)
    phi = ak.fill_none(jet.phi, 0.0)
    near = delta_r(partons.eta, partons.phi, eta, phi) < MATCH_RADIUS
    complete = ak.all(near, axis=2) & (ak.num(partons, axis=2) == n_partons)
    return ak.fill_none(ak.any(complete, axis=1), False) & ~ak.is_none(jet)


def select_jets(towers: ak.Array, particles: ak.Array | None, cls: str, label: int, pt_window,
                mass_window, source_file: str, first_entry: int = 0, leading: int | None = LEADING) -> pa.Table:
    """The ``leading`` anti-kT jets per event (every jet for None), selection and truth match,
    as a ``TOWER_SCHEMA`` table (rows ordered by event, then jet rank).

    ``particles`` None: no truth match (unlabelled files, ``attnphys jets predict``)."""
    jets = cluster(towers.ET, towers.Eta, towers.Phi, JET_RADIUS)
    if leading is None:
        leading = int(ak.max(ak.num(jets, axis=1), initial=0))
    tables = [_selected_rank(jets, rank, towers, particles, cls, label, pt_window, mass_window,
                             source_file, first_entry) for rank in range(leading)]
    table = pa.concat_tables(tables) if tables else TOWER_SCHEMA.empty_table()
    order = np.lexsort((table["source_jet"].to_numpy(), table["source_entry"].to_numpy()))
    return table.take(order)


def _selected_rank(jets, rank, towers, particles, cls, label, pt_window, mass_window,
                   source_file, first_entry) -> pa.Table:
    jet_at_rank = ak.pad_none(jets, rank + 1, axis=1)[:, rank]
    pt = ak.fill_none(jet_at_rank.pt, 0.0)
    mass = ak.fill_none(jet_at_rank.mass, 0.0)
    passed = (
        ~ak.is_none(jet_at_rank)
        & (pt >= pt_window[0]) & (pt <= pt_window[1])
        & (mass >= mass_window[0]) & (mass <= mass_window[1])
    )
    if particles is not None:
        passed = passed & truth_matched(particles, cls, jet_at_rank)
    keep = np.flatnonzero(ak.to_numpy(passed))

    jet = jet_at_rank[keep]
    idx = jet.constituents
    tpt = towers.ET[keep][idx]
    order = ak.argsort(tpt, axis=1, ascending=False, stable=True)
    tpt = tpt[order]
    teta = towers.Eta[keep][idx][order]
    tphi = towers.Phi[keep][idx][order]
    counts = ak.to_numpy(ak.num(tpt, axis=1)).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = {
        "tower_pt": ak.flatten(tpt),
        "tower_eta": ak.flatten(teta),
        "tower_phi": ak.flatten(tphi),
        "tower_deta": ak.flatten(teta - jet.eta),
        "tower_dphi": ak.flatten(wrap_phi(tphi - jet.phi)),
    }
    n = len(keep)
    columns = {
        "label": np.full(n, label, np.int32),
        "class": pa.array([cls] * n, pa.string()),
        "jet_pt": ak.to_numpy(jet.pt).astype(np.float32),
        "jet_eta": ak.to_numpy(jet.eta).astype(np.float32),
        "jet_phi": ak.to_numpy(jet.phi).astype(np.float32),
        "jet_mass": ak.to_numpy(jet.mass).astype(np.float32),
        "n_towers": counts,
        **{
            name: pa.ListArray.from_arrays(pa.array(offsets),
                                           pa.array(ak.to_numpy(values).astype(np.float32)))
            for name, values in flat.items()
        },
        "source_file": pa.array([source_file] * n, pa.string()),
        "source_entry": (first_entry + keep).astype(np.int64),
        "source_jet": np.full(n, rank, np.int32),
    }
    return pa.table(columns, schema=TOWER_SCHEMA)


def run(args: argparse.Namespace) -> None:
    ingest(args.input, args.cls, args.out, tuple(args.pt_window), tuple(args.mass_window),
           leading=args.leading)


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="selected R=1.2 jets of one Delphes ROOT file -> towers Parquet")
    parser.add_argument("--input", required=True, help="Delphes-layout ROOT file")
    parser.add_argument("--class", dest="cls", required=True, help="jet class of the file (1, 2, ..., 8)")
    parser.add_argument("--out", required=True, help="output Parquet file")
    parser.add_argument("--pt-window", nargs=2, type=float, default=[1000.0, 1200.0],
                        metavar=("MIN", "MAX"), help="jet pT window in GeV")
    parser.add_argument("--mass-window", nargs=2, type=float, default=[300.0, 700.0],
                        metavar=("MIN", "MAX"), help="jet mass window in GeV")
    parser.add_argument("--leading", type=int, default=LEADING,
                        help="jets considered per event, by decreasing pT (default 2)")
    parser.set_defaults(func=run)
