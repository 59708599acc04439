"""Validation of a towers Parquet file (``jets ingest`` output, ``TOWER_SCHEMA``) where the
dataset stage reads it.

Refused, with the file, the column and the first bad row: a missing column or one of the
wrong kind (labels and counts must be integers, kinematics numbers, towers lists of
numbers), nulls, non-finite values, negative jet or tower pT or jet mass, tower lists of
different lengths within a jet, and ``n_towers`` that disagrees with the tower lists (it
would make a wrong mask). A NaN jet mass would otherwise drop the jet from the flat sample
without a word.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attnphys.validate import BadInput, describe, first_bad

SCALARS = ("jet_pt", "jet_eta", "jet_phi", "jet_mass")
NON_NEGATIVE = ("jet_pt", "jet_mass", "tower_pt")
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
    """Finite; not negative where physics says so. ``row_of``: cumulative list lengths."""
    for bad, what in ((~np.isfinite(values), "non-finite"),
                      ((values < 0) if name in NON_NEGATIVE else np.zeros(len(values), bool), "negative")):
        if bad.any():
            index = first_bad(bad)
            row = index if row_of is None else int(np.searchsorted(row_of, index, side="right"))
            raise BadInput(path, f"column {name}", f"{what} value {describe(values, bad)} in row {row}")
