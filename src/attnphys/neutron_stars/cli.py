"""Neutron-star equation of state from a few stars: dataset, train, predict, fit, report."""

from __future__ import annotations

import argparse
from pathlib import Path

from attnphys.neutron_stars.dataset import COEFFICIENTS, Prior
from attnphys.seeding import integer
from attnphys.train.options import add_device_option, add_train_options, train_config
from attnphys.train.params import add_params_option


def _prior(args: argparse.Namespace) -> Prior:
    """``--prior gamma0=LO,HI`` for the first ``--coefficients`` spectral coefficients."""
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


def _add_prior(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coefficients", type=int, choices=(2, 4), default=2, help="spectral coefficients")
    parser.add_argument("--prior", action="append", required=True, help="NAME=LOW,HIGH (repeat per coefficient)")
    parser.add_argument("--min-max-mass", type=float, default=1.4, help="smallest accepted M_max [Msun]")


def _dataset(args: argparse.Namespace) -> None:
    from attnphys.neutron_stars.dataset import build_dataset, write_dataset

    frame = build_dataset(args.n_samples, _prior(args), args.n_stars, args.noise, args.seed,
                          tuple(args.split), args.workers)
    write_dataset(frame, args.out)


def _train(args: argparse.Namespace) -> None:
    from attnphys.neutron_stars.network import train_network

    train_network(args.dataset, args.n_stars, Path(args.out_model), Path(args.out_history),
                  train_config(args, seed=integer(args.seed, "neutron_stars", "train", args.n_stars)), args.params)


def _predict(args: argparse.Namespace) -> None:
    from attnphys.neutron_stars.network import predict_network

    predict_network(Path(args.model), Path(args.dataset), Path(args.out), args.device)


def _fit(args: argparse.Namespace) -> None:
    from attnphys.neutron_stars.fit import fit_dataset

    fit_dataset(Path(args.dataset), args.n_stars, args.n_fit, args.noise, _prior(args), args.seed, Path(args.out),
                args.starts)


def _report(args: argparse.Namespace) -> None:
    from attnphys.neutron_stars.report import write_report

    write_report(Path(args.dataset), [Path(p) for p in args.predictions], args.n_fit, args.n_stars,
                 _prior(args), Path(args.out_summary), Path(args.out_report))


def register(subparsers, stage: str | None = None) -> None:
    p = subparsers.add_parser("dataset", help="sample EOS from the prior, solve M-R, draw noisy stars (Parquet)")
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--n-stars", type=int, required=True, help="stars drawn per EOS (the largest count compared)")
    p.add_argument("--noise", type=float, required=True, help="relative Gaussian noise on M and R")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--split", type=float, nargs=3, default=[0.8, 0.1, 0.1], help="train val test fractions")
    p.add_argument("--workers", type=int, default=1, help="processes")
    _add_prior(p)
    p.add_argument("--out", required=True, help="Parquet file to write")
    p.set_defaults(func=_dataset)

    p = subparsers.add_parser("train", help="train the star-set network with attnphys.train")
    p.add_argument("--dataset", required=True)
    p.add_argument("--n-stars", type=int, required=True, help="use the first N stars of each sample")
    add_train_options(p)
    p.add_argument("--seed", type=int, default=0)
    add_params_option(p, "StarSetRegressor (neutron_stars/model.py)")
    p.add_argument("--out-model", required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", required=True, help="history.csv to write")
    p.set_defaults(func=_train)

    p = subparsers.add_parser("predict", help="network coefficients for the test split")
    p.add_argument("--model", required=True, help="model.pt of the train stage")
    p.add_argument("--dataset", required=True)
    add_device_option(p)
    p.add_argument("--out", required=True, help="Parquet file to write")
    p.set_defaults(func=_predict)

    p = subparsers.add_parser("fit", help="classical least-squares fit through the TOV solver")
    p.add_argument("--dataset", required=True)
    p.add_argument("--n-stars", type=int, required=True)
    p.add_argument("--n-fit", type=int, required=True, help="fit the first N test samples")
    p.add_argument("--noise", type=float, required=True, help="relative noise assumed in the fit")
    p.add_argument("--seed", type=int, required=True, help="seeds the bank of starting EOS")
    p.add_argument("--starts", type=int, default=16, help="prior EOS tried as starting points")
    _add_prior(p)
    p.add_argument("--out", required=True, help="Parquet file to write")
    p.set_defaults(func=_fit)

    p = subparsers.add_parser("report", help="summary.csv, report.md, scatter plots and M-R bands")
    p.add_argument("--dataset", required=True)
    p.add_argument("--predictions", nargs="+", required=True, help="prediction Parquet files of all methods")
    p.add_argument("--n-fit", type=int, required=True, help="size of the common evaluation subset")
    p.add_argument("--n-stars", type=int, required=True, help="star count of the M-R band figure")
    _add_prior(p)
    p.add_argument("--out-summary", required=True, help="summary CSV to write")
    p.add_argument("--out-report", required=True, help="report markdown to write (its figures go beside it)")
    p.set_defaults(func=_report)
