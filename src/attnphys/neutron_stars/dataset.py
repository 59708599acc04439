"""Simulated observations: EOS coefficients -> M-R curve -> a few noisy stars, as Parquet.

Each sample draws spectral coefficients uniformly from the prior box and keeps them only
if the EOS is physical (causal, adiabatic index in range, see
:func:`attnphys.neutron_stars.eos.spectral_table`) and its heaviest stable star weighs at
least ``min_max_mass``; then it draws stars with masses uniform in [1 Msun, M_max], reads
their radii off the stable branch, and scatters both by Gaussian relative noise.

Every sample has its own random stream, seeded by (seed, area, sample index), so the
dataset does not depend on how many worker processes build it. Stars are drawn for the
largest star count compared; the n-star problem uses the first n of them.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.files import atomic_path, existing
from attnphys.neutron_stars.eos import SPECTRAL_PRIOR, spectral_table
from attnphys.neutron_stars.tov import MassRadiusCurve, mass_radius_curve
from attnphys.seeding import generator
from attnphys.splits import SPLITS, assign_splits
from attnphys.stage_options import add_output, add_seed_option

log = logging.getLogger(__name__)

COEFFICIENTS = tuple(SPECTRAL_PRIOR)  # gamma0 .. gamma3
MIN_STAR_MASS = 1.0  # Msun, lower end of the star masses
R14_MASS = 1.4  # Msun: the canonical radius R(1.4)
MAX_PROPOSALS = 100_000


@dataclass(frozen=True)
class Prior:
    """Uniform box on the first ``len(bounds)`` spectral coefficients, cut to physical EOS."""

    bounds: tuple[tuple[float, float], ...]
    min_max_mass: float

    def __post_init__(self) -> None:
        if len(self.bounds) not in (2, 4):
            raise ValueError(f"prior: 2 or 4 spectral coefficients, got {len(self.bounds)}")
        for name, (lo, hi) in zip(COEFFICIENTS, self.bounds):
            if not lo < hi:
                raise ValueError(f"prior.{name}: lower bound {lo} must be below upper {hi}")
        if self.min_max_mass < MIN_STAR_MASS:
            raise ValueError(f"min_max_mass {self.min_max_mass} must be at least {MIN_STAR_MASS} Msun")

    @property
    def names(self) -> tuple[str, ...]:
        return COEFFICIENTS[: len(self.bounds)]

    @property
    def low(self) -> np.ndarray:
        return np.array([b[0] for b in self.bounds])

    @property
    def width(self) -> np.ndarray:
        return np.array([b[1] - b[0] for b in self.bounds])

    def propose(self, rng: np.random.Generator) -> np.ndarray:
        return self.low + self.width * rng.random(len(self.bounds))


def physical_curve(coefficients: np.ndarray, min_max_mass: float = MIN_STAR_MASS) -> MassRadiusCurve | None:
    """The M-R curve of an acceptable EOS, or None for a rejected draw.

    Rejected: unphysical at the crust, no maximum mass before the EOS turns unphysical,
    a maximum below ``min_max_mass``, a lightest computed star above 1 Msun, mass not
    rising along the stable branch, or any causality/adiabatic-index violation in the
    heaviest star.
    """
    try:
        table = spectral_table(coefficients)
    except ValueError:
        return None
    curve = mass_radius_curve(table)
    if not np.isfinite(curve.m_max) or curve.m_max < min_max_mass:
        return None
    if curve.mass[0] >= MIN_STAR_MASS or not curve.monotonic or table.violations(curve.p_centre_max):
        return None
    return curve


def simulate_sample(index: int, seed: int, prior: Prior, n_stars: int, noise: float) -> dict:
    """One accepted EOS and ``n_stars`` noisy stars on it."""
    rng = generator(seed, "neutron_stars", "dataset", index)
    for proposals in range(1, MAX_PROPOSALS + 1):
        coefficients = prior.propose(rng)
        curve = physical_curve(coefficients, prior.min_max_mass)
        if curve is not None:
            break
    else:
        raise ValueError(f"prior: no physical EOS in {MAX_PROPOSALS} draws; widen neutron_stars.prior")
    mass = rng.uniform(MIN_STAR_MASS, curve.m_max, n_stars)
    radius = curve.radius_at(mass)
    stable = curve.stable
    return {
        "sample": index,
        **dict(zip(prior.names, coefficients.tolist())),
        "m_max": curve.m_max,
        "r_1p4": float(curve.radius_at(R14_MASS)),
        "mass": mass,
        "radius": radius,
        "mass_obs": mass * (1.0 + noise * rng.standard_normal(n_stars)),
        "radius_obs": radius * (1.0 + noise * rng.standard_normal(n_stars)),
        "curve_mass": np.append(curve.mass[stable], curve.m_max),
        "curve_radius": np.append(curve.radius[stable], curve.radius_max),
        "proposals": proposals,
    }


def _simulate(job: tuple) -> dict:
    return simulate_sample(*job)


def build_dataset(
    n_samples: int,
    prior: Prior,
    n_stars: int,
    noise: float,
    seed: int,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
    workers: int = 1,
) -> pd.DataFrame:
    """Simulate ``n_samples`` EOS with ``n_stars`` stars each (see the module docstring); the
    samples are independent draws, so the splits are contiguous blocks in exact counts."""
    if n_samples < len(SPLITS):
        raise ValueError(f"neutron_stars.n_samples={n_samples}: need at least {len(SPLITS)}")
    if n_stars < 1:
        raise ValueError(f"neutron_stars star count {n_stars} must be positive")
    if not 0 <= noise < 1:
        raise ValueError(f"neutron_stars.noise={noise}: relative noise must lie in [0, 1)")
    assignment = assign_splits(n_samples, split, "neutron_stars.split")
    jobs = [(i, seed, prior, n_stars, noise) for i in range(n_samples)]
    bar = dict(total=n_samples, desc="EOS samples", unit="eos")
    if workers > 1:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            rows = list(tqdm(pool.imap(_simulate, jobs, chunksize=8), **bar))
    else:
        rows = [_simulate(job) for job in tqdm(jobs, **bar)]
    frame = pd.DataFrame(rows)
    frame.insert(1, "split", np.array(SPLITS)[assignment])
    log.info("acceptance of the prior box: %.3f", n_samples / frame["proposals"].sum())
    return frame


def write_dataset(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


REQUIRED_COLUMNS = ("sample", "split", "m_max", "r_1p4", "mass", "radius", "mass_obs", "radius_obs")


def read_dataset(path: str | Path) -> pd.DataFrame:
    """Load a dataset written by :func:`write_dataset`, checking its columns and values."""
    path = existing(path, "neutron-star dataset")
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for truncated files
        raise ValueError(f"{path}: not a readable Parquet file ({err})") from err
    for column in (*REQUIRED_COLUMNS, "gamma0", "gamma1"):
        if column not in frame.columns:
            raise ValueError(f"{path}: missing column {column!r}")
    for column in ("mass_obs", "radius_obs"):
        values = np.stack(frame[column].to_numpy())
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{path}: column {column!r} has non-finite values")
    return frame


def coefficient_names(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(name for name in COEFFICIENTS if name in frame.columns)


def stars(frame: pd.DataFrame, n_stars: int, observed: bool = True) -> np.ndarray:
    """(samples, n_stars, 2) array of the first ``n_stars`` stars' (M [Msun], R [km])."""
    suffix = "_obs" if observed else ""
    mass = np.stack(frame["mass" + suffix].to_numpy())
    if n_stars > mass.shape[1]:
        raise ValueError(f"dataset has {mass.shape[1]} stars per sample, {n_stars} requested")
    radius = np.stack(frame["radius" + suffix].to_numpy())
    return np.stack([mass[:, :n_stars], radius[:, :n_stars]], axis=-1)


