"""Reading Parquet columns with errors that name the file and the missing fields."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from attnphys.files import existing


def read_columns(path: str | os.PathLike, columns: Sequence[str], what: str = "file") -> pa.Table:
    """The ``columns`` of Parquet file ``path``, checked before reading.

    FileNotFoundError when ``path`` is absent; ValueError naming ``path`` when it is not a
    readable Parquet file or lacks some of ``columns`` (``what`` describes it in messages).
    """
    path = existing(path, what)
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{path}: not a readable Parquet file ({err})") from err
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise ValueError(f"{path}: {what} lacks column(s) {missing}")
    return pq.read_table(path, columns=list(columns))
