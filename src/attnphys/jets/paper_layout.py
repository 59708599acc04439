"""Write jets of the project's dataset in the published N-prong file's layout.

The inverse of ``attnphys.jets.paper_dataset``, for the tests and for sizing runs on a file of
the paper's size without the paper's file: the towers of each jet (GeV, absolute eta and phi)
become the authors' ``Constituents/threeM`` as ``alexxromero/Nprong``
dataset_generation/src/generate_datasets.py makes it (pT divided by the jet's sum, eta minus
its pT-weighted mean, phi minus its pT-weighted circular mean, wrapped to [-pi, pi], zero
padding to ``max_towers``); ``jet_PT``, ``jet_Mass``, ``jet_Eta``, ``jet_Phi`` are those of the
normalised, centred towers (pT about 1, mass about m / pT, as calculate_nsubs.cpp stores them;
here the sum of all towers rather than a reclustered leading jet) and ``Nsubs/Nsubs_beta05|10|20``
hold tau_N, N = 1..``n_nsubs``, of those towers as stored (``dtype``) in the file's convention (UnnormalizedMeasure:
the project's NormalizedMeasure x sum(pT) x R0^beta). ``target`` is the paper's label
(``PAPER_CLASSES``: 4q last). Written atomically.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from attnphys.detector.azimuth import wrap_phi
from attnphys.files import atomic_path
from attnphys.jets.nsubjettiness import R0
from attnphys.jets.paper_dataset import BETA_VALUES, NSUBS_KEYS, PAPER_CLASSES, TOWERS_KEY
from attnphys.jets.split import NSUBS_N
from attnphys.parquet import read_columns
from attnphys.validate.arguments import positive_int

log = logging.getLogger(__name__)


def normalised_towers(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[jets, towers, 3] (pT fraction, centred eta, centred phi), zero on padding."""
    z = np.where(mask, pt, 0.0)
    z = z / z.sum(axis=1, keepdims=True)
    eta_c = eta - np.sum(z * eta, axis=1, keepdims=True)
    centre = np.arctan2(np.sum(z * np.sin(phi), axis=1), np.sum(z * np.cos(phi), axis=1))
    phi_c = wrap_phi(phi - centre[:, None])
    return np.stack([z, eta_c, phi_c], axis=-1) * mask[..., None]


def massless_jets(three: np.ndarray) -> dict[str, np.ndarray]:
    """pT, mass, eta, phi of the sum of each jet's massless towers."""
    pt, eta, phi = three[..., 0], three[..., 1], three[..., 2]
    px, py = np.sum(pt * np.cos(phi), 1), np.sum(pt * np.sin(phi), 1)
    pz, e = np.sum(pt * np.sinh(eta), 1), np.sum(pt * np.cosh(eta), 1)
    jet_pt = np.hypot(px, py)
    return {"jet_PT": jet_pt, "jet_Mass": np.sqrt(np.maximum(e**2 - px**2 - py**2 - pz**2, 0.0)),
            "jet_Eta": np.arcsinh(pz / jet_pt), "jet_Phi": np.arctan2(py, px)}


def file_nsubs(three: np.ndarray, n_nsubs: int) -> dict[str, np.ndarray]:
    """tau_N, N = 1..n_nsubs, of the normalised towers in the file's convention, per file beta key."""
    import awkward as ak

    from attnphys.jets.nsubjettiness import nsubjettiness

    real = three[..., 0] > 0
    pt, eta, phi = (ak.Array([three[i, real[i], k] for i in range(len(three))]) for k in range(3))
    taus = nsubjettiness(pt, eta, phi, n_max=n_nsubs, betas=tuple(BETA_VALUES.values()), r0=R0)
    total = three[..., 0].sum(axis=1)
    return {beta: np.stack([taus[f"tau{n}_b{v}"] for n in range(1, n_nsubs + 1)], axis=1) * (total * R0**v)[:, None]
            for beta, v in BETA_VALUES.items()}


def write_paper_layout(splits: list[str | Path], out: str | Path, max_towers: int = 230,
                       n_nsubs: int = NSUBS_N, dtype=np.float32) -> int:
    """Write the jets of the dataset ``splits`` (Parquet) to ``out`` in the published layout; return the count."""
    import h5py
    import pyarrow as pa

    from attnphys.jets.split import _list_column

    table = pa.concat_tables([read_columns(Path(p), ["class", "tower_pt", "tower_eta", "tower_phi", "tower_mask"],
                                           "dataset split") for p in splits])
    mask = _list_column(table, "tower_mask", "dataset").astype(bool)[:, :max_towers]
    pt, eta, phi = (_list_column(table, c, "dataset").astype(np.float64)[:, :max_towers]
                    for c in ("tower_pt", "tower_eta", "tower_phi"))
    three = np.zeros((len(table), max_towers, 3))
    width = mask.shape[1]
    three[:, :width] = normalised_towers(pt, eta, phi, mask)
    # The authors' towers are float32 (Float_t branches) when their tau_N are computed: so here.
    three = three.astype(dtype).astype(np.float64)
    target = np.array([PAPER_CLASSES.index(c) for c in table["class"].to_pylist()], dtype=np.int32)
    jets = massless_jets(three)
    nsubs = file_nsubs(three, n_nsubs)
    with atomic_path(out) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("target", data=target)
        for key, values in jets.items():
            f.create_dataset(key, data=values.astype(dtype))
        f.create_dataset(TOWERS_KEY, data=three.astype(dtype))
        for beta, key in NSUBS_KEYS.items():
            f.create_dataset(key, data=nsubs[beta].astype(dtype))
    log.info("%d jets of %s -> %s (published N-prong layout)", len(target), ", ".join(map(str, splits)), out)
    return len(target)


def _run(args: argparse.Namespace) -> None:
    write_paper_layout(args.splits, args.out, args.max_towers, args.n_nsubs)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("paper-layout", help="dataset splits -> an HDF5 file in the published N-prong layout")
    p.add_argument("splits", nargs="+", type=Path, help="dataset splits (Parquet) of `attnphys jets dataset`")
    p.add_argument("--out", type=Path, required=True, help="HDF5 file to write")
    p.add_argument("--max-towers", type=positive_int, default=230)
    p.add_argument("--n-nsubs", type=positive_int, default=NSUBS_N, help="tau_N per beta (N = 1..this)")
    p.set_defaults(func=_run)