def coefficients(frame: pd.DataFrame) -> np.ndarray:
    return frame[list(coefficient_names(frame))].to_numpy(dtype=float)


def evaluation_subset(frame: pd.DataFrame, n_fit: int) -> pd.DataFrame:
    """The first ``n_fit`` test samples: the common subset of the methods' comparison."""
    test = frame[frame["split"] == "test"].sort_values("sample")
    if n_fit < 1:
        raise ValueError(f"neutron_stars.n_fit={n_fit} must be positive")
    return test.head(n_fit)


def derived_observables(coefficients_: np.ndarray) -> tuple[float, float, MassRadiusCurve | None]:
    """M_max (Msun) and R(1.4) (km) of any coefficients; NaN where the EOS yields none."""
    try:
        curve = mass_radius_curve(spectral_table(coefficients_))
    except ValueError:
        return np.nan, np.nan, None
    if not np.isfinite(curve.m_max):
        return np.nan, np.nan, None
    return curve.m_max, float(curve.radius_at(R14_MASS)), curve


def add_prior_options(parser: argparse.ArgumentParser) -> None:
    """``--coefficients``, ``--prior NAME=LOW,HIGH`` (repeated) and ``--min-max-mass``."""
    parser.add_argument("--coefficients", type=int, choices=(2, 4), default=2, help="spectral coefficients")
    parser.add_argument("--prior", action="append", required=True, help="NAME=LOW,HIGH (repeat per coefficient)")
    parser.add_argument("--min-max-mass", type=float, default=1.4, help="smallest accepted M_max [Msun]")


def prior_from_args(args: argparse.Namespace) -> Prior:
    """The :class:`Prior` of ``--prior gamma0=LO,HI`` for the first ``--coefficients`` coefficients."""
    given = {}
    for item in args.prior:
        name, _, bounds = item.partition("=")
        try:
            lo, hi = (float(v) for v in bounds.split(","))
        except ValueError:
            raise ValueError(f"--prior {item!r}: expected NAME=LOW,HIGH") from None
        if name not in COEFFICIENTS:
            raise ValueError(f"--prior {item!r}: unknown coefficient {name!r} (known: {COEFFICIENTS})")
        given[name] = (lo, hi)
    names = COEFFICIENTS[: args.coefficients]
    missing = [name for name in names if name not in given]
    if missing:
        raise ValueError(f"--prior: no bounds for {missing}")
    return Prior(tuple(given[name] for name in names), args.min_max_mass)


def _run(args: argparse.Namespace) -> None:
    frame = build_dataset(args.n_samples, prior_from_args(args), args.n_stars, args.noise, args.seed,
                          tuple(args.split), args.workers)
    write_dataset(frame, args.out_dataset)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("dataset", help="sample EOS from the prior, solve M-R, draw noisy stars (Parquet)")
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--n-stars", type=int, required=True, help="stars drawn per EOS (the largest count compared)")
    p.add_argument("--noise", type=float, required=True, help="relative Gaussian noise on M and R")
    add_seed_option(p, required=True)
    p.add_argument("--split", type=float, nargs=3, default=[0.8, 0.1, 0.1], help="train val test fractions")
    p.add_argument("--workers", type=int, default=1, help="processes")
    add_prior_options(p)
    add_output(p, "dataset", "Parquet file to write")
    p.set_defaults(func=_run)
