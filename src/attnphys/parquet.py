"""Reading Parquet columns with errors that name the file and the missing fields."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from attnphys.files import existing
from attnphys.validate import brief


def read_columns(path: str | os.PathLike, columns: Sequence[str], what: str = "file") -> pa.Table:
    """The ``columns`` of Parquet file ``path``, checked before reading.

    FileNotFoundError when ``path`` is absent; ValueError naming ``path`` when it is not a
    readable Parquet file or lacks some of ``columns`` (``what`` describes it in messages).
    """
    path = existing(path, what)
    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException, ValueError) as err:
        raise ValueError(f"{path}: not a readable Parquet file ({brief(err)})") from err
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(f"{path}: {what} lacks column(s) {missing}")
    try:
        return pq.read_table(path, columns=list(columns))
    except (OSError, pa.ArrowException, ValueError) as err:
        raise ValueError(f"{path}: reading the Parquet data failed (corrupt file?): {brief(err)}") from err
