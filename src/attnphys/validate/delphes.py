"""Validation of Delphes-layout ROOT files, applied by the one reader
(``attnphys.detector.delphes_tree.open_delphes``).

- ``check_header``: a ROOT file starts with ``root``, its version and the end-of-file offset
  ``fEND`` (32-bit, or 64-bit from version 1000000 on; ROOT's TFile layout). A file shorter
  than ``fEND`` lost its tail (an interrupted copy) and is refused, even where the tree's
  baskets that remain happen to decompress.
- ``check_collection``: every field of a collection is a per-event list of numbers and all
  fields of an event have the same length.
- ``check_counter``: the collection's counter leaf (``Tower_size``, ``nTower``) equals the
  number of entries of its leaves in every event.
- ``check_kinematics``: values are finite and physical: ``ET`` and ``PT`` in [0, beam energy],
  ``Phi`` in [-pi, pi], a tower's ``Eta`` within the calorimeters' coverage (|eta| <= 5) and a
  particle's within +-999.9 (the value at pT = 0, ``attnphys.kinematics``). A NaN or an
  |eta| of a few hundred (whose pz^2 overflows) reaching FastJet crashes the clustering (a
  segmentation fault), so this runs before it; every value that passes gives finite
  four-momenta.
"""

from __future__ import annotations

import os
import struct

import awkward as ak
import numpy as np

from attnphys.kinematics import ETA_AT_ZERO_PT
from attnphys.validate import BEAM_ENERGY, ETA_LIMIT, PHI_LIMIT, BadInput, describe, outside

HEADER = "ROOT header"
# field -> (collection or None for any, low, high, what lies outside)
RANGES = {
    "ET": (None, 0.0, BEAM_ENERGY, "outside [0, beam energy]"),
    "PT": (None, 0.0, BEAM_ENERGY, "outside [0, beam energy]"),
    "Phi": (None, -PHI_LIMIT, PHI_LIMIT, "outside [-pi, pi]"),
    "Eta": ("Tower", -ETA_LIMIT, ETA_LIMIT, "beyond the calorimeters' coverage |eta| <= 5"),
}
PARTICLE_ETA = ETA_AT_ZERO_PT * (1 + 1e-6)


def check_header(path: str | os.PathLike) -> None:
    """Refuse a file that is not ROOT or is shorter than its header's end-of-file offset."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(20)
    if len(head) < 16 or head[:4] != b"root":
        raise BadInput(path, HEADER, "not a ROOT file (no 'root' magic at the start)")
    version, _begin = struct.unpack(">ii", head[4:12])
    if version >= 1000000:
        if len(head) < 20:
            raise BadInput(path, HEADER, f"cut inside the header ({size} bytes)")
        (end,) = struct.unpack(">q", head[12:20])
    else:
        (end,) = struct.unpack(">i", head[12:16])
    if end > size:
        raise BadInput(path, "ROOT header fEND",
                       f"file truncated: the header says it ends at byte {end}, but it has {size} bytes")


def check_collection(path, collection: str, arrays: dict[str, ak.Array], first_entry: int) -> None:
    """Each field of ``collection`` a list of numbers per event, of the same length per event."""
    counts = None
    for field, array in arrays.items():
        leaf = f"{collection}.{field}"
        layout = ak.type(array).content
        if not isinstance(layout, ak.types.ListType | ak.types.RegularType) or not isinstance(
                layout.content, ak.types.NumpyType):
            raise BadInput(path, f"leaf {leaf}", f"expected a list of numbers per event, got {layout}")
        if layout.content.primitive == "bool":
            raise BadInput(path, f"leaf {leaf}", "expected numbers, got booleans")
        n = ak.to_numpy(ak.num(array, axis=1))
        if counts is None:
            counts, first = n, leaf
        elif (n != counts).any():
            entry = first_entry + int(np.flatnonzero(n != counts)[0])
            raise BadInput(path, f"leaf {leaf}", f"{n[entry - first_entry]} values in event {entry}, "
                           f"but {first} has {counts[entry - first_entry]}")


def check_counter(path, collection: str, counter: str, counts: np.ndarray, arrays: dict[str, ak.Array],
                  first_entry: int) -> None:
    """The counter leaf ``counter`` of ``collection`` equals the entries per event of its leaves."""
    if not arrays:
        return
    field, array = next(iter(arrays.items()))
    n = ak.to_numpy(ak.num(array, axis=1))
    counts = np.asarray(counts)
    if counts.shape != n.shape or (counts != n).any():
        event = int(np.flatnonzero(counts != n)[0]) if counts.shape == n.shape else 0
        raise BadInput(path, f"leaf {counter}", f"counts {counts[event] if counts.shape == n.shape else counts.shape} "
                       f"in event {first_entry + event}, but leaf {collection}.{field} has {n[event]} entries")


def check_kinematics(path, collection: str, arrays: dict[str, ak.Array], first_entry: int) -> None:
    """Finite values in every floating field, and the physical ranges of ``RANGES``."""
    for field, array in arrays.items():
        flat = ak.to_numpy(ak.flatten(array, axis=1))
        if not np.issubdtype(flat.dtype, np.floating):
            continue
        bad = ~np.isfinite(flat)
        what = "non-finite"
        where, lo, hi, problem = RANGES.get(field, (None, -np.inf, np.inf, ""))
        if field == "Eta" and collection != "Tower":
            lo, hi, problem = -PARTICLE_ETA, PARTICLE_ETA, f"outside +-{ETA_AT_ZERO_PT}"
        elif where not in (None, collection):
            lo, hi = -np.inf, np.inf
        suffix = ""
        if not bad.any():
            bad = outside(flat, lo, hi)
            what = "negative" if bad.any() and lo == 0 and flat[bad].min() < 0 else "unphysical"
            suffix = f" ({problem})"
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            entry = first_entry + int(np.searchsorted(np.cumsum(ak.to_numpy(ak.num(array, axis=1))), index,
                                                      side="right"))
            raise BadInput(path, f"leaf {collection}.{field}",
                           f"{what} value {describe(flat, bad)} in event {entry}{suffix}")
