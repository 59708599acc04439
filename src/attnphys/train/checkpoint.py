"""Checkpoints: atomic ``torch.save`` of plain data, loaded with ``weights_only=True``.

``save`` hands torch an open file rather than a path: torch names the zip archive's entries
after a path's file name (here the temporary ``.model.PID.tmp``), but ``archive/`` for a file
object, so the same state gives the same bytes whatever process wrote it, and a full disk is
Python's own OSError (``attnphys.files.DiskFull``) instead of torch's "unexpected pos"."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from attnphys.files import atomic_path, existing
from attnphys.validate import brief


def save(obj: dict, path: Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        torch.save(obj, handle)


def load(path: Path) -> dict:
    """Load a checkpoint on the CPU; a missing or unreadable file names itself."""
    path = existing(path, "checkpoint")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for truncated or foreign files
        raise ValueError(f"{path}: not a readable attnphys checkpoint ({brief(err)})") from err
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: checkpoint is not a dict")
    return obj


def normalise(fingerprint: dict, where: str = "fingerprint") -> dict:
    """A JSON round trip, so tuples and lists compare equal and anything odd fails early."""
    try:
        return json.loads(json.dumps(fingerprint, sort_keys=True))
    except TypeError as err:
        raise ValueError(f"{where}: must be JSON-serialisable ({brief(err)})") from err


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested dicts."""
    keys = sorted(set(old) | set(new))
    out = []
    for key in keys:
        name = f"{prefix}{key}"
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(differences(a, b, name + "."))
        elif a != b:
            out.append(f"{name}: checkpoint {a!r} != now {b!r}")
    return out
