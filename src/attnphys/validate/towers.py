"""Validation of a towers Parquet file (``jets ingest`` output, ``TOWER_SCHEMA``) where the
dataset stage reads it.

Refused, with the file, the column and the first bad row: a missing column or one of the
wrong kind (labels and counts must be integers, kinematics numbers, towers lists of
numbers), nulls, non-finite values, values outside their physical range (``RANGES``: pT in
[0, beam energy], jet mass in [0, twice the beam energy], eta within the calorimeters'
coverage, phi and delta phi in [-pi, pi], delta eta within twice the coverage), tower lists
of different lengths within a jet, and ``n_towers`` that disagrees with the tower lists (it
would make a wrong mask). A NaN jet mass would otherwise drop the jet from the flat sample
without a word.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attnphys.validate import BEAM_ENERGY, ETA_LIMIT, PHI_LIMIT, BadInput, describe, first_bad, outside

SCALARS = ("jet_pt", "jet_eta", "jet_phi", "jet_mass")
RANGES = {
    "jet_pt": (0.0, BEAM_ENERGY), "tower_pt": (0.0, BEAM_ENERGY), "jet_mass": (0.0, 2 * BEAM_ENERGY),
    "jet_eta": (-ETA_LIMIT, ETA_LIMIT), "tower_eta": (-ETA_LIMIT, ETA_LIMIT),
    "tower_deta": (-2 * ETA_LIMIT, 2 * ETA_LIMIT),
    "jet_phi": (-PHI_LIMIT, PHI_LIMIT), "tower_phi": (-PHI_LIMIT, PHI_LIMIT), "tower_dphi": (-PHI_LIMIT, PHI_LIMIT),
}
INTEGERS = ("n_towers", "source_entry", "source_jet")
LISTS = ("tower_pt", "tower_eta", "tower_phi", "tower_deta", "tower_dphi")


def check_towers_table(path, table: pa.Table) -> None:
    """Refuse the table of ``path`` unless every present column holds valid values."""
    names = set(table.column_names)
    for name in ("class", "source_file"):
        if name in names:
            column = table.column(name)
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                raise BadInput(path, f"column {name}", f"expected strings, got {column.type}")
            _no_nulls(path, name, column)
    for name in INTEGERS:
        if name in names:
            column = table.column(name)
            if not pa.types.is_integer(column.type):
                raise BadInput(path, f"column {name}", f"expected integers, got {column.type}")
            _no_nulls(path, name, column)
    for name in SCALARS:
        if name in names:
            column = table.column(name)
            if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
                raise BadInput(path, f"column {name}", f"expected numbers, got {column.type}")
            _no_nulls(path, name, column)
            _physical(path, name, column.to_numpy().astype(np.float64), row_of=None)
    lengths = None
    for name in LISTS:
        if name not in names:
            continue
        column = table.column(name).combine_chunks()
        if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
                or pa.types.is_fixed_size_list(column.type)) or not (
                pa.types.is_floating(column.type.value_type) or pa.types.is_integer(column.type.value_type)):
            raise BadInput(path, f"column {name}", f"expected lists of numbers, got {column.type}")
        _no_nulls(path, name, column)
        flat = column.flatten()
        if flat.null_count:
            raise BadInput(path, f"column {name}", "null tower value")
        n = pc.list_value_length(column).to_numpy(zero_copy_only=False)
        _physical(path, name, flat.to_numpy(zero_copy_only=False).astype(np.float64), row_of=np.cumsum(n))
        if lengths is None:
            lengths, first = n, name
        elif (n != lengths).any():
            row = first_bad(n != lengths)
            raise BadInput(path, f"column {name}", f"{n[row]} towers in row {row}, but {first} has {lengths[row]}")
    if lengths is not None and "n_towers" in names:
        count = table.column("n_towers").to_numpy()
        if (count != lengths).any():
            row = first_bad(count != lengths)
            raise BadInput(path, "column n_towers", f"{count[row]} in row {row}, but its tower lists hold "
                           f"{lengths[row]} towers")


def _no_nulls(path, name: str, column) -> None:
    if column.null_count:
        row = first_bad(column.is_null().to_numpy(zero_copy_only=False))
        raise BadInput(path, f"column {name}", f"null in row {row}")


def _physical(path, name: str, values: np.ndarray, row_of: np.ndarray | None) -> None:
    """Finite and within ``RANGES``. ``row_of``: cumulative list lengths."""
    lo, hi = RANGES.get(name, (-np.inf, np.inf))
    for bad, what in ((~np.isfinite(values), "non-finite"), ((values < 0) & (lo == 0), "negative"),
                      (outside(values, lo, hi), "unphysical")):
        if bad.any():
            index = first_bad(bad)
            row = index if row_of is None else int(np.searchsorted(row_of, index, side="right"))
            raise BadInput(path, f"column {name}", f"{what} value {describe(values, bad)} in row {row} "
                           f"(range [{lo:.6g}, {hi:.6g}])")
