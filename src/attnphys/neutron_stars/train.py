"""Training of the star-set model through the shared engine ``attnphys.train``.

Inputs (observed M, R of each star) and targets (EOS coefficients) are standardised with
the training split's mean and standard deviation, held in the model's buffers
(``attnphys.train.standardise``); the loss is the mean squared error of the standardised
coefficients.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import torch

from attnphys.neutron_stars.dataset import coefficient_names, coefficients, read_dataset, stars
from attnphys.neutron_stars.models import StarSetRegressor
from attnphys.seeding import run_seed
from attnphys.stage_options import add_output, add_seed_option
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit
from attnphys.train.options import add_train_options, train_config
from attnphys.train.params import add_params_option, construct
from attnphys.train.record import model_record

log = logging.getLogger(__name__)


def tensor_set(stars_: np.ndarray, model: StarSetRegressor | None = None, targets: np.ndarray | None = None) -> TensorSet:
    """Observed stars, and the targets standardised by ``model.target_scale`` when given."""
    columns = {"stars": torch.from_numpy(stars_.astype(np.float32))}
    if targets is not None:
        with torch.no_grad():
            columns["target"] = model.target_scale(torch.from_numpy(targets.astype(np.float32)))
    return TensorSet(columns)


def _loss(model: torch.nn.Module, batch: dict) -> tuple[torch.Tensor, dict]:
    return torch.nn.functional.mse_loss(model(batch["stars"]), batch["target"]), {}


def train_network(
    dataset: Path, n_stars: int, model_path: Path, history_path: Path, config: TrainConfig,
    model_params: dict | None = None,
) -> TrainResult:
    """Fit the set model on the first ``n_stars`` observed stars of every sample
    (``config.seed``: :func:`attnphys.seeding.run_seed` of the master seed and ``n_stars``)."""
    params = dict(model_params or {})
    frame = read_dataset(dataset)
    train, val = frame[frame["split"] == "train"], frame[frame["split"] == "val"]
    x_train, y_train = stars(train, n_stars), coefficients(train)
    names = coefficient_names(frame)
    sizes = {"n_outputs": len(names)}
    torch.manual_seed(config.seed)
    model = construct(StarSetRegressor, params, "neutron_stars.model", **sizes)
    model.scale.fit(x_train)
    model.target_scale.fit(y_train)
    log.info("star-set model: %d parameters, %d stars, %d train / %d val samples",
             sum(p.numel() for p in model.parameters()), n_stars, len(train), len(val))
    fingerprint = {"model": params, "n_stars": n_stars, "dataset": Path(dataset).name,
                   "train_samples": len(train), "val_samples": len(val), "coefficients": list(names)}
    extra = model_record("star_set", params, sizes, n_stars=n_stars, coefficients=list(names))
    return fit(model, tensor_set(x_train, model, y_train), tensor_set(stars(val, n_stars), model, coefficients(val)),
               _loss, config, Path(model_path), fingerprint, history_path=Path(history_path), extra=extra)


def _run(args: argparse.Namespace) -> None:
    config = train_config(args, seed=run_seed(args.seed, "neutron_stars", args.n_stars))
    train_network(args.dataset, args.n_stars, args.out_model, args.out_history, config, args.params)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train the star-set network with attnphys.train")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--n-stars", type=int, required=True, help="use the first N stars of each sample")
    add_train_options(p)
    add_seed_option(p)
    add_params_option(p, "StarSetRegressor (neutron_stars/models.py)")
    add_output(p, "model", "model.pt to write (checkpoint_last.pt goes beside it)")
    add_output(p, "history", "history.csv to write")
    p.set_defaults(func=_run)
