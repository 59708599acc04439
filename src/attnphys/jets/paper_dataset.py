"""Paper-data stage: the authors' published N-prong file -> the project's dataset splits.

The file is ``dataset_PtNormed.h5`` (Zenodo record 10404290; 108,359 tower-level jets, the
benchmark of arXiv:2311.06686 and the sample of arXiv:2202.00723). Its layout, as the authors'
code writes it (``alexxromero/Nprong`` dataset_generation/src/generate_datasets.py, which
normalises and centres the towers and stores the keys; calculate_nsubs.cpp, which reclusters
them and computes N-subjettiness) and reads it (``alexxromero/JRMs`` demo.ipynb;
``adamlu123/sandbox`` multi_prongs/):

- ``target`` [jets]: integer 0..6 meaning N = 1, 2, 3, 4b, 6, 8, 4q (``PAPER_CLASSES``), mapped
  to the configured classes by name (a class missing from ``jets.classes`` is left out);
- ``Constituents/threeM`` [jets, 230, 3]: per tower (pT, eta, phi), zero-padded (a tower is
  real where pT > 0, as calculate_nsubs.cpp reads it); pT divided by the jet's sum, eta minus the
  pT-weighted mean, phi minus the pT-weighted circular mean, wrapped to [-pi, pi];
- ``jet_PT``, ``jet_Mass``, ``jet_Eta``, ``jet_Phi`` [jets]: in calculate_nsubs.cpp, those of
  the leading anti-kT R = 1.2 jet reclustered from the *normalised, centred* towers, so pT near 1,
  mass near m / pT and eta, phi near 0 (the physical pT and mass stay in the authors' ROOT
  files, not here);
- ``Nsubs/Nsubs_beta05|10|20`` [jets, 45]: tau_N^(beta) for N = 1..45 of that jet, FastJet-contrib
  ``Nsubjettiness(N, KT_Axes(), UnnormalizedMeasure(beta))``, i.e. sum_i z_i min_k dR_ik^beta
  over the towers' pT fractions z_i (sum 1).

What the code leaves open is decided from the data and logged (``Layout``): the scale of
``jet_PT`` and ``jet_Mass`` (normalised: every value below ``NORMALISED_MAX``; physical GeV:
median above ``PHYSICAL_MIN``; anything else is refused), the number of Nsubs columns (the
same for the three betas, at least 8; 45 expected) and the dtypes (integer labels, floating
values). Any other layout ends in one ``BadInput`` naming the file and the key.

Conversion into the dataset columns (``attnphys.jets.dataset.dataset_schema`` plus
``split.NSUBS_COLUMNS``), one Parquet row per jet:

- towers sorted by decreasing pT (real ones first, as ``jets ingest`` writes them), truncated or
  padded to ``max_towers``; ``tower_deta``, ``tower_dphi`` are the file's centred coordinates,
  ``tower_eta`` = jet eta + deta and ``tower_phi`` = wrapped jet phi + dphi (the file holds no
  other absolute position);
- pT back in GeV through the jet's scalar pT sum S: the towers' pT fractions z_i sum to 1, so a
  tower's pT is z_i x S and every momentum of the normalised towers is the physical one / S.
  Where the file's ``jet_PT`` is normalised, S is not in the file and is taken as ``nominal_pt``
  (default 1100 GeV, the centre of the paper's 1000-1200 GeV window): tower pT = z_i x S, jet
  pT = ``jet_PT`` x S, jet mass = ``jet_Mass`` x S (mass scales with the momenta). The taggers'
  tower input is log pT, so a nominal S is an offset of at most log(1200 / 1100) = 0.09 against
  the jet's own, which standardisation absorbs when training on this source and the
  cross-source table measures when not; for the mass it is a smearing of up to 9 %, which the
  HL networks see. Where ``jet_PT`` is in GeV, S is taken as ``jet_PT`` (vector and scalar
  sums of a collimated jet agree to a few per mille) and a GeV ``jet_Mass`` as it is; the file's
  own values stay in ``file_jet_pt`` and ``file_jet_mass``;
- the talk's 16 (``nsubjettiness.FEATURES``, beta 1 and 2, N = 1..8) from ``Nsubs_beta10`` and
  ``Nsubs_beta20``, divided by R0^beta (R0 = 1.2) to the project's normalised measure (the file's
  towers sum to 1, so UnnormalizedMeasure / R0^beta is NormalizedMeasure); the 135 values as
  the file holds them in ``tau{N}_beta{05,10,20}`` (``split.NSUBS_COLUMNS``), for ``hl135``;
- provenance: the file as given, the row in it, jet 0.

No flattening (the authors' sample is flat in mass with equal class counts already); the split
is an exact train/val/test partition (``attnphys.splits``) drawn from the seed under the key
``("jets", "paper", "split")``, default 80/10/10 as the first author's (``adamlu123/sandbox``
multi_prongs/utils.py ``split_data``: 80/10/10 of the file after moving one tenth of it, the
fold, to the end; ten folds, so the paper's spread is over test folds, ours over training seeds
on one split).

The file is read in chunks of ``CHUNK`` jets (h5py slices), so memory holds one chunk of
towers, never the file's 108k x 230 x 3: a first pass checks every value (``check_values``),
so a bad file is refused before anything is logged or written, a second converts. The consistency check (``consistency``) recomputes
tau_N of a seeded sample of jets with the project's FastJet path (``nsubjettiness``) and
compares them with the file's, printed and written to ``consistency.json`` beside the splits;
a disagreement is reported with its numbers, not raised. All outputs are atomic: an error
anywhere leaves none of them.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from attnphys.files import atomic_path, existing
from attnphys.jets.dataset import CLASSES_METADATA, SPLITS, DatasetFiles, dataset_schema, preprocessing
from attnphys.jets.ingest import TOWER_LISTS
from attnphys.jets.nsubjettiness import FEATURES, N_MAX, R0
from attnphys.jets.split import NSUBS_BETAS, NSUBS_COLUMNS, PREPROCESSING_KEY
from attnphys.seeding import generator
from attnphys.splits import assign_splits
from attnphys.stage_options import add_seed_option
from attnphys.validate import BadInput, brief, describe, first_bad
from attnphys.validate.arguments import finite_float, positive_int

log = logging.getLogger(__name__)

PAPER_CLASSES = ("1", "2", "3", "4b", "6", "8", "4q")  # target 0..6 (4q last)
TOWERS_KEY = "Constituents/threeM"
JET_KEYS = ("jet_PT", "jet_Mass", "jet_Eta", "jet_Phi")
NSUBS_KEYS = {beta: f"Nsubs/Nsubs_beta{beta}" for beta in NSUBS_BETAS}
BETA_VALUES = {"05": 0.5, "10": 1.0, "20": 2.0}
PAPER_SPLIT = (0.8, 0.1, 0.1)
NOMINAL_PT = 1100.0  # GeV: the centre of the paper's 1000-1200 GeV window
NORMALISED_MAX = 2.0  # a normalised jet pT is at most 1 and m / pT of an R = 1.2 jet below 1
PHYSICAL_MIN = 10.0  # GeV: the median of a physical pT or mass of this sample is far above
SUM_TOLERANCE = 1e-3  # |sum of tower pT - 1| of a normalised jet (float32 sums of 230 values)
CHECK_RTOL, CHECK_ATOL = 1e-4, 1e-7  # recomputed against stored tau_N (float32 storage)
CHUNK = 4096  # jets per read
EXTRA_COLUMNS = (("file_jet_pt", pa.float32()), ("file_jet_mass", pa.float32()))


@dataclasses.dataclass(frozen=True)
class Layout:
    """What the reader found in the file, logged and stored in the summary."""

    n_jets: int
    file_towers: int  # the towers axis of Constituents/threeM (230 in the published file)
    n_nsubs: int  # tau_N columns per beta (45 in the published file)
    pt_scale: str  # "normalised" | "GeV"
    mass_scale: str  # "normalised" | "GeV"
    dtypes: dict[str, str]
    class_counts: dict[str, int]


@dataclasses.dataclass(frozen=True)
class PaperFiles:
    """The dataset splits, their summary and the consistency record."""

    dataset: DatasetFiles
    consistency: Path

    @classmethod
    def in_folder(cls, folder: str | Path) -> PaperFiles:
        return cls(DatasetFiles.in_folder(folder), Path(folder) / "consistency.json")


def paper_schema(max_towers: int, classes: list[str], n_nsubs: int) -> pa.Schema:
    """The dataset contract plus the file's own jet values and its tau_N columns."""
    base = dataset_schema(max_towers, classes)
    nsubs = [f"tau{n}_beta{beta}" for beta in NSUBS_BETAS for n in range(1, n_nsubs + 1)]
    return pa.schema([*base, *(pa.field(n, t) for n, t in EXTRA_COLUMNS), *(pa.field(n, pa.float32()) for n in nsubs)],
                     metadata=base.metadata)


