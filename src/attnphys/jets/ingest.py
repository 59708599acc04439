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
an accepted jet unchanged and roughly doubles the jets per generated event (docs/jets_study.md,
"Generation cost").

Leaf names: real Delphes output (``Tower/Tower.ET``, counter ``Tower_size``) and trees that
uproot writes from records (``Tower_ET``, counter ``nTower``) are both accepted. Towers are
taken as massless with pT = ET.

Outcomes for bad input: the reader's errors naming the file (and the leaf) for a missing,
truncated or corrupt file, no tree ``Delphes``, a missing leaf, or a non-finite or negative
value (first bad event named; checked before FastJet, ``attnphys.validate.delphes``); an empty tree or a file
where no jet passes gives an empty Parquet file with the full schema and a logged warning.
Output is written atomically.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
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
from attnphys.jets.provenance import PROVENANCE_FIELDS
from attnphys.validate.arguments import finite_float, positive_int

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
           mass_window=(300.0, 700.0), step_size: str | int = STEP_SIZE, leading: int = LEADING,
           resonance: int | None = None, require_match: bool = False) -> int:
    """Select the jets of one ROOT file and write them to ``out``; return their count.

    ``resonance``: PDG id of X for a signal class (a W' is 34, a Z' 32), replacing the
    class's own (35, or 6 for class 3). ``require_match``: a file where no jet passes is an
    error naming the condition that failed in most events (``match_failures``), for user files.
    """
    definition = prong_class(cls)
    label = definition.label
    if resonance is not None and definition.resonance is None:
        raise ValueError(f"--resonance-pid {resonance}: class {cls} (QCD) has no resonance")
    resonance = definition.resonance if resonance is None else abs(int(resonance))
    for name, (lo, hi) in (("pt window", pt_window), ("mass window", mass_window)):
        if not 0 <= lo < hi:
            raise ValueError(f"jet {name} [{lo}, {hi}]: need 0 <= min < max")
    if leading < 1:
        raise ValueError(f"--leading must be at least 1, got {leading}")
    kept = 0
    failures = Counter()
    with open_delphes(path, COLLECTIONS) as events:
        n_events = events.num_entries
        progress = tqdm(total=n_events, desc=f"ingest {Path(path).name}", unit="event")
        with progress, atomic_path(out) as tmp, pq.ParquetWriter(tmp, TOWER_SCHEMA) as writer:
            for start, records in events.steps(step_size):
                table = select_jets(records["Tower"], records["Particle"], cls, label, pt_window,
                                    mass_window, source_file=str(path), first_entry=start,
                                    leading=leading, resonance=resonance)
                if require_match and table.num_rows == 0:
                    failures += match_failures(records["Tower"], records["Particle"], cls, pt_window,
                                               mass_window, leading, resonance)
                writer.write_table(table)
                kept += table.num_rows
                progress.update(len(records["Tower"]))
            if require_match and kept == 0:  # inside atomic_path: nothing is written
                condition, count = failures.most_common(1)[0] if failures else ("the tree has no entries", 0)
                raise ValueError(f"{path}: no jet is truth-matched to class {cls}"
                                 f"{'' if resonance is None else f' (resonance PDG id {resonance})'}; "
                                 f"failed most often: {condition} ({count} of {n_events} events)")
    if n_events == 0:
        log.warning("%s: tree %s has no entries; wrote an empty %s", path, TREE, out)
    elif kept == 0:
        log.warning("%s: no jet of %d events passed the selection; wrote an empty %s",
                    path, n_events, out)
    else:
        log.info("%s: kept %d of %d events (class %s) -> %s", path, kept, n_events, cls, out)
    return kept


def truth_matched(particles: ak.Array, cls: str, jet: ak.Array, resonance: int | None = None) -> ak.Array:
    """Per event: does some truth candidate have all its partons within MATCH_RADIUS of the jet?

    Candidates come from ``attnphys.jets.truth.hard_partons``: X (or each top for class 3)
    with its decay partons, or each outgoing hard parton for QCD. A candidate counts only
    with the class's number of partons, so a chain that lost a prong never matches.
    """
    definition = prong_class(cls)
    partons = truth.hard_partons(particles, resonance or definition.resonance).partons
    n_partons = 1 if definition.resonance is None else definition.n_partons
    eta = ak.fill_none(jet.eta, 0.0)
    phi = ak.fill_none(jet.phi, 0.0)
    near = delta_r(partons.eta, partons.phi, eta, phi) < MATCH_RADIUS
    complete = ak.all(near, axis=2) & (ak.num(partons, axis=2) == n_partons)
    return ak.fill_none(ak.any(complete, axis=1), False) & ~ak.is_none(jet)


