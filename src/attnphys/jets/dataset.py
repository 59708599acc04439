"""Dataset stage: towers Parquet files of every class -> flat train/val/test Parquet datasets.

Steps, each a pure function of the inputs and the seed:

1. Per-jet random numbers from a hash of its provenance: the flattening rank from (seed,
   class, source file, entry, jet rank), the split draw from (seed, class, source file,
   entry), so the jets of one event always share a split (no event is both trained on and
   tested). A jet's numbers depend on its provenance only, so adding a chunk never changes
   them and never moves a jet between train, val and test.
2. Flattening: accept-reject with a fixed quota in a (mass, pT) grid of ``flatten_bins`` over
   the selection windows. With h[c, b] jets of class c in bin b, every (class, bin) cell keeps
   its k = min(ceil(jets_per_class / n_bins), min_{c,b} h[c, b]) jets of lowest rank, so every
   class is exactly uniform in the grid with equal counts (capped at ``jets_per_class``, again
   by rank). How far the result falls short of ``jets_per_class`` goes to the summary.
3. Split by the split draw (default 70/15/15).
4. Features: the 16 N-subjettiness values (``attnphys.jets.nsubjettiness``) on all towers of
   the jet; towers truncated/padded to ``max_towers`` as fixed-size float32 lists with a
   boolean mask (padding is zero). Non-finite values are an error.

Output: ``{out_dir}/{train,val,test}.parquet`` with the columns of ``DATASET_SCHEMA`` (the
contract later stages read; the class list in label order in the schema metadata
``attnphys.classes``) and ``{out_dir}/summary.json``. Labels are the class's position
in ``classes`` (the config order). Inputs are validated as they enter
(``attnphys.validate.towers``) and must be unique: one file given twice, through a symlink
or as a copy, or one jet in two files, is an error naming both (``attnphys.validate.unique``). Reading is two passes (scalars, then towers file by file)
so memory holds the selected jets of one feature batch, not all towers.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
from pathlib import Path

import awkward as ak
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.jets.ingest import JET_FIELDS, JET_RADIUS, TOWER_LISTS
from attnphys.jets.nsubjettiness import DEFAULT_AXES, FEATURES, nsubjettiness
from attnphys.jets.provenance import PROVENANCE_FIELDS, provenance_draws
from attnphys.jets.split import PREPROCESSING_KEY
from attnphys.parquet import read_columns
from attnphys.stage_options import add_seed_option
from attnphys.validate import BadInput
from attnphys.validate.arguments import finite_float, positive_int
from attnphys.validate.towers import check_towers_table
from attnphys.validate.unique import check_unique_files, check_unique_jets

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
SCALAR_COLUMNS = ("class", "jet_pt", "jet_mass", "source_file", "source_entry", "source_jet")
TOWER_FILE_COLUMNS = ("class", "jet_pt", "jet_eta", "jet_phi", "jet_mass", "n_towers", *TOWER_LISTS,
                      "source_file", "source_entry", "source_jet")
JET_KEY = ("jet_pt", "jet_eta", "jet_phi", "jet_mass", "n_towers")  # a jet's identity
CLASSES_METADATA = b"attnphys.classes"
FEATURE_BATCH = 4096  # jets per N-subjettiness call: amortises FastJet's per-call overhead


def preprocessing(pt_window, mass_window, max_towers: int) -> dict:
    """How a jet becomes a dataset row: the selection windows, jet radius, tower padding and
    N-subjettiness axes. Stored in every split's Parquet metadata, copied into the model
    record by training, and applied by ``attnphys jets predict``."""
    return {"jet_radius": JET_RADIUS, "pt_window": [float(v) for v in pt_window],
            "mass_window": [float(v) for v in mass_window], "max_towers": int(max_towers),
            "nsubjettiness_axes": DEFAULT_AXES}


def dataset_schema(max_towers: int, classes: list[str] | None = None) -> pa.Schema:
    """Column contract of the train/val/test files; ``classes`` (label order) go to the metadata."""
    fixed = pa.list_(pa.float32(), max_towers)
    metadata = None if classes is None else {CLASSES_METADATA: json.dumps(list(classes)).encode()}
    return pa.schema(
        [
            ("label", pa.int64()),
            *JET_FIELDS,
            *[(name, fixed) for name in TOWER_LISTS],
            ("tower_mask", pa.list_(pa.bool_(), max_towers)),
            *[(name, pa.float32()) for name in FEATURES],
            *PROVENANCE_FIELDS,
        ],
        metadata=metadata,
    )


def flatten_quota(mass, pt, cls, classes, mass_window, pt_window, bins, jets_per_class, rank):
    """Choose a sample flat in (mass, pT) with equal class counts; return (chosen, k, hist).

    Accept-reject with a fixed quota: every (class, mass bin, pT bin) cell keeps its ``k``
    jets of lowest ``rank`` (a uniform hash of the jet's provenance), with
    ``k = min(ceil(jets_per_class / n_cells), sparsest cell count)``. Every class then has
    exactly ``k * n_cells`` jets before the final trim to ``jets_per_class`` (again by rank),
    so the sample is flat bin by bin and no class loses jets to Bernoulli fluctuations.
    Jets outside the windows are never chosen.
    """
    n_mass, n_pt = bins
    im = np.floor((mass - mass_window[0]) / (mass_window[1] - mass_window[0]) * n_mass).astype(int)
    ip = np.floor((pt - pt_window[0]) / (pt_window[1] - pt_window[0]) * n_pt).astype(int)
    im = np.where(mass == mass_window[1], n_mass - 1, im)
    ip = np.where(pt == pt_window[1], n_pt - 1, ip)
    inside = (im >= 0) & (im < n_mass) & (ip >= 0) & (ip < n_pt)
    ic = np.array([classes.index(c) for c in cls], dtype=int) if len(cls) else np.zeros(0, int)
    hist = np.zeros((len(classes), n_mass, n_pt), dtype=np.int64)
    np.add.at(hist, (ic[inside], im[inside], ip[inside]), 1)
    sparse = np.unravel_index(np.argmin(hist), hist.shape)
    if hist[sparse] == 0:
        c, m, p = sparse
        m_lo = mass_window[0] + m * (mass_window[1] - mass_window[0]) / n_mass
        p_lo = pt_window[0] + p * (pt_window[1] - pt_window[0]) / n_pt
        raise ValueError(
            f"flattening: class {classes[c]!r} has no jet in the (mass, pT) bin starting at "
            f"({m_lo:g}, {p_lo:g}) GeV; generate more chunks (jets.acceptance) or use fewer "
            f"jets.flatten_bins (now {list(bins)})"
        )
    k = int(min(np.ceil(jets_per_class / (n_mass * n_pt)), hist[sparse]))
    cell = np.where(inside, (ic * n_mass + im) * n_pt + ip, -1)
    order = np.lexsort((rank, cell))
    sorted_cell = cell[order]
    first = np.searchsorted(sorted_cell, sorted_cell, side="left")
    position = np.arange(len(order)) - first
    chosen = np.zeros(len(mass), dtype=bool)
    chosen[order[(sorted_cell >= 0) & (position < k)]] = True
    for c in range(len(classes)):
        members = np.flatnonzero(chosen & (ic == c))
        chosen[members[np.argsort(rank[members], kind="stable")[jets_per_class:]]] = False
    return chosen, k, hist


def pad_towers(values: ak.Array, max_towers: int) -> np.ndarray:
    """Variable-length lists -> [n, max_towers] float32, truncated or zero-padded."""
    counts = ak.to_numpy(ak.num(values, axis=1))
    flat = ak.to_numpy(ak.flatten(values)).astype(np.float32)
    row = np.repeat(np.arange(len(counts)), counts)
    pos = np.arange(len(flat)) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = pos < max_towers
    out = np.zeros((len(counts), max_towers), dtype=np.float32)
    out[row[keep], pos[keep]] = flat[keep]
    return out


@dataclasses.dataclass(frozen=True)
class DatasetFiles:
    """The files the dataset stage writes: the three splits and ``summary.json``."""

    train: Path
    val: Path
    test: Path
    summary: Path

    @classmethod
    def in_folder(cls, folder: str | Path) -> DatasetFiles:
        """``{train,val,test}.parquet`` and ``summary.json`` in one folder (for use by hand)."""
        folder = Path(folder)
        return cls(*(folder / f"{s}.parquet" for s in SPLITS), folder / "summary.json")


def build_dataset(towers: list[str | Path], out: DatasetFiles, classes: list[str],
                  jets_per_class: int, pt_window=(1000.0, 1200.0), mass_window=(300.0, 700.0),
                  flatten_bins=(4, 2), split=(0.70, 0.15, 0.15), max_towers: int = 230,
                  seed: int = 0) -> dict:
    """Write the train/val/test Parquet files and the summary JSON of ``out``; return the summary."""
    if abs(sum(split) - 1.0) > 1e-6 or min(split) <= 0:
        raise ValueError(f"config key jets.split: fractions {list(split)} must be positive and sum to 1")
    for key, (lo, hi) in (("pt_window", pt_window), ("mass_window", mass_window)):
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
            raise ValueError(f"config key jets.{key}: min {lo} must be below max {hi}, both finite, not negative")
    if min(flatten_bins) < 1 or max_towers < 1 or jets_per_class < 1:
        raise ValueError(f"jets.flatten_bins {list(flatten_bins)}, jets.max_towers {max_towers} and "
                         f"jets.jets_per_class {jets_per_class} must be at least 1")
    if len(set(classes)) != len(classes):
        raise ValueError(f"config key jets.classes: repeated class in {list(classes)}")
    paths = [Path(p) for p in towers]
    check_unique_files(paths, "towers file")

    scalars, keys = [], []
    for path in tqdm(paths, desc="dataset: scan", unit="file"):
        table = read_columns(path, TOWER_FILE_COLUMNS, "towers file")
        check_towers_table(path, table)
        unknown = set(table["class"].to_pylist()) - set(classes)
        if unknown:
            raise BadInput(path, "column class", f"class(es) {sorted(unknown)} not in jets.classes {classes}")
        scalars.append(table.select(SCALAR_COLUMNS))
        keys.append(np.rec.fromarrays([table[c].to_numpy() for c in JET_KEY], names=list(JET_KEY)))
    file_index = np.repeat(np.arange(len(paths)), [t.num_rows for t in scalars])
    if keys:
        check_unique_jets(np.concatenate(keys), [str(p) for p in paths], file_index,
                          np.concatenate([np.arange(t.num_rows) for t in scalars]))
    column = {name: [v for t in scalars for v in t[name].to_pylist()] for name in SCALAR_COLUMNS}
    cls = np.array(column["class"], dtype=object)
    mass = np.array(column["jet_mass"], dtype=np.float64)
    pt = np.array(column["jet_pt"], dtype=np.float64)

    draws = provenance_draws(seed, cls, column["source_file"], column["source_entry"],
                             column["source_jet"])
    chosen, target, hist = flatten_quota(mass, pt, cls, list(classes), mass_window, pt_window,
                                         flatten_bins, jets_per_class, draws[:, 0])
    n_final = int(np.sum(chosen & (cls == classes[0])))
    bounds = np.cumsum(split)[:-1]
    which = np.searchsorted(bounds, draws[:, 1], side="right")

    summary = {
        "target_per_class": jets_per_class,
        "final_per_class": n_final,
        "shortfall_per_class": max(0, jets_per_class - n_final),
        "per_bin_target": target,
        "flatten_bins": list(flatten_bins),
        "classes": {
            c: {
                "before_flattening": int(np.sum(cls == c)),
                "final": int(np.sum(chosen & (cls == c))),
                "sparsest_bin_count": int(hist[k].min()),
            }
            for k, c in enumerate(classes)
        },
        "splits": {s: int(np.sum(chosen & (which == k))) for k, s in enumerate(SPLITS)},
    }
    if n_final < jets_per_class:
        log.warning("dataset: %d jets per class, %d short of jets_per_class = %d (sparsest "
                    "(mass, pT) bin limits the flat sample)", n_final, jets_per_class - n_final,
                    jets_per_class)

    schema = dataset_schema(max_towers, classes)
    record = json.dumps(preprocessing(pt_window, mass_window, max_towers)).encode()
    schema = schema.with_metadata({**schema.metadata, PREPROCESSING_KEY: record})
    with contextlib.ExitStack() as stack:
        writers = {}
        for s in SPLITS:
            tmp = stack.enter_context(atomic_path(getattr(out, s)))
            writers[s] = stack.enter_context(pq.ParquetWriter(tmp, schema))
        batch: list[tuple[Path, pa.Table, np.ndarray]] = []  # (file, selected rows, their split)

        def flush():
            if not batch:
                return
            sources = ", ".join(sorted({str(p) for p, _, _ in batch}))
            features = jet_features(pa.concat_tables([t for _, t, _ in batch]), list(classes),
                                    max_towers, sources)
            split_of = np.concatenate([w for _, _, w in batch])
            for k, s in enumerate(SPLITS):
                part = features.filter(pa.array(split_of == k))
                if part.num_rows:
                    writers[s].write_table(part)
            batch.clear()

        for i, path in enumerate(tqdm(paths, desc="dataset: features", unit="file")):
            rows = chosen[file_index == i]
            if not rows.any():
                continue
            table = read_columns(path, TOWER_FILE_COLUMNS, "towers file")
            batch.append((path, table.take(np.flatnonzero(rows)), which[file_index == i][rows]))
            if sum(t.num_rows for _, t, _ in batch) >= FEATURE_BATCH:
                flush()
        flush()
        for writer in writers.values():
            writer.close()
        with atomic_path(out.summary) as tmp:
            tmp.write_text(json.dumps(summary, indent=2) + "\n")
    log.info("dataset: %d jets per class x %d classes -> %s (%s)", n_final, len(classes), out.train.parent,
             summary["splits"])
    return summary


def jet_features(table: pa.Table, classes: list[str], max_towers: int, path) -> pa.Table:
    """Towers-cache rows -> dataset rows: padded towers, mask, N-subjettiness, label.

    ``path`` names the source file(s) in errors.
    """
    lists = {name: ak.from_arrow(table[name]) for name in TOWER_LISTS}
    taus = nsubjettiness(lists["tower_pt"], lists["tower_eta"], lists["tower_phi"])
    n_towers = table["n_towers"].to_numpy()
    mask = np.arange(max_towers)[None, :] < n_towers[:, None]
    columns = {
        "label": np.array([classes.index(c) for c in table["class"].to_pylist()], dtype=np.int64),
        "class": table["class"],
        **{name: table[name] for name in ("jet_pt", "jet_eta", "jet_phi", "jet_mass", "n_towers")},
    }
    for name in TOWER_LISTS:
        padded = pad_towers(lists[name], max_towers)
        _check_finite(padded, name, path)
        columns[name] = pa.FixedSizeListArray.from_arrays(pa.array(padded.ravel()), max_towers)
    columns["tower_mask"] = pa.FixedSizeListArray.from_arrays(pa.array(mask.ravel()), max_towers)
    for name in FEATURES:
        values = taus[name].astype(np.float32)
        _check_finite(values, name, path)
        columns[name] = values
    for name in ("jet_pt", "jet_eta", "jet_phi", "jet_mass"):
        _check_finite(table[name].to_numpy(), name, path)
    columns["source_file"] = table["source_file"]
    columns["source_entry"] = table["source_entry"]
    columns["source_jet"] = table["source_jet"]
    return pa.table(columns, schema=dataset_schema(max_towers, classes))


def _check_finite(values: np.ndarray, name: str, path) -> None:
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{path}: non-finite value in column {name}")


def run(args: argparse.Namespace) -> None:
    out = DatasetFiles(args.out_train, args.out_val, args.out_test, args.out_summary)
    build_dataset(args.towers, out, args.classes, args.jets_per_class,
                  tuple(args.pt_window), tuple(args.mass_window), tuple(args.flatten_bins),
                  tuple(args.split), args.max_towers, args.seed)


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "dataset", help="towers Parquet files -> flat train/val/test datasets with features")
    parser.add_argument("towers", nargs="+", help="towers Parquet files of the ingest stage")
    for split in SPLITS:
        parser.add_argument(f"--out-{split}", type=Path, required=True, help=f"{split} split (Parquet) to write")
    parser.add_argument("--out-summary", type=Path, required=True, help="summary.json to write (counts, yields)")
    parser.add_argument("--classes", nargs="+", required=True, help="classes in label order")
    parser.add_argument("--jets-per-class", type=positive_int, required=True)
    parser.add_argument("--pt-window", nargs=2, type=finite_float, default=[1000.0, 1200.0])
    parser.add_argument("--mass-window", nargs=2, type=finite_float, default=[300.0, 700.0])
    parser.add_argument("--flatten-bins", nargs=2, type=positive_int, default=[4, 2], metavar=("MASS", "PT"))
    parser.add_argument("--split", nargs=3, type=finite_float, default=[0.70, 0.15, 0.15])
    parser.add_argument("--max-towers", type=positive_int, default=230)
    add_seed_option(parser)
    parser.set_defaults(func=run)