def open_paper_file(path: Path):
    """The file opened for reading; a missing, truncated or non-HDF5 file is one error naming it."""
    import h5py

    existing(path, "published N-prong HDF5 file (jets.paper_file)")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise BadInput(path, "file", f"not a readable HDF5 file (truncated or corrupt?): {brief(err)}") from err


def _dataset(f, path: Path, key: str):
    import h5py

    try:
        node = f.get(key)
    except (OSError, RuntimeError, KeyError, TypeError) as err:
        raise BadInput(path, key, f"unreadable (truncated or corrupt file?): {brief(err)}") from err
    if not isinstance(node, h5py.Dataset):
        raise BadInput(path, key, "missing" if node is None else "not a dataset")
    return node


def _read(node, path: Path, key: str, rows=slice(None)) -> np.ndarray:
    try:
        return node[rows]
    except (OSError, RuntimeError, ValueError, TypeError) as err:
        raise BadInput(path, key, f"unreadable (truncated or corrupt file?): {brief(err)}") from err


def _scale(values: np.ndarray, path: Path, key: str) -> str:
    """``normalised`` or ``GeV`` from the values themselves; anything between is refused."""
    if values.max() <= NORMALISED_MAX:
        return "normalised"
    if np.median(values) >= PHYSICAL_MIN:
        return "GeV"
    raise BadInput(path, key, f"values span [{values.min():.4g}, {values.max():.4g}]: neither normalised "
                   f"(all <= {NORMALISED_MAX}) nor GeV (median >= {PHYSICAL_MIN})")


