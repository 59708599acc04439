"""SPANet's HDF5 layout for all-hadronic ttbar, read and written exactly.

``INPUTS/Source/{MASK,pt,eta,phi,mass,btag}`` hold ``[events, max_jets]`` arrays and
``TARGETS/t1/{b,q1,q2}``, ``TARGETS/t2/{b,q1,q2}`` hold jet indices (-1 when the parton
has no jet), so files move both ways between this project and SPANet
(Fenton et al., arXiv:2010.09206). Any ``max_jets`` is accepted on reading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import h5py
import numpy as np

from attnphys.files import atomic_hdf5, existing
from attnphys.validate import brief
from attnphys.validate.spanet import check_mask, check_physical, check_real_jets

JET_FIELDS = ("pt", "eta", "phi", "mass", "btag")
TOPS = ("t1", "t2")
PARTONS = ("b", "q1", "q2")


@dataclass
class MatchingData:
    """Jets of a batch of events and the truth jet index of each top's partons.

    ``targets[:, t, p]`` is the jet index of parton ``PARTONS[p]`` of top ``TOPS[t]``.
    """

    mask: np.ndarray  # bool [N, J]
    pt: np.ndarray  # float32 [N, J], GeV
    eta: np.ndarray
    phi: np.ndarray
    mass: np.ndarray  # GeV
    btag: np.ndarray  # float32 0/1
    targets: np.ndarray  # int64 [N, 2, 3]

    def __len__(self) -> int:
        return self.mask.shape[0]

    @property
    def max_jets(self) -> int:
        return self.mask.shape[1]

    @property
    def njets(self) -> np.ndarray:
        return self.mask.sum(axis=1)

    def subset(self, index) -> MatchingData:
        return MatchingData(**{k: getattr(self, k)[index] for k in self.__dataclass_fields__})

    def packed(self) -> MatchingData:
        """The same events with each event's real jets first (their order kept), targets
        re-indexed; files from elsewhere may interleave padding."""
        order = np.argsort(~self.mask, axis=1, kind="stable")
        fields = {f: np.take_along_axis(getattr(self, f), order, axis=1) for f in ("mask", *JET_FIELDS)}
        new_index = np.argsort(order, axis=1)
        flat = self.targets.reshape(len(self), -1)
        moved = np.take_along_axis(new_index, np.maximum(flat, 0), axis=1)
        fields["targets"] = np.where(flat >= 0, moved, -1).reshape(self.targets.shape)
        return MatchingData(**fields)

    @staticmethod
    def concat(parts: list[MatchingData]) -> MatchingData:
        """Stack events of several parts, padding every part to the widest ``max_jets``."""
        width = max(p.max_jets for p in parts)

        def pad(a: np.ndarray) -> np.ndarray:
            return np.pad(a, ((0, 0), (0, width - a.shape[1])))

        fields = {f: np.concatenate([pad(getattr(p, f)) for p in parts]) for f in ("mask", *JET_FIELDS)}
        fields["targets"] = np.concatenate([p.targets for p in parts])
        return MatchingData(**fields)


def write_h5(path: str | os.PathLike, data: MatchingData) -> None:
    """Write ``data`` in SPANet's layout, atomically (built in memory: ``attnphys.files.atomic_hdf5``)."""
    validate(data, str(path))
    with atomic_hdf5(path) as f:
        src = f.create_group("INPUTS/Source")
        src.create_dataset("MASK", data=data.mask.astype(bool))
        for name in JET_FIELDS:
            src.create_dataset(name, data=getattr(data, name).astype(np.float32))
        for t, top in enumerate(TOPS):
            grp = f.create_group(f"TARGETS/{top}")
            for p, parton in enumerate(PARTONS):
                grp.create_dataset(parton, data=data.targets[:, t, p].astype(np.int64))