def match_failures(towers: ak.Array, particles: ak.Array, cls: str, pt_window, mass_window,
                   leading: int, resonance: int | None) -> Counter:
    """Events by the first selection condition that no jet of the event passed: no truth
    candidate (no particle with the resonance's PDG id, or no decay partons found), no
    leading jet in the windows, or the partons outside the cone of every jet in the windows."""
    definition = prong_class(cls)
    candidates = truth.hard_partons(particles, resonance)
    n_partons = 1 if resonance is None else definition.n_partons
    has_candidate = ak.to_numpy(ak.any(ak.num(candidates.partons, axis=2) == n_partons, axis=1))
    jets = cluster(towers.ET, towers.Eta, towers.Phi, JET_RADIUS)
    in_windows = np.zeros(len(towers), dtype=bool)
    matched = np.zeros(len(towers), dtype=bool)
    for rank in range(leading):
        jet = ak.pad_none(jets, rank + 1, axis=1)[:, rank]
        pt, mass = ak.fill_none(jet.pt, 0.0), ak.fill_none(jet.mass, 0.0)
        passed = ak.to_numpy(~ak.is_none(jet) & (pt >= pt_window[0]) & (pt <= pt_window[1])
                             & (mass >= mass_window[0]) & (mass <= mass_window[1]))
        in_windows |= passed
        matched |= passed & ak.to_numpy(truth_matched(particles, cls, jet, resonance))
    what = "no truth candidate" + ("" if resonance is None else f" with PDG id {resonance} and {n_partons} decay partons")
    return Counter({
        what: int(np.sum(~has_candidate)),
        f"no leading jet in the windows (pT {list(pt_window)}, mass {list(mass_window)} GeV)":
            int(np.sum(has_candidate & ~in_windows)),
        f"decay partons outside dR < {MATCH_RADIUS} of every jet in the windows":
            int(np.sum(has_candidate & in_windows & ~matched)),
    })


def select_jets(towers: ak.Array, particles: ak.Array | None, cls: str, label: int, pt_window,
                mass_window, source_file: str, first_entry: int = 0, leading: int | None = LEADING,
                resonance: int | None = None) -> pa.Table:
    """The ``leading`` anti-kT jets per event (every jet for None), selection and truth match,
    as a ``TOWER_SCHEMA`` table (rows ordered by event, then jet rank).

    ``particles`` None: no truth match (unlabelled files, ``attnphys jets predict``);
    ``resonance``: PDG id of X replacing the class's own."""
    jets = cluster(towers.ET, towers.Eta, towers.Phi, JET_RADIUS)
    if leading is None:
        leading = int(ak.max(ak.num(jets, axis=1), initial=0))
    tables = [_selected_rank(jets, rank, towers, particles, cls, label, pt_window, mass_window,
                             source_file, first_entry, resonance) for rank in range(leading)]
    table = pa.concat_tables(tables) if tables else TOWER_SCHEMA.empty_table()
    order = np.lexsort((table["source_jet"].to_numpy(), table["source_entry"].to_numpy()))
    return table.take(order)


def _selected_rank(jets, rank, towers, particles, cls, label, pt_window, mass_window,
                   source_file, first_entry, resonance=None) -> pa.Table:
    jet_at_rank = ak.pad_none(jets, rank + 1, axis=1)[:, rank]
    pt = ak.fill_none(jet_at_rank.pt, 0.0)
    mass = ak.fill_none(jet_at_rank.mass, 0.0)
    passed = (
        ~ak.is_none(jet_at_rank)
        & (pt >= pt_window[0]) & (pt <= pt_window[1])
        & (mass >= mass_window[0]) & (mass <= mass_window[1])
    )
    if particles is not None:
        passed = passed & truth_matched(particles, cls, jet_at_rank, resonance)
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
           leading=args.leading, resonance=args.resonance_pid, require_match=args.require_match)


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="selected R=1.2 jets of one Delphes ROOT file -> towers Parquet")
    parser.add_argument("--input", required=True, help="Delphes-layout ROOT file")
    parser.add_argument("--class", dest="cls", required=True, help="jet class of the file (1, 2, ..., 8)")
    parser.add_argument("--out", required=True, help="output Parquet file")
    parser.add_argument("--pt-window", nargs=2, type=finite_float, default=[1000.0, 1200.0],
                        metavar=("MIN", "MAX"), help="jet pT window in GeV")
    parser.add_argument("--mass-window", nargs=2, type=finite_float, default=[300.0, 700.0],
                        metavar=("MIN", "MAX"), help="jet mass window in GeV")
    parser.add_argument("--leading", type=positive_int, default=LEADING,
                        help="jets considered per event, by decreasing pT (default 2)")
    parser.add_argument("--resonance-pid", type=int, default=None,
                        help="PDG id of the resonance X for a signal class, e.g. 34 for a W' "
                             "(default: the class's own, 35 or 6 for class 3)")
    parser.add_argument("--require-match", action="store_true",
                        help="no truth-matched jet in the file is an error naming the condition that "
                             "failed most (for user files; default: an empty output and a warning)")
    parser.set_defaults(func=run)