def read_layout(f, path: Path) -> tuple[Layout, dict[str, np.ndarray]]:
    """Check every key's presence, shape and dtype and the per-jet values; decide the scales."""
    target_node = _dataset(f, path, "target")
    if target_node.ndim != 1:
        raise BadInput(path, "target", f"shape {target_node.shape}, expected (jets,)")
    if not np.issubdtype(target_node.dtype, np.integer):
        raise BadInput(path, "target", f"dtype {target_node.dtype}, expected integer labels 0..6")
    n = target_node.shape[0]
    if n == 0:
        raise BadInput(path, "target", "no jets")
    target = _read(target_node, path, "target").astype(np.int64)
    bad = (target < 0) | (target >= len(PAPER_CLASSES))
    if bad.any():
        raise BadInput(path, "target", f"label {target[first_bad(bad)]} out of range 0..6 in jet {first_bad(bad)}")
    dtypes = {"target": str(target_node.dtype)}
    jets = {"target": target}
    for key in JET_KEYS:
        node = _dataset(f, path, key)
        if node.shape != (n,):
            raise BadInput(path, key, f"shape {node.shape}, expected ({n},) as target")
        if not np.issubdtype(node.dtype, np.floating):
            raise BadInput(path, key, f"dtype {node.dtype}, expected floating point")
        values = _read(node, path, key).astype(np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            raise BadInput(path, key, f"{describe(values, bad)} in jet {first_bad(bad)}")
        dtypes[key] = str(node.dtype)
        jets[key] = values
    for key in ("jet_PT", "jet_Mass"):
        bad = jets[key] <= 0 if key == "jet_PT" else jets[key] < 0
        if bad.any():
            raise BadInput(path, key, f"{jets[key][first_bad(bad)]:.4g} in jet {first_bad(bad)}: not physical")
    towers = _dataset(f, path, TOWERS_KEY)
    if towers.ndim != 3 or towers.shape[0] != n or towers.shape[2] != 3 or towers.shape[1] < 1:
        raise BadInput(path, TOWERS_KEY, f"shape {towers.shape}, expected ({n}, towers, 3): (pT, eta, phi) per tower")
    if not np.issubdtype(towers.dtype, np.floating):
        raise BadInput(path, TOWERS_KEY, f"dtype {towers.dtype}, expected floating point")
    dtypes[TOWERS_KEY] = str(towers.dtype)
    widths = set()
    for beta, key in NSUBS_KEYS.items():
        node = _dataset(f, path, key)
        if node.ndim != 2 or node.shape[0] != n or node.shape[1] < N_MAX:
            raise BadInput(path, key, f"shape {node.shape}, expected ({n}, N) with N >= {N_MAX} (tau_1..tau_N)")
        if not np.issubdtype(node.dtype, np.floating):
            raise BadInput(path, key, f"dtype {node.dtype}, expected floating point")
        widths.add(node.shape[1])
        dtypes[key] = str(node.dtype)
    if len(widths) != 1:
        raise BadInput(path, NSUBS_KEYS["20"], f"tau_N columns {sorted(widths)} differ between the three betas")
    counts = np.bincount(target, minlength=len(PAPER_CLASSES))
    layout = Layout(n_jets=n, file_towers=towers.shape[1], n_nsubs=widths.pop(),
                    pt_scale=_scale(jets["jet_PT"], path, "jet_PT"), mass_scale=_scale(jets["jet_Mass"], path, "jet_Mass"),
                    dtypes=dtypes, class_counts={c: int(k) for c, k in zip(PAPER_CLASSES, counts)})
    return layout, jets


def scalar_sum_gev(jet_pt: np.ndarray, layout: Layout, nominal_pt: float) -> np.ndarray:
    """S, the jet's scalar pT sum in GeV that the normalised towers were divided by: ``jet_PT``
    where the file holds GeV, ``nominal_pt`` where it is normalised (S is not in the file)."""
    return jet_pt if layout.pt_scale == "GeV" else np.full_like(jet_pt, nominal_pt)


def checked_towers(three: np.ndarray, path: Path, first_row: int, tolerance: float = SUM_TOLERANCE) -> np.ndarray:
    """The real-tower counts of one chunk; NaN, negative pT, an empty jet or pT not summing to 1
    name the key and the jet."""
    bad = ~np.isfinite(three)
    if bad.any():
        row = first_row + int(np.argwhere(bad)[0, 0])
        raise BadInput(path, TOWERS_KEY, f"{describe(three, bad)} in jet {row}")
    pt = three[:, :, 0].astype(np.float64)
    if (pt < 0).any():
        raise BadInput(path, TOWERS_KEY, f"negative tower pT in jet {first_row + int(np.argwhere(pt < 0)[0, 0])}")
    counts = (pt > 0).sum(axis=1)
    if (counts == 0).any():
        raise BadInput(path, TOWERS_KEY, f"no tower with pT > 0 in jet {first_row + first_bad(counts == 0)}")
    sums = pt.sum(axis=1)
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        k = first_bad(off)
        raise BadInput(path, TOWERS_KEY, f"tower pT sums to {sums[k]:.6g} in jet {first_row + k}, expected 1 "
                       "(pT-normalised towers)")
    return counts


def sorted_towers(three: np.ndarray) -> np.ndarray:
    """Each jet's towers by decreasing pT (real ones first, padding last), as ``jets ingest`` writes them."""
    order = np.argsort(-three[:, :, 0], axis=1, kind="stable")
    return np.take_along_axis(three, order[:, :, None], axis=1)


def check_values(f, path: Path, layout: Layout) -> None:
    """Every tower and tau_N value of the file, chunk by chunk, before anything is written or logged."""
    towers = _dataset(f, path, TOWERS_KEY)
    nsubs = {beta: _dataset(f, path, key) for beta, key in NSUBS_KEYS.items()}
    for start in range(0, layout.n_jets, CHUNK):
        rows = slice(start, min(start + CHUNK, layout.n_jets))
        checked_towers(_read(towers, path, TOWERS_KEY, rows), path, start)
        _nsubs_chunk(nsubs, path, rows)


def _fixed(values: np.ndarray, width: int) -> pa.FixedSizeListArray:
    return pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(values, dtype=values.dtype).ravel()), width)