def read_h5(path: str | os.PathLike, require_targets: bool = True) -> MatchingData:
    """Read a file in SPANet's layout; ValueError naming the file and field when it is not.

    ``require_targets`` False: a file without a ``TARGETS`` group (events to assign, not
    truth) reads with every target -1."""
    path = str(existing(path, "SPANet HDF5 file"))
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"{path}: not a readable HDF5 file ({brief(err)})") from err
    with f:
        mask = _dataset(f, path, "INPUTS/Source/MASK")
        if mask.ndim != 2:
            raise ValueError(f"{path}: INPUTS/Source/MASK must be [events, max_jets], got shape {mask.shape}")
        fields = {"mask": check_mask(path, mask)}
        for name in JET_FIELDS:
            arr = _dataset(f, path, f"INPUTS/Source/{name}")
            if arr.shape != mask.shape:
                raise ValueError(
                    f"{path}: INPUTS/Source/{name} has shape {arr.shape}, MASK has {mask.shape}"
                )
            fields[name] = arr.astype(np.float32)
        targets = np.full((mask.shape[0], len(TOPS), len(PARTONS)), -1, dtype=np.int64)
        for t, top in enumerate(TOPS if require_targets or "TARGETS" in f else ()):
            for p, parton in enumerate(PARTONS):
                key = f"TARGETS/{top}/{parton}"
                arr = _dataset(f, path, key)
                if arr.shape != (mask.shape[0],):
                    raise ValueError(f"{path}: {key} has shape {arr.shape}, expected ({mask.shape[0]},)")
                if not np.issubdtype(arr.dtype, np.integer):
                    raise ValueError(f"{path}: {key} must hold integer jet indices, got {arr.dtype}")
                targets[:, t, p] = arr
        fields["targets"] = targets
    data = MatchingData(**fields)
    validate(data, path)
    return data


def validate(data: MatchingData, source: str) -> None:
    """Check shapes, finite jet values, target indices pointing at real jets, and the physics
    (``attnphys.validate.spanet``: physical jets, a real jet in every event, no jet targeted
    twice in an event)."""
    n, j = data.mask.shape
    check_real_jets(source, data.mask)
    for name in JET_FIELDS:
        arr = getattr(data, name)
        if arr.shape != (n, j):
            raise ValueError(f"{source}: INPUTS/Source/{name} has shape {arr.shape}, MASK has {(n, j)}")
        bad = data.mask & ~np.isfinite(arr)
        if bad.any():
            ev = int(np.argwhere(bad)[0, 0])
            raise ValueError(f"{source}: INPUTS/Source/{name} is not finite for a real jet in event {ev}")
    if data.targets.shape != (n, len(TOPS), len(PARTONS)):
        raise ValueError(f"{source}: TARGETS have shape {data.targets.shape}, expected {(n, 2, 3)}")
    for t, top in enumerate(TOPS):
        for p, parton in enumerate(PARTONS):
            idx = data.targets[:, t, p]
            out = (idx < -1) | (idx >= j)
            if out.any():
                ev = int(np.flatnonzero(out)[0])
                raise ValueError(
                    f"{source}: TARGETS/{top}/{parton} index {idx[ev]} out of range [-1, {j - 1}] in event {ev}"
                )
            real = idx >= 0
            padded = real.copy()
            padded[real] = ~data.mask[np.flatnonzero(real), idx[real]]
            if padded.any():
                ev = int(np.flatnonzero(padded)[0])
                raise ValueError(
                    f"{source}: TARGETS/{top}/{parton} index {idx[ev]} points at a padded jet in event {ev}"
                )
    check_physical(source, data.mask, {name: getattr(data, name) for name in JET_FIELDS}, data.targets,
                   [f"TARGETS/{top}/{parton}" for top in TOPS for parton in PARTONS])


def _dataset(f: h5py.File, path: str, key: str) -> np.ndarray:
    group = key.rsplit("/", 1)[0]
    try:
        present = group in f
    except (OSError, RuntimeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: {group}: unreadable (corrupt file?): {brief(err)}") from err
    if not present:
        raise ValueError(f"{path}: missing group {group}")
    try:
        if key not in f or not isinstance(f[key], h5py.Dataset):
            raise ValueError(f"{path}: missing dataset {key}")
        return f[key][()]
    except (OSError, RuntimeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: {key}: unreadable (corrupt file?): {brief(err)}") from err
