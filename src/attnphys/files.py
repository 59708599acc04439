"""Files in and out, one way each.

Output is atomic (``atomic_path``): write to a temporary name beside the target, then
rename, so a killed job never leaves a half-written file under the final name and Snakemake
(and a resumed run) can trust that an existing output is complete. An input is checked
with ``existing``, whose FileNotFoundError names the file and what it should have been.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success.

    The temporary name keeps the target's suffix (or ``suffix``) so writers that infer
    the format from the extension still work. On an exception the temporary file is
    removed and the target is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    ext = target.suffix if suffix is None else suffix
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{ext}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def existing(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a Path; FileNotFoundError ``"{path}: {what} not found"`` when it is no file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found")
    return path
