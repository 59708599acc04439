"""Reader of one split of the jets dataset (the columns ``dataset_schema`` in
``attnphys.jets.dataset`` defines) as the arrays the taggers take.

- ``hl``: jet mass (GeV) and the logarithms of the 16 N-subjettiness values, in the order of
  ``nsubjettiness.FEATURES`` (``HL_COLUMNS``; a model may name another set in its class attribute
  ``hl_columns``, e.g. ``NSUBS135_COLUMNS``: the mass and the 135 values of the paper's file). tau_N spans decades and its discriminating power lies in the
  ratios tau_N / tau_N-1 (Thaler and Van Tilburg, arXiv:1011.2268), which are differences of
  logarithms: a linear layer forms them directly. Values below ``TAU_FLOOR`` (tau_N = 0 when a
  jet has at most N towers) are taken at the floor;
- ``towers``: per real tower (log pT/GeV, delta eta, delta phi) relative to the jet axis,
  zero on padding, with the boolean ``mask`` of real towers (a prefix of each row).

``classes`` is the class list the dataset stage recorded in the split (None for files
without it); labels and class names are checked against the model's classes by
``attnphys.validate.dataset.check_split``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from attnphys.jets.nsubjettiness import FEATURES
from attnphys.parquet import read_columns

HL_COLUMNS = ("jet_mass", *FEATURES)
# The published N-prong file's N-subjettiness (``attnphys.jets.paper_dataset``): tau_N for N = 1..45
# at beta 0.5, 1 and 2 as the file holds them; with the mass, the paper's final HL input (136).
NSUBS_BETAS = ("05", "10", "20")
NSUBS_N = 45
NSUBS_COLUMNS = tuple(f"tau{n}_beta{beta}" for beta in NSUBS_BETAS for n in range(1, NSUBS_N + 1))
NSUBS135_COLUMNS = ("jet_mass", *NSUBS_COLUMNS)
TAU_FLOOR = 1e-6
TOWER_COLUMNS = ("tower_pt", "tower_deta", "tower_dphi")
PREPROCESSING_KEY = b"attnphys.preprocessing"


@dataclass
class Jets:
    """One split of the dataset as arrays; ``towers`` is (jets, max_towers, 3)."""

    path: Path
    label: np.ndarray
    classes: np.ndarray
    jet_pt: np.ndarray
    jet_mass: np.ndarray
    hl: np.ndarray
    towers: np.ndarray
    mask: np.ndarray
    length: np.ndarray
    class_list: list[str] | None = None

    def __len__(self) -> int:
        return len(self.label)


def _list_column(table: pa.Table, name: str, path: Path) -> np.ndarray:
    """A (fixed-size or equal-length) list column as a 2-D array."""
    column = table.column(name).combine_chunks()
    if not (pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type)
            or pa.types.is_large_list(column.type)):
        raise ValueError(f"{path}: column {name!r} must be a list column, got {column.type}")
    n = len(column)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    widths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if (widths != widths[0]).any():
        raise ValueError(f"{path}: column {name!r} has lists of unequal length")
    return column.flatten().to_numpy(zero_copy_only=False).reshape(n, int(widths[0]))


def read_jets(path: str | Path, need_towers: bool = True, hl_columns: tuple[str, ...] = HL_COLUMNS) -> Jets:
    """Read one split; missing columns, NaN or a mask that is not a prefix name file and field.
    ``hl_columns``: the jet mass then the tau_N columns that make ``hl``."""
    path = Path(path)
    table = read_columns(path, jet_columns(need_towers, hl_columns), "dataset split")
    return jets_of_table(table, path, need_towers, hl_columns)


def read_preprocessing(path: str | Path) -> dict | None:
    """The preprocessing record of a dataset split (``attnphys.jets.dataset.preprocessing``);
    None for a file written without one."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[PREPROCESSING_KEY]) if PREPROCESSING_KEY in metadata else None


