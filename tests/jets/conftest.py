"""Shared fixtures for the jets tests: one small generated chunk per prong class."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from attnphys.jets.generate import generate_chunk
from attnphys.jets.prong_classes import CLASS_NAMES


@dataclass(frozen=True)
class GeneratedChunks:
    """Chunk 0 of every class: ``paths[cls]``, each with ``events`` events from ``seed``."""

    paths: dict[str, Path]
    events: int
    seed: int


@pytest.fixture(scope="session")
def generated_chunks(tmp_path_factory) -> GeneratedChunks:
    """Generated once per session; 30 events per class keeps this under ~20 s."""
    folder = tmp_path_factory.mktemp("events")
    events, seed = 30, 11
    paths = {cls: generate_chunk(cls, 0, events, seed, folder / f"{cls}.root").out for cls in CLASS_NAMES}
    return GeneratedChunks(paths, events, seed)
