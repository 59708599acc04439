"""Validation of Delphes-layout ROOT files, applied by the one reader
(``attnphys.detector.delphes_tree.open_delphes``).

- ``check_header``: a ROOT file starts with ``root``, its version and the end-of-file offset
  ``fEND`` (32-bit, or 64-bit from version 1000000 on; ROOT's TFile layout). A file shorter
  than ``fEND`` lost its tail (an interrupted copy) and is refused, even where the tree's
  baskets that remain happen to decompress.
- ``check_collection``: every field of a collection is a per-event list of numbers and all
  fields of an event have the same length.
- ``check_kinematics``: values are finite; ``ET`` and ``PT`` are not negative. A NaN reaching
  FastJet crashes the clustering (a segmentation fault), so this runs before it.
"""

from __future__ import annotations

import os
import struct

import awkward as ak
import numpy as np

from attnphys.validate import BadInput, describe

NON_NEGATIVE = ("ET", "PT")
HEADER = "ROOT header"


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


def check_kinematics(path, collection: str, arrays: dict[str, ak.Array], first_entry: int) -> None:
    """Finite values in every floating field; ``ET`` and ``PT`` not negative."""
    for field, array in arrays.items():
        flat = ak.to_numpy(ak.flatten(array, axis=1))
        if not np.issubdtype(flat.dtype, np.floating):
            continue
        bad = ~np.isfinite(flat)
        what = "non-finite"
        if field in NON_NEGATIVE and not bad.any():
            bad, what = flat < 0, "negative"
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            entry = first_entry + int(np.searchsorted(np.cumsum(ak.to_numpy(ak.num(array, axis=1))), index,
                                                      side="right"))
            raise BadInput(path, f"leaf {collection}.{field}",
                           f"{what} value {describe(flat, bad)} in event {entry}")
