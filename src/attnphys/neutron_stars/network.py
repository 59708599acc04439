"""Training and inference of the star-set model through the shared engine ``attnphys.train``.

Inputs (observed M, R of each star) and targets (EOS coefficients) are standardised with
the training split's mean and standard deviation, stored with the weights; the loss is
the mean squared error of the standardised coefficients.
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
from attnphys.neutron_stars.model import StarSetRegressor
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit, load_weights, predict

log = logging.getLogger(__name__)

MODEL_DEFAULTS = {"d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 128}


def _standardisation(values: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return values.mean(axis=axes), values.std(axis=axes) + 1e-12


def tensor_set(stars_: np.ndarray, norm: dict, targets: np.ndarray | None = None) -> TensorSet:
    x = (stars_ - norm["x_mean"]) / norm["x_std"]
    columns = {"stars": torch.from_numpy(x.astype(np.float32))}
    if targets is not None:
        y = (targets - norm["y_mean"]) / norm["y_std"]
        columns["target"] = torch.from_numpy(y.astype(np.float32))
    return TensorSet(columns)


def _loss(model: torch.nn.Module, batch: dict) -> tuple[torch.Tensor, dict]:
    return torch.nn.functional.mse_loss(model(batch["stars"]), batch["target"]), {}


def train_network(
    dataset: Path, n_stars: int, model_path: Path, history_path: Path, config: TrainConfig,
    model_params: dict | None = None,
) -> TrainResult:
    """Fit the set model on the first ``n_stars`` observed stars of every sample."""
    params = {**MODEL_DEFAULTS, **(model_params or {})}
    frame = read_dataset(dataset)
    train, val = frame[frame["split"] == "train"], frame[frame["split"] == "val"]
    x_train, y_train = stars(train, n_stars), coefficients(train)
    x_mean, x_std = _standardisation(x_train, (0, 1))
    y_mean, y_std = _standardisation(y_train, (0,))
    norm = {"x_mean": x_mean, "x_std": x_std, "y_mean": y_mean, "y_std": y_std}
    names = coefficient_names(frame)
    torch.manual_seed(config.seed)
    model = StarSetRegressor(len(names), **params)
    log.info("star-set model: %d parameters, %d stars, %d train / %d val samples",
             sum(p.numel() for p in model.parameters()), n_stars, len(train), len(val))
    fingerprint = {"model": params, "n_stars": n_stars, "dataset": Path(dataset).name,
                   "train_samples": len(train), "val_samples": len(val), "coefficients": list(names)}
    extra = {"model": params, "n_stars": n_stars, "coefficients": list(names),
             **{key: torch.from_numpy(np.asarray(value, dtype=np.float64)) for key, value in norm.items()}}
    return fit(model, tensor_set(x_train, norm, y_train), tensor_set(stars(val, n_stars), norm, coefficients(val)),
               _loss, config, Path(model_path), fingerprint, history_path=Path(history_path),
               extra=extra, on_stale="restart")


def load_network(path: Path) -> tuple[StarSetRegressor, dict]:
    """The trained model and its standardisation / metadata."""
    weights = load_weights(Path(path))
    extra = weights["extra"]
    for key in ("model", "n_stars", "coefficients", "x_mean", "y_mean"):
        if key not in extra:
            raise ValueError(f"{path}: extra lacks {key!r}; not a neutron-star model.pt")
    model = StarSetRegressor(len(extra["coefficients"]), **extra["model"])
    model.load_state_dict(weights["state_dict"])
    norm = {key: np.asarray(extra[key]) for key in ("x_mean", "x_std", "y_mean", "y_std")}
    return model.eval(), {**extra, **norm}


def predict_network(model_path: Path, dataset: Path, out: Path, device: str = "cpu") -> pd.DataFrame:
    """Coefficients predicted for the test split; ``seconds`` is the batched time per sample."""
    model, meta = load_network(model_path)
    frame = read_dataset(dataset)
    test = frame[frame["split"] == "test"]
    data = tensor_set(stars(test, int(meta["n_stars"])), meta)
    forward = lambda m, b: m(b["stars"])  # noqa: E731
    predict(model, data.subset(np.arange(min(8, len(data)))), forward, device=device)  # warm-up
    started = time.perf_counter()
    y = predict(model, data, forward, device=device).double().numpy()
    seconds = (time.perf_counter() - started) / len(test)
    y = y * meta["y_std"] + meta["y_mean"]
    result = pd.DataFrame({"sample": test["sample"].to_numpy(), "method": "network",
                           "n_stars": int(meta["n_stars"]), "seconds": seconds})
    for i, name in enumerate(meta["coefficients"]):
        result[name] = y[:, i]
    with atomic_path(out) as tmp:
        result.to_parquet(tmp, index=False)
    return result
