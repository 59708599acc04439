"""The gating area's workflow plan: three fixed jobs (capacity table, XOR fits, report), no
chunks and no files of the user's, so nothing to derive from the config."""

from __future__ import annotations


def check(cfg: dict) -> None:
    """Nothing beyond the schema (``gating`` has no cross-field constraints)."""
