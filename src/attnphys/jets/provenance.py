"""A jet's provenance (the towers file, entry and jet rank it came from; ``PROVENANCE_FIELDS``,
columns of the towers files, the dataset splits and the predictions) and the per-jet random
numbers drawn from hashes of it with its class.

They depend on the provenance and the seed only, so adding a chunk never changes them: the
dataset stage's flattening rank and split draw (``attnphys.jets.dataset``) and the learning
curve's nested subsets (``attnphys.jets.nested_subsets``) both come from here.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

PROVENANCE_FIELDS = [("source_file", pa.string()), ("source_entry", pa.int64()),
                     ("source_jet", pa.int32())]


def provenance_draws(seed: int, classes, files, entries, jets) -> np.ndarray:
    """Two uniforms in [0, 1) per jet from hashes of its provenance: the flattening rank
    (of the jet) and the split draw (of its event, shared by the jets of one event)."""
    out = np.empty((len(classes), 2))
    for i, (cls, name, entry, jet) in enumerate(zip(classes, files, entries, jets)):
        event = f"{seed}|{cls}|{name}|{entry}"
        rank = hashlib.blake2b(f"{event}|{jet}".encode(), digest_size=8).digest()
        split = hashlib.blake2b(event.encode(), digest_size=16).digest()[8:]
        out[i] = np.frombuffer(rank + split, dtype="<u8") / 2.0**64
    return out
