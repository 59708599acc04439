"""Classical inversion: least-squares fit of the EOS coefficients through the TOV solver.

For trial coefficients the M-R curve is solved and each observed star is compared with
its nearest point on the stable branch (errors in both M and R, sigma = noise x observed
value; the branch is piecewise linear between solved stars, so the distance varies
continuously with the coefficients). ``scipy.optimize.least_squares`` minimises the
summed squared distances inside the prior box, starting from the best of a small bank of
prior EOS (drawn once per run from their own seed), which avoids the many unphysical
corners of the box. Unphysical trial EOS get a large constant residual.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.neutron_stars.dataset import (
    Prior,
    add_prior_options,
    coefficient_names,
    evaluation_subset,
    physical_curve,
    prior_from_args,
    read_dataset,
    stars,
)
from attnphys.neutron_stars.tov import MassRadiusCurve
from attnphys.seeding import generator
from attnphys.stage_options import add_output, add_seed_option

log = logging.getLogger(__name__)

UNPHYSICAL_RESIDUAL = 1.0e3


def branch_distance(curve: MassRadiusCurve, mass: np.ndarray, radius: np.ndarray, sigma_m, sigma_r) -> np.ndarray:
    """(ΔM/σ_M, ΔR/σ_R) from each star to its nearest point on the stable branch, shape (2 n,)."""
    branch_m = np.append(curve.mass[curve.stable], curve.m_max)
    branch_r = np.append(curve.radius[curve.stable], curve.radius_max)
    # Segments in the scaled plane, one row per star.
    a_m, a_r = branch_m[None, :-1] / sigma_m[:, None], branch_r[None, :-1] / sigma_r[:, None]
    d_m, d_r = np.diff(branch_m)[None, :] / sigma_m[:, None], np.diff(branch_r)[None, :] / sigma_r[:, None]
    q_m, q_r = (mass / sigma_m)[:, None], (radius / sigma_r)[:, None]
    s = np.clip(((q_m - a_m) * d_m + (q_r - a_r) * d_r) / (d_m**2 + d_r**2), 0.0, 1.0)
    e_m, e_r = a_m + s * d_m - q_m, a_r + s * d_r - q_r
    nearest = np.argmin(e_m**2 + e_r**2, axis=1)
    rows = np.arange(len(mass))
    return np.concatenate([e_m[rows, nearest], e_r[rows, nearest]])


def starting_bank(prior: Prior, seed: int, size: int) -> list[tuple[np.ndarray, MassRadiusCurve]]:
    """``size`` physical EOS from the prior, the fit's candidate starting points."""
    rng = generator(seed, "neutron_stars", "fit", "bank")
    bank = []
    while len(bank) < size:
        coefficients = prior.propose(rng)
        curve = physical_curve(coefficients, prior.min_max_mass)
        if curve is not None:
            bank.append((coefficients, curve))
    return bank


def fit_coefficients(
    mass: np.ndarray, radius: np.ndarray, noise: float, prior: Prior, bank, max_nfev: int = 40
) -> tuple[np.ndarray, dict]:
    """Least-squares coefficients for one sample's observed stars."""
    sigma_m, sigma_r = noise * mass, noise * radius

    def residuals(coefficients: np.ndarray) -> np.ndarray:
        curve = physical_curve(coefficients, prior.min_max_mass)
        if curve is None:
            return np.full(2 * len(mass), UNPHYSICAL_RESIDUAL)
        return branch_distance(curve, mass, radius, sigma_m, sigma_r)

    costs = [np.sum(branch_distance(curve, mass, radius, sigma_m, sigma_r) ** 2) for _, curve in bank]
    start = bank[int(np.argmin(costs))][0]
    low, high = prior.low, prior.low + prior.width
    result = least_squares(residuals, start, bounds=(low, high), x_scale=prior.width, diff_step=1e-3,
                           max_nfev=max_nfev)
    return result.x, {"cost": float(2 * result.cost), "nfev": int(result.nfev), "success": bool(result.success)}


def fit_dataset(
    dataset: Path, n_stars: int, n_fit: int, noise: float, prior: Prior, seed: int, out: Path, bank_size: int = 16
) -> pd.DataFrame:
    """Fit the first ``n_fit`` test samples; ``seconds`` is each sample's fit time."""
    frame = read_dataset(dataset)
    names = coefficient_names(frame)
    if len(names) != len(prior.bounds):
        raise ValueError(f"{dataset}: {len(names)} coefficients, but the prior has {len(prior.bounds)}")
    subset = evaluation_subset(frame, n_fit)
    observed = stars(subset, n_stars)
    bank = starting_bank(prior, seed, bank_size)
    rows = []
    for sample, star_set in tqdm(zip(subset["sample"], observed), total=len(subset), desc=f"fit {n_stars} stars"):
        started = time.perf_counter()
        coefficients, info = fit_coefficients(star_set[:, 0], star_set[:, 1], noise, prior, bank)
        rows.append({"sample": int(sample), "method": "classical", "n_stars": n_stars,
                     "seconds": time.perf_counter() - started, **dict(zip(names, coefficients)), **info})
    result = pd.DataFrame(rows)
    log.info("classical fit: %d samples, %.0f ms per sample", len(result), 1e3 * result["seconds"].mean())
    with atomic_path(out) as tmp:
        result.to_parquet(tmp, index=False)
    return result


def _run(args: argparse.Namespace) -> None:
    fit_dataset(args.dataset, args.n_stars, args.n_fit, args.noise, prior_from_args(args), args.seed,
                args.out_predictions, args.starts)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("fit", help="classical least-squares fit through the TOV solver")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--n-stars", type=int, required=True)
    p.add_argument("--n-fit", type=int, required=True, help="fit the first N test samples")
    p.add_argument("--noise", type=float, required=True, help="relative noise assumed in the fit")
    add_seed_option(p, required=True)
    p.add_argument("--starts", type=int, default=16, help="prior EOS tried as starting points")
    add_prior_options(p)
    add_output(p, "predictions", "Parquet file to write")
    p.set_defaults(func=_run)
