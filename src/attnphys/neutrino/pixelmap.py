"""CVN pixel maps and prong maps, and their HDF5 layout (the real-data entry point).

Layout of ``dataset.h5`` (N events, P = max prongs; any producer of these datasets, e.g.
a converter of NOvA's own pixel maps, can feed the train and evaluate stages):

- ``pixel_maps``           float16 (N, 2, 100, 80): charge (photo-electrons) per view
  (0: XZ, 1: YZ), plane of that view (row; 100 planes of one view span 200 detector
  planes) and cell (column; 80 cells centred on the vertex), as in CVN
  (Aurisano et al., arXiv:1604.01444);
- ``truth_prong_index``    int8 (N, 2, 100, 80): truth prong of each pixel, -1 none;
- ``reco_prong_index``     int8 (N, 2, 100, 80): reconstructed prong of each pixel, -1 none;
  prong k's map is ``pixel_maps * (index == k)``, so prong maps cost no extra storage;
- ``truth_prong_label``, ``reco_prong_label`` int8 (N, P): prong class (prongs.PRONG_CLASSES),
  -1 where the prong does not exist;
- ``event_label``          int8 (N,): index into beam.EVENT_CLASSES;
- ``split``                int8 (N,): 0 train, 1 validation, 2 test;
- ``event``                int64 (N,) and ``e_nu`` float32 (N,); attributes ``classes``,
  ``prong_classes``, ``max_prongs``, ``reco_purity``, ``reco_completeness``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from attnphys.files import atomic_hdf5
from attnphys.validate import brief
from attnphys.validate.neutrino import check_maps

PLANES, CELLS = 100, 80
DATASETS = ("pixel_maps", "truth_prong_index", "reco_prong_index", "truth_prong_label", "reco_prong_label",
            "event_label", "split", "event", "e_nu")


def pixel_coordinates(hits: pd.DataFrame, vertex_cell: pd.Series) -> tuple[np.ndarray, ...]:
    """(row, view, plane-of-view, column, inside) of each hit in its event's map."""
    event_index = hits["row"].to_numpy()
    view = hits["view"].to_numpy()
    plane = hits["plane"].to_numpy() // 2
    column = hits["cell"].to_numpy() - vertex_cell[view, event_index] + CELLS // 2
    inside = (plane < PLANES) & (column >= 0) & (column < CELLS)
    return event_index, view, plane, column, inside


def build_maps(hits: pd.DataFrame, n_events: int, prong_columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Dense maps of ``n_events`` events; hits need a ``row`` column (the event's row)."""
    # Window centre per view: the charge-weighted cell of the first 10 planes of the view.
    early = hits[hits["plane"] < hits.groupby("row")["plane"].transform("min") + 20]
    centre = np.zeros((2, n_events), dtype=np.int64)
    for v in (0, 1):
        sub = early[early["view"] == v]
        w = sub.groupby("row").apply(lambda g: np.average(g["cell"], weights=g["pe"]), include_groups=False)
        centre[v, w.index.to_numpy()] = np.round(w.to_numpy()).astype(np.int64)
    row, view, plane, column, inside = pixel_coordinates(hits, centre)
    maps = np.zeros((n_events, 2, PLANES, CELLS), dtype=np.float32)
    np.add.at(maps, (row[inside], view[inside], plane[inside], column[inside]), hits["pe"].to_numpy()[inside])
    out = {"pixel_maps": maps.astype(np.float16)}
    for name, prong in prong_columns.items():
        index = np.full((n_events, 2, PLANES, CELLS), -1, dtype=np.int8)
        index[row[inside], view[inside], plane[inside], column[inside]] = prong[inside]
        out[name] = index
    return out


def write_dataset(path: Path, arrays: dict[str, np.ndarray], attrs: dict) -> None:
    """Write the layout above atomically, gzip-compressed per event (built in memory:
    ``attnphys.files.atomic_hdf5``)."""
    with atomic_hdf5(path) as f:
        for name, value in arrays.items():
            chunks = (1,) + value.shape[1:] if value.ndim > 1 else None
            f.create_dataset(name, data=value, compression="gzip" if value.ndim > 2 else None, chunks=chunks)
        for key, value in attrs.items():
            f.attrs[key] = value


def read_dataset(path: Path, names=DATASETS) -> tuple[dict[str, np.ndarray], dict]:
    """The datasets ``names`` and the attributes of a dataset file, checked for presence and
    values (``attnphys.validate.neutrino``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: neutrino dataset not found")
    try:
        with h5py.File(path, "r") as f:
            missing = [n for n in names if n not in f]
            if missing:
                raise ValueError(f"{path}: neutrino dataset lacks {missing}")
            data, attrs = {n: f[n][...] for n in names}, dict(f.attrs)
    except (OSError, RuntimeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a readable HDF5 file ({brief(err)})") from err
    check_maps(path, data, attrs)
    return data, attrs
