"""Inputs are unique: one file given twice (the same path, a symlink to it, or a copy) would
put the same events in train and test.

Files are identified by their resolved path and their content (BLAKE2b of the bytes; only
files of equal size are hashed). Jets are identified by their kinematics and tower count,
so the same jet reaching the dataset through two towers files is found even when the
files differ.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from attnphys.validate import BadInput

BLOCK = 1 << 20


def content_digest(path: str | os.PathLike) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def check_unique_files(paths: Iterable[str | os.PathLike], what: str = "input file") -> None:
    """Refuse two entries of ``paths`` that resolve to one file or hold the same bytes."""
    seen: dict[Path, str] = {}
    by_size: dict[int, list[str]] = {}
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            raise BadInput(path, what, f"given twice (also as {seen[resolved]}, both are {resolved})")
        seen[resolved] = str(path)
        if resolved.is_file():
            by_size.setdefault(resolved.stat().st_size, []).append(str(path))
    for group in by_size.values():
        digests: dict[str, str] = {}
        for path in group if len(group) > 1 else ():
            digest = content_digest(path)
            if digest in digests:
                raise BadInput(path, what, f"same content as {digests[digest]} (a copy given twice)")
            digests[digest] = path


def check_unique_jets(keys: np.ndarray, files: Sequence[str], file_index: np.ndarray, rows: np.ndarray,
                      field: str = "jet") -> None:
    """Refuse two rows with the same key (one per jet, e.g. its kinematics as a structured array)."""
    if len(keys) < 2:
        return
    order = np.argsort(keys, kind="stable")
    same = keys[order][1:] == keys[order][:-1]
    if same.any():
        k = int(np.flatnonzero(same)[0])
        a, b = order[k], order[k + 1]
        raise BadInput(files[file_index[b]], field,
                       f"row {rows[b]} is the same jet as row {rows[a]} of {files[file_index[a]]} "
                       "(an input given twice?)")
