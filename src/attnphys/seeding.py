"""Random streams, one way: every random choice flows from the config seed through named keys.

``stream(seed, *keys)`` is ``numpy.random.SeedSequence([seed, len(keys), *keys])`` with every
string key replaced by its CRC-32 (the count keeps ("a",) and ("a", 0) apart: SeedSequence
pads its entropy with zeros, so trailing zero keys would otherwise vanish). Keys name where the stream is used: the area, the stage, then what
indexes the job, e.g. ``("jets", "generate", "4b", chunk)``, ``("spanet", "split")``,
``("neutron_stars", "dataset", sample)``. Streams under different keys are independent, and a
stream depends on nothing but its keys (not on how many chunks or samples a run has).

``pythia_and_detector`` splits one stream into the Pythia seed (``Random:seed`` accepts
1..900,000,000) and the detector simulation's generator, for an event-generation chunk.
"""

from __future__ import annotations

import zlib

import numpy as np

SEED_MAX = 900_000_000  # Pythia 8's Random:seed range is 1..SEED_MAX
MASTER_SEED = 20220201  # the config's default seed (schema), also a stage's default when run by hand


def stream(seed: int, *keys: str | int) -> np.random.SeedSequence:
    """The seed sequence named by ``keys`` under the master ``seed`` (integers must be >= 0)."""
    entropy = [seed] + [zlib.crc32(key.encode()) if isinstance(key, str) else key for key in keys]
    if any(not isinstance(value, (int, np.integer)) or value < 0 for value in entropy):
        raise ValueError(f"random stream: seed and integer keys must be non-negative integers, got {[seed, *keys]}")
    return np.random.SeedSequence([int(entropy[0]), len(keys), *(int(value) for value in entropy[1:])])


def generator(seed: int, *keys: str | int) -> np.random.Generator:
    return np.random.default_rng(stream(seed, *keys))


def integer(seed: int, *keys: str | int) -> int:
    """A 32-bit integer seed (``torch.manual_seed``, a training run) from the stream."""
    return int(stream(seed, *keys).generate_state(1)[0])


def run_seed(seed: int, area: str, *run: str | int) -> int:
    """The seed of one training run: the master ``seed``, the area and what names the run
    (model and replica, or the star count), under the key ``(area, "train", *run)``."""
    return integer(seed, area, "train", *run)


def integers(seed: int, count: int, *keys: str | int) -> list[int]:
    """``count`` independent 32-bit seeds; the first k do not depend on ``count``."""
    return [int(child.generate_state(1)[0]) for child in stream(seed, *keys).spawn(count)]


def pythia_and_detector(seed: int, *keys: str | int) -> tuple[int, np.random.Generator]:
    """(Pythia seed in 1..SEED_MAX, detector generator) of one generation chunk."""
    pythia, detector = stream(seed, *keys).spawn(2)
    return int(pythia.generate_state(1, dtype=np.uint64)[0] % SEED_MAX) + 1, np.random.default_rng(detector)