def chunk_table(rows: np.ndarray, jets: dict[str, np.ndarray], three: np.ndarray, counts: np.ndarray,
                nsubs: dict[str, np.ndarray], layout: Layout, classes: list[str], max_towers: int,
                nominal_pt: float, source: str, schema: pa.Schema) -> pa.Table:
    """Dataset rows of the file's jets ``rows`` (their sorted towers ``three``, tau_N ``nsubs``)."""
    from attnphys.detector.azimuth import wrap_phi

    names = np.array(PAPER_CLASSES)[jets["target"][rows]]
    scale = scalar_sum_gev(jets["jet_PT"][rows], layout, nominal_pt)
    pt_gev = jets["jet_PT"][rows] if layout.pt_scale == "GeV" else jets["jet_PT"][rows] * scale
    mass_gev = jets["jet_Mass"][rows] if layout.mass_scale == "GeV" else jets["jet_Mass"][rows] * scale
    width = min(max_towers, three.shape[1])
    n_real = np.minimum(counts, max_towers)
    mask = np.arange(max_towers)[None, :] < n_real[:, None]
    padded = np.zeros((len(rows), max_towers, 3), dtype=np.float32)
    padded[:, :width] = three[:, :width]
    padded *= mask[:, :, None]
    eta, phi = jets["jet_Eta"][rows], jets["jet_Phi"][rows]
    lists = {
        "tower_pt": padded[:, :, 0] * scale[:, None],
        "tower_deta": padded[:, :, 1],
        "tower_dphi": padded[:, :, 2],
        "tower_eta": np.where(mask, padded[:, :, 1] + eta[:, None], 0.0),
        "tower_phi": np.where(mask, wrap_phi(padded[:, :, 2] + phi[:, None]), 0.0),
    }
    columns = {
        "label": pa.array([classes.index(c) for c in names], pa.int64()),
        "class": pa.array(names.tolist(), pa.string()),
        "jet_pt": pa.array(pt_gev, pa.float32()),
        "jet_eta": pa.array(eta, pa.float32()),
        "jet_phi": pa.array(phi, pa.float32()),
        "jet_mass": pa.array(mass_gev, pa.float32()),
        "n_towers": pa.array(n_real, pa.int32()),
        **{name: _fixed(lists[name].astype(np.float32), max_towers) for name in TOWER_LISTS},
        "tower_mask": _fixed(mask, max_towers),
    }
    for name in FEATURES:
        n, beta = name.removeprefix("tau").split("_b")
        columns[name] = pa.array(nsubs[f"{int(beta)}0"][:, int(n) - 1] / R0 ** int(beta), pa.float32())
    columns |= {
        "source_file": pa.array([source] * len(rows), pa.string()),
        "source_entry": pa.array(rows, pa.int64()),
        "source_jet": pa.array(np.zeros(len(rows)), pa.int32()),
        "file_jet_pt": pa.array(jets["jet_PT"][rows], pa.float32()),
        "file_jet_mass": pa.array(jets["jet_Mass"][rows], pa.float32()),
    }
    for beta in NSUBS_BETAS:
        for n in range(1, layout.n_nsubs + 1):
            columns[f"tau{n}_beta{beta}"] = pa.array(nsubs[beta][:, n - 1], pa.float32())
    return pa.table(columns, schema=schema)


