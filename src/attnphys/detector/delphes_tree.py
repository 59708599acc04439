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
finds them by the same leaf name in both. Trees that uproot writes from records without
these names (``Tower_ET``, counter ``nTower``) are read too.

Read with :func:`open_delphes` (the one reader): it validates the file, the tree and every
needed leaf up front, then yields the collections in bounded-memory steps
(:meth:`DelphesTree.steps`) or whole (:meth:`DelphesTree.read`, and :func:`read_collection`
for one collection), as per-event records with short field names (``ET``, ``PID``).
Bad input raises FileNotFoundError (missing file) or ValueError naming the file and the
leaf: truncated (``attnphys.validate.delphes``) or corrupt file, no tree ``Delphes``, an RNTuple instead of a TTree, a
missing collection or leaf, baskets that do not decompress, a leaf that is no list of numbers, a counter
(``Tower_size``, ``nTower``) that disagrees with its leaves, non-finite or unphysical values (``ET``, ``PT``
outside [0, beam energy], ``Phi`` outside [-pi, pi], a tower beyond |eta| 5; the first bad event named).

``Particle`` holds the hard-process record (attnphys.event_record.hard_process); a real
Delphes file holds the full generator record there. Indices M1, M2, D1, D2 are 0-based
positions within the event's Particle list, -1 for none, in both.

ROOT files embed creation times, so two writes of the same events are equal in content
(every leaf, every event) but not byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import awkward as ak
import uproot

from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.files import atomic_path, existing
from attnphys.validate import brief
from attnphys.validate.delphes import check_collection, check_counter, check_header, check_kinematics

TREE = "Delphes"
STEP_SIZE = "64 MB"  # memory bound of one read step
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


def read_collection(path: str | os.PathLike, name: str, fields: Sequence[str]) -> ak.Array:
    """Per-event records of collection ``name`` (e.g. ``"Tower"``) of the whole file."""
    with open_delphes(path, {name: fields}) as events:
        return events.read()[name]


def open_delphes(path: str | os.PathLike, collections: Mapping[str, Sequence[str]]) -> DelphesTree:
    """Open tree ``Delphes`` of ``path`` and find the leaf of every (collection, field) asked for.

    ``collections`` maps a collection name to its fields, e.g. ``{"Tower": ("ET", "Eta")}``.
    Use the result as a context manager; it closes the file.
    """
    path = existing(path, "Delphes ROOT file")
    check_header(path)
    try:
        handle = uproot.open(path)
    except Exception as err:
        raise ValueError(f"{path}: not a readable ROOT file (truncated or corrupt?): {brief(err)}") from err
    try:
        return DelphesTree(path, handle, collections)
    except BaseException:
        handle.close()
        raise


class DelphesTree:
    """An open, validated tree ``Delphes``: its entry count and the leaves of the asked fields."""

    def __init__(self, path: Path, handle: uproot.ReadOnlyDirectory,
                 collections: Mapping[str, Sequence[str]]):
        self.path, self.handle = path, handle
        try:
            self.tree = handle[TREE]
        except Exception as err:
            raise ValueError(f"{path}: no readable tree {TREE!r} (keys: {handle.keys()}): {brief(err)}") from err
        if not isinstance(self.tree, uproot.behaviors.TTree.TTree):
            raise ValueError(f"{path}: {TREE!r} is a {handle.classname_of(TREE)}, expected a TTree "
                             "(as Delphes writes)")
        names = set(self.tree.keys(recursive=True, full_paths=False))
        self.leaves: dict[str, tuple[str, str]] = {}  # leaf name -> (collection, field)
        for collection, fields in collections.items():
            for field in fields:
                self.leaves[_leaf(path, names, collection, field)] = (collection, field)
        self.counters = {collection: name for collection in collections
                         for name in (f"{collection}_size", f"n{collection}") if name in names}
        self.collections = tuple(collections)

    @property
    def num_entries(self) -> int:
        return self.tree.num_entries

    def steps(self, step_size: str | int = STEP_SIZE) -> Iterator[tuple[int, dict[str, ak.Array]]]:
        """Yield (first entry, {collection: records}) per step of at most ``step_size``
        (entries, or memory such as ``"64 MB"``)."""
        iterator = self.tree.iterate(filter_name=[*self.leaves, *self.counters.values()], step_size=step_size,
                                     library="ak", report=True)
        while True:
            with self._reading():
                arrays, report = next(iterator, (None, None))
            if arrays is None:
                return
            yield report.tree_entry_start, self._records(arrays, report.tree_entry_start)

    def read(self) -> dict[str, ak.Array]:
        """{collection: records} of the whole tree."""
        with self._reading():
            arrays = self.tree.arrays(filter_name=[*self.leaves, *self.counters.values()], library="ak")
        return self._records(arrays)

    def _records(self, arrays: ak.Array, first_entry: int = 0) -> dict[str, ak.Array]:
        """Validated records per collection (``attnphys.validate.delphes``)."""
        records = {}
        for collection in self.collections:
            fields = {field: arrays[leaf] for leaf, (coll, field) in self.leaves.items() if coll == collection}
            check_collection(self.path, collection, fields, first_entry)
            if collection in self.counters:
                counter = self.counters[collection]
                check_counter(self.path, collection, counter, ak.to_numpy(arrays[counter]), fields, first_entry)
            check_kinematics(self.path, collection, fields, first_entry)
            records[collection] = ak.zip(fields, depth_limit=2)
        return records

    @contextmanager
    def _reading(self):
        try:
            yield
        except Exception as err:
            raise ValueError(f"{self.path}: leaf {self._failing_leaf()}: reading tree {TREE} failed (truncated or "
                             f"corrupt file?): {brief(err)}") from err

    def _failing_leaf(self) -> str:
        """The first asked leaf that does not read on its own (called only after a failure)."""
        for leaf, (collection, field) in self.leaves.items():
            try:
                self.tree[leaf].array(library="np")
            except Exception:
                return f"{collection}.{field}"
        return "(several)"

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> DelphesTree:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _leaf(path: Path, names: set[str], collection: str, field: str) -> str:
    """The leaf holding ``collection.field``: Delphes' ``Tower.ET`` or uproot's flat ``Tower_ET``."""
    for name in (f"{collection}.{field}", f"{collection}_{field}"):
        if name in names:
            return name
    present = any(n.startswith((f"{collection}.", f"{collection}_")) for n in names)
    absent = "" if present else f"; no collection {collection} at all"
    raise ValueError(f"{path}: tree {TREE} has no leaf {collection}.{field} "
                     f"(nor {collection}_{field}{absent})")
