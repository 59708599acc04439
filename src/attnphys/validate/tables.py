"""CSV tables that stages write and reports read (evaluation summaries, training histories,
capacity counts): the file must exist and hold the columns its reader uses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_csv_columns(path: str | Path, columns, what: str, **read_options) -> pd.DataFrame:
    """``path`` read by pandas; a missing file or column is one line naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing {what}")
    table = pd.read_csv(path, **read_options)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    return table