def _nsubs_chunk(nodes: dict, path: Path, rows) -> dict[str, np.ndarray]:
    out = {}
    for beta, node in nodes.items():
        values = _read(node, path, NSUBS_KEYS[beta], rows).astype(np.float64)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            row = (rows.start if isinstance(rows, slice) else 0) + int(np.argwhere(bad)[0, 0])
            raise BadInput(path, NSUBS_KEYS[beta], f"{describe(values, bad)} in jet {row}: tau_N must be finite and >= 0")
        out[beta] = values
    return out


def consistency(f, path: Path, layout: Layout, seed: int, n_check: int, file_jet_pt: np.ndarray | None = None) -> dict:
    """tau_N of ``n_check`` seeded jets recomputed from ``threeM`` (``nsubjettiness``, every N and
    beta of the file) against the file's; numbers of the agreement, never an error.

    The file's tau_N are those of the leading anti-kT R = 1.2 jet reclustered from the towers
    (calculate_nsubs.cpp), ours those of all towers: where the file's normalised ``jet_PT``
    (``file_jet_pt``, that jet's pT) differs from the pT of all towers, towers fell outside it and
    the two may differ; those jets are counted, and how many of the disagreeing jets they are."""
    import awkward as ak

    from attnphys.jets.nsubjettiness import nsubjettiness

    n_check = min(n_check, layout.n_jets)
    rows = np.sort(generator(seed, "jets", "paper", "check").choice(layout.n_jets, n_check, replace=False))
    if n_check == 0:
        return {"jets_checked": 0, "agree": None}
    three = _read(_dataset(f, path, TOWERS_KEY), path, TOWERS_KEY, rows).astype(np.float64)
    real = three[:, :, 0] > 0
    pt, eta, phi = (ak.Array([three[i, real[i], k] for i in range(n_check)]) for k in range(3))
    stored = {beta: _read(_dataset(f, path, key), path, key, rows).astype(np.float64) for beta, key in NSUBS_KEYS.items()}
    total = three[:, :, 0].sum(axis=1)
    ours = nsubjettiness(pt, eta, phi, n_max=layout.n_nsubs, betas=tuple(BETA_VALUES.values()), r0=R0)
    record = {"jets_checked": n_check, "rows": rows.tolist(), "rtol": CHECK_RTOL, "atol": CHECK_ATOL,
              "measure": "file: UnnormalizedMeasure on pT fractions; ours: NormalizedMeasure x sum(pT) x R0^beta",
              "betas": {}}
    disagreeing = np.zeros(n_check, dtype=bool)
    for beta, value in BETA_VALUES.items():
        mine = np.stack([ours[f"tau{n}_b{value}"] for n in range(1, layout.n_nsubs + 1)], axis=1)
        mine = mine * total[:, None] * R0**value
        theirs = stored[beta]
        diff = np.abs(mine - theirs)
        rel = diff / np.maximum(np.abs(theirs), CHECK_ATOL)
        off = diff > CHECK_RTOL * np.abs(theirs) + CHECK_ATOL
        disagreeing |= off.any(axis=1)
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        record["betas"][f"beta{beta}"] = {
            "values": int(diff.size), "disagreeing": int(off.sum()),
            "jets_disagreeing": int(off.any(axis=1).sum()),
            "median_rel_diff": float(np.median(rel)), "max_rel_diff": float(rel[worst]),
            "worst": {"row": int(rows[worst[0]]), "N": int(worst[1]) + 1, "file": float(theirs[worst]),
                      "ours": float(mine[worst])},
        }
    record["agree"] = all(b["disagreeing"] == 0 for b in record["betas"].values())
    if file_jet_pt is not None and layout.pt_scale == "normalised":
        z, phi_c = three[:, :, 0], three[:, :, 2]
        outside = np.abs(np.hypot(np.sum(z * np.cos(phi_c), 1), np.sum(z * np.sin(phi_c), 1)) - file_jet_pt[rows]) > 1e-4
        record["jets_partly_outside_leading_jet"] = int(outside.sum())
        record["disagreeing_jets_partly_outside"] = int((outside & disagreeing).sum())
    return record