def jet_columns(need_towers: bool, hl_columns: tuple[str, ...] = HL_COLUMNS) -> list[str]:
    """The dataset columns the taggers' inputs are made of."""
    return ["label", "class", "jet_pt", *hl_columns] + (["tower_mask", *TOWER_COLUMNS] if need_towers else [])


def jets_of_table(table: pa.Table, path: str | Path, need_towers: bool = True,
                  hl_columns: tuple[str, ...] = HL_COLUMNS) -> Jets:
    """Dataset rows (``jet_columns``) as ``Jets``; ``path`` names the source in errors."""
    path = Path(path)
    if hl_columns[0] != "jet_mass":
        raise ValueError(f"HL columns {list(hl_columns)[:3]}...: the first must be jet_mass")
    wanted = jet_columns(need_towers, hl_columns)
    if not pa.types.is_integer(table.schema.field("label").type):
        raise ValueError(f"{path}: column label: expected integers, got {table.schema.field('label').type}")
    if any(table.column(c).null_count for c in wanted):
        name = next(c for c in wanted if table.column(c).null_count)
        raise ValueError(f"{path}: column {name}: null values")
    n = table.num_rows
    scalar = {c: table.column(c).to_numpy().astype(np.float32) for c in ("jet_pt", *hl_columns)}
    hl = np.stack([scalar["jet_mass"], *(np.log(np.maximum(scalar[c], TAU_FLOOR)) for c in hl_columns[1:])],
                  axis=1).astype(np.float32) if n else np.zeros((0, len(hl_columns)), np.float32)
    if need_towers:
        mask = _list_column(table, "tower_mask", path).astype(bool)
        pt, deta, dphi = (_list_column(table, c, path).astype(np.float32) for c in TOWER_COLUMNS)
        arrays = {"tower_pt": pt, "tower_deta": deta, "tower_dphi": dphi}
        if n and any(a.shape != mask.shape for a in arrays.values()):
            raise ValueError(f"{path}: column tower_mask: shape {mask.shape} differs from the tower columns'")
        length = mask.sum(axis=1).astype(np.int64)
        gaps = (mask != (np.arange(mask.shape[1]) < length[:, None])).any(axis=1)
        if n and gaps.any():
            raise ValueError(f"{path}: column tower_mask: not a prefix in row {_first_row(gaps)} "
                             "(towers must come first, padding after)")
        if n and (mask & (pt <= 0)).any():
            raise ValueError(f"{path}: column tower_pt: not positive on a real tower in row "
                             f"{_first_row(mask & (pt <= 0))}")
        logpt = np.log(np.where(mask, pt, 1.0), dtype=np.float32)
        towers = np.stack([logpt, deta, dphi], axis=-1) * mask[..., None]
    else:
        arrays = {}
        mask = np.zeros((n, 0), dtype=bool)
        length = np.zeros(n, dtype=np.int64)
        towers = np.zeros((n, 0, 3), dtype=np.float32)
    for name, values in {**scalar, **arrays}.items():
        if not np.isfinite(values).all():
            raise ValueError(f"{path}: column {name}: NaN or infinite value in row {_first_row(~np.isfinite(values))}")
    label = table.column("label").to_numpy().astype(np.int64)
    if n and label.min() < 0:
        raise ValueError(f"{path}: column label: negative value in row {_first_row(label < 0)}")
    return Jets(path, label, table.column("class").to_numpy(zero_copy_only=False).astype(str),
                scalar["jet_pt"], scalar["jet_mass"], hl, towers.astype(np.float32), mask, length,
                _class_list(path, table.schema.metadata or {}))


def _first_row(bad: np.ndarray) -> int:
    return int(np.argwhere(bad)[0, 0])


def _class_list(path: Path, metadata: dict) -> list[str] | None:
    raw = metadata.get(b"attnphys.classes")
    if raw is None:
        return None
    try:
        classes = json.loads(raw)
    except ValueError as err:
        raise ValueError(f"{path}: metadata attnphys.classes: not JSON ({err})") from err
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"{path}: metadata attnphys.classes: expected a list of class names, got {classes!r}")
    return classes
