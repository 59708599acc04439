"""Hand-built all-hadronic ttbar events shared by the SPA-NET tests."""

from __future__ import annotations

import numpy as np
import pytest

from attnphys.spanet.h5layout import MatchingData


def random_events(n: int, j: int, rng: np.random.Generator, min_jets: int = 6) -> MatchingData:
    njets = rng.integers(min_jets, j + 1, size=n)
    mask = np.arange(j)[None] < njets[:, None]
    pt = np.where(mask, rng.uniform(25, 200, (n, j)), 0).astype(np.float32)
    eta = np.where(mask, rng.uniform(-2.5, 2.5, (n, j)), 0).astype(np.float32)
    phi = np.where(mask, rng.uniform(-np.pi, np.pi, (n, j)), 0).astype(np.float32)
    mass = np.where(mask, rng.uniform(2, 20, (n, j)), 0).astype(np.float32)
    btag = np.where(mask, rng.random((n, j)) < 0.3, 0).astype(np.float32)
    targets = np.stack([rng.permutation(nj)[:6] for nj in njets]).reshape(n, 2, 3)
    targets[rng.random((n, 2, 3)) < 0.1] = -1
    return MatchingData(mask, pt, eta, phi, mass, btag, targets.astype(np.int64))


@pytest.fixture
def make_events():
    return random_events


@pytest.fixture
def rng():
    return np.random.default_rng(7)
