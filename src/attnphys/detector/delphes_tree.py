"""The Delphes ROOT layout: write a chunk of events, read collections back (ours or Delphes').

A chunk is one ROOT file with one tree ``Delphes``. Written with uproot, its
``tree.keys()`` are exactly::

    Tower_size, Tower.ET, Tower.Eta, Tower.Phi, Tower.E, Tower.Eem, Tower.Ehad,
    Particle_size, Particle.PID, Particle.Status, Particle.M1, Particle.M2,
    Particle.D1, Particle.D2, Particle.PT, Particle.Eta, Particle.Phi, Particle.Mass,
    Particle.E, Particle.Px, Particle.Py, Particle.Pz, Particle.Charge

``X_size`` is an int32 per event; the ``X.*`` leaves are jagged (``float[]`` for
kinematics, ``int32_t[]`` for PID, Status, M1, M2, D1, D2, Charge). In a real Delphes file
the same leaves sit under split branches (``Tower/Tower.ET``) next to many more; uproot
finds them by the same leaf name in both, so read with :func:`read_collection`, which
addresses leaves as ``"<Collection>.<field>"`` and returns short field names.

``Particle`` holds the hard-process record (attnphys.event_record.hard_process); a real
Delphes file holds the full generator record there. Indices M1, M2, D1, D2 are 0-based
positions within the event's Particle list, -1 for none, in both.

ROOT files embed creation times, so two writes of the same events are equal in content
(every leaf, every event) but not byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import awkward as ak
import uproot

from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.files import atomic_path

TREE = "Delphes"
PARTICLE_FIELDS = (
    "PID", "Status", "M1", "M2", "D1", "D2", "PT", "Eta", "Phi", "Mass",
    "E", "Px", "Py", "Pz", "Charge",
)  # fmt: skip


def _collection(name: str, records: ak.Array, fields: tuple[str, ...]) -> ak.Array:
    missing = [f for f in fields if f not in ak.fields(records)]
    if missing:
        raise ValueError(f"collection {name}: missing fields {missing}")
    return records[list(fields)]


def write_chunk(path: str | os.PathLike, towers: ak.Array, particles: ak.Array) -> None:
    """Write per-event ``Tower`` and ``Particle`` records (same length) atomically to ``path``."""
    if len(towers) != len(particles):
        raise ValueError(f"{path}: {len(towers)} events of towers but {len(particles)} of particles")
    branches = {
        "Tower": _collection("Tower", towers, TOWER_FIELDS),
        "Particle": _collection("Particle", particles, PARTICLE_FIELDS),
    }
    with atomic_path(path) as tmp:
        with uproot.recreate(tmp) as out:
            out.mktree(
                TREE,
                {name: array.type.content for name, array in branches.items()},
                counter_name=lambda name: f"{name}_size",
                field_name=lambda outer, inner: f"{outer}.{inner}",
            )
            out[TREE].extend(branches)


def read_collection(path: str | os.PathLike, name: str, fields: tuple[str, ...] | list[str]) -> ak.Array:
    """Per-event records of collection ``name`` (e.g. ``"Tower"``) with short field names.

    Works on our chunks and on real Delphes files. FileNotFoundError / ValueError name the
    file and the missing tree or leaf.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such Delphes ROOT file")
    try:
        with uproot.open(path) as handle:
            if TREE not in handle:
                raise ValueError(f"{path}: no tree {TREE!r}")
            tree = handle[TREE]
            columns = {}
            for field in fields:
                leaf = f"{name}.{field}"
                try:
                    columns[field] = tree[leaf].array()
                except uproot.KeyInFileError:
                    raise ValueError(f"{path}: tree {TREE!r} has no leaf {leaf!r}") from None
    except (OSError, uproot.deserialization.DeserializationError) as err:
        raise ValueError(f"{path}: unreadable ROOT file ({err})") from err
    return ak.zip(columns, depth_limit=2)
