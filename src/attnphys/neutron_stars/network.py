"""Training and inference of the star-set model through the shared engine ``attnphys.train``.

Inputs (observed M, R of each star) and targets (EOS coefficients) are standardised with
the training split's mean and standard deviation, held in the model's buffers
(``attnphys.train.standardise``); the loss is the mean squared error of the standardised
coefficients.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from attnphys.files import atomic_path
from attnphys.neutron_stars.dataset import coefficient_names, coefficients, read_dataset, stars
from attnphys.neutron_stars.model import MODELS, StarSetRegressor
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit, predict
from attnphys.train.params import construct
from attnphys.train.record import load_model, model_record

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
    """Fit the set model on the first ``n_stars`` observed stars of every sample."""
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


def predict_network(model_path: Path, dataset: Path, out: Path, device: str = "cpu") -> pd.DataFrame:
    """Coefficients predicted for the test split; ``seconds`` is the batched time per sample."""
    model, record = load_model(model_path, MODELS)
    frame = read_dataset(dataset)
    test = frame[frame["split"] == "test"]
    data = tensor_set(stars(test, int(record["n_stars"])))
    forward = lambda m, b: m.target_scale.inverse(m(b["stars"]))  # noqa: E731
    predict(model, data.subset(np.arange(min(8, len(data)))), forward, device=device)  # warm-up
    started = time.perf_counter()
    y = predict(model, data, forward, device=device).double().numpy()
    seconds = (time.perf_counter() - started) / len(test)
    result = pd.DataFrame({"sample": test["sample"].to_numpy(), "method": "network",
                           "n_stars": int(record["n_stars"]), "seconds": seconds})
    for i, name in enumerate(record["coefficients"]):
        result[name] = y[:, i]
    with atomic_path(out) as tmp:
        result.to_parquet(tmp, index=False)
    return result