def _report_consistency(path: Path, record: dict) -> None:
    for name, b in record["betas"].items():
        line = (f"paper dataset: tau_N check {name}: {b['disagreeing']} of {b['values']} values in "
                f"{b['jets_disagreeing']} of {record['jets_checked']} jets beyond rtol {CHECK_RTOL:g}; median "
                f"rel diff {b['median_rel_diff']:.2g}, max {b['max_rel_diff']:.3g} (jet {b['worst']['row']}, "
                f"N {b['worst']['N']}: file {b['worst']['file']:.6g}, ours {b['worst']['ours']:.6g})")
        print(line, flush=True)
    if record["agree"] is False:
        outside = record.get("disagreeing_jets_partly_outside")
        log.warning("%s: the file's tau_N differ from the project's FastJet path on %d jets%s (consistency.json)",
                    path, max(b["jets_disagreeing"] for b in record["betas"].values()),
                    "" if outside is None else f", {outside} of them with towers outside the file's leading jet")


def build_paper_dataset(paper_file: str | Path, out: PaperFiles, classes: list[str], split=PAPER_SPLIT,
                        max_towers: int = 230, seed: int = 0, nominal_pt: float = NOMINAL_PT,
                        pt_window=(1000.0, 1200.0), mass_window=(300.0, 700.0), check_jets: int = 200) -> dict:
    """Write the splits, summary and consistency record of ``out`` from the published file."""
    path = Path(paper_file)
    existing(path, "published N-prong HDF5 file (jets.paper_file)")
    if len(set(classes)) != len(classes) or set(classes) - set(PAPER_CLASSES):
        raise ValueError(f"config key jets.classes: {list(classes)} must be distinct classes of {list(PAPER_CLASSES)}")
    if max_towers < 1 or check_jets < 0 or not np.isfinite(nominal_pt) or nominal_pt <= 0:
        raise ValueError(f"jets.max_towers {max_towers} must be >= 1, jets.paper_check_jets {check_jets} >= 0, "
                         f"nominal pT {nominal_pt} > 0")
    with open_paper_file(path) as f:
        layout, jets = read_layout(f, path)
        check_values(f, path, layout)
        log.info("paper dataset: %s: %d jets, %d towers per jet, %d tau_N per beta; jet_PT %s, jet_Mass %s; dtypes %s",
                 path, layout.n_jets, layout.file_towers, layout.n_nsubs, layout.pt_scale, layout.mass_scale,
                 layout.dtypes)
        if layout.pt_scale == "normalised":
            log.info("paper dataset: jet_PT is normalised (the leading jet of the pT-normalised towers): "
                     "tower pT, jet pT and mass in GeV = %g GeV (the nominal scalar pT sum) x the file's values",
                     nominal_pt)
        if layout.n_nsubs != len(NSUBS_COLUMNS) // len(NSUBS_BETAS):
            log.warning("paper dataset: %d tau_N per beta, not 45: hl135 cannot train on this file", layout.n_nsubs)
        kept = np.flatnonzero(np.isin(np.array(PAPER_CLASSES)[jets["target"]], classes))
        if len(kept) < len(SPLITS):
            raise BadInput(path, "target", f"{len(kept)} jets of the classes {list(classes)}: too few for three splits")
        which = np.full(layout.n_jets, -1, dtype=np.int8)
        which[kept] = assign_splits(len(kept), split, "config key jets.paper_split", generator(seed, "jets", "paper", "split"))
        record = {**preprocessing(pt_window, mass_window, max_towers),
                  "source": {"name": "paper", "file": str(path), "pt_scale": layout.pt_scale,
                             "mass_scale": layout.mass_scale, "nominal_pt": nominal_pt if layout.pt_scale == "normalised" else None}}
        schema = paper_schema(max_towers, classes, layout.n_nsubs)
        schema = schema.with_metadata({CLASSES_METADATA: json.dumps(list(classes)).encode(),
                                       PREPROCESSING_KEY: json.dumps(record).encode()})
        towers_node = _dataset(f, path, TOWERS_KEY)
        nsubs_nodes = {beta: _dataset(f, path, key) for beta, key in NSUBS_KEYS.items()}
        truncated = 0
        with contextlib.ExitStack() as stack:
            writers = {}
            for s in SPLITS:
                tmp = stack.enter_context(atomic_path(getattr(out.dataset, s)))
                writers[s] = stack.enter_context(pq.ParquetWriter(tmp, schema))
            for start in range(0, layout.n_jets, CHUNK):
                rows = slice(start, min(start + CHUNK, layout.n_jets))
                three = _read(towers_node, path, TOWERS_KEY, rows)
                counts = checked_towers(three, path, start)
                three = sorted_towers(three)
                nsubs = _nsubs_chunk(nsubs_nodes, path, rows)
                truncated += int((counts > max_towers).sum())
                index = np.arange(rows.start, rows.stop)
                for k, s in enumerate(SPLITS):
                    take = which[index] == k
                    if take.any():
                        local = np.flatnonzero(take)
                        writers[s].write_table(chunk_table(
                            index[local], jets, three[local], counts[local], {b: v[local] for b, v in nsubs.items()},
                            layout, list(classes), max_towers, nominal_pt, str(path), schema))
                del three, nsubs
            checked = consistency(f, path, layout, seed, check_jets, jets["jet_PT"])
            for writer in writers.values():
                writer.close()
            summary = _summary(layout, jets, kept, which, list(classes), truncated, record, checked)
            with atomic_path(out.consistency) as tmp:
                tmp.write_text(json.dumps(checked, indent=2) + "\n")
            with atomic_path(out.dataset.summary) as tmp:
                tmp.write_text(json.dumps(summary, indent=2) + "\n")
    if checked.get("betas"):
        _report_consistency(path, checked)
    if truncated:
        log.warning("paper dataset: %d jets hold more than jets.max_towers = %d towers; kept the hardest", truncated,
                    max_towers)
    log.info("paper dataset: %d jets -> %s (%s)", len(kept), out.dataset.train.parent, summary["splits"])
    return summary


