"""Network coefficients of the test split, from a model of the train stage."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.files import atomic_path
from attnphys.neutron_stars.dataset import read_dataset, stars
from attnphys.neutron_stars.models import MODELS
from attnphys.neutron_stars.train import tensor_set
from attnphys.stage_options import add_checkpoint_option, add_output
from attnphys.train import predict
from attnphys.train.options import add_device_option
from attnphys.train.record import load_model


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


def _run(args: argparse.Namespace) -> None:
    predict_network(args.checkpoint, args.dataset, args.out_predictions, args.device)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("predict", help="network coefficients for the test split")
    add_checkpoint_option(p, "neutron-stars")
    p.add_argument("--dataset", type=Path, required=True)
    add_device_option(p)
    add_output(p, "predictions", "Parquet file to write")
    p.set_defaults(func=_run)