def _summary(layout: Layout, jets, kept, which, classes, truncated, record, checked) -> dict:
    names = np.array(PAPER_CLASSES)[jets["target"]]
    per_class = {c: int(np.sum(names[kept] == c)) for c in classes}
    return {
        "source": record["source"],
        "layout": dataclasses.asdict(layout),
        "target_per_class": min(per_class.values()),
        "final_per_class": min(per_class.values()),
        "shortfall_per_class": 0,
        "classes": {c: {"before_flattening": layout.class_counts[c], "final": per_class[c]} for c in classes},
        "splits": {s: int(np.sum(which == k)) for k, s in enumerate(SPLITS)},
        "jets_truncated": truncated,
        "tau_check_agrees": checked.get("agree"),
    }


def run(args: argparse.Namespace) -> None:
    out = PaperFiles(DatasetFiles(args.out_train, args.out_val, args.out_test, args.out_summary), args.out_consistency)
    build_paper_dataset(args.paper_file, out, args.classes, tuple(args.split), args.max_towers, args.seed,
                        args.nominal_pt, tuple(args.pt_window), tuple(args.mass_window), args.check_jets)


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "paper-dataset", help="the authors' published N-prong HDF5 file -> train/val/test datasets")
    parser.add_argument("paper_file", type=Path, help="dataset_PtNormed.h5 (Zenodo record 10404290)")
    for s in SPLITS:
        parser.add_argument(f"--out-{s}", type=Path, required=True, help=f"{s} split (Parquet) to write")
    parser.add_argument("--out-summary", type=Path, required=True, help="summary.json to write")
    parser.add_argument("--out-consistency", type=Path, required=True, help="consistency.json (tau_N check) to write")
    parser.add_argument("--classes", nargs="+", required=True, help="classes in label order")
    parser.add_argument("--split", nargs=3, type=finite_float, default=list(PAPER_SPLIT))
    parser.add_argument("--max-towers", type=positive_int, default=230)
    add_seed_option(parser)
    parser.add_argument("--nominal-pt", type=finite_float, default=NOMINAL_PT,
                        help="GeV per unit of a normalised jet_PT (default: 1100, the window's centre)")
    parser.add_argument("--pt-window", nargs=2, type=finite_float, default=[1000.0, 1200.0],
                        help="recorded for `jets predict` (the paper's window)")
    parser.add_argument("--mass-window", nargs=2, type=finite_float, default=[300.0, 700.0])
    parser.add_argument("--check-jets", type=int, default=200, help="jets of the tau_N consistency check")
    parser.set_defaults(func=run)
