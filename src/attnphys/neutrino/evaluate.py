"""Test-split predictions of one trained classifier: event-class probabilities and prong
classes, on the reconstructed prongs (what the models train on) and on the truth prongs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from attnphys.files import atomic_path
from attnphys.neutrino.models import MODELS
from attnphys.neutrino.pixelmap import read_dataset
from attnphys.neutrino.train import MAP_KEYS, tensors
from attnphys.stage_options import add_checkpoint_option, add_output
from attnphys.train import predict
from attnphys.train.options import add_device_option
from attnphys.train.record import load_model


def evaluate_model(dataset: Path, model_path: Path, device: str = "cpu") -> tuple[pd.DataFrame, dict]:
    """(predictions, model record): per test event its id, label, class probabilities
    ``p{k}`` and per prong slot j the label and predicted class (-1: no prong, or the CVN)."""
    model, extra = load_model(model_path, MODELS)
    data, _ = read_dataset(dataset, MAP_KEYS)
    rows = np.flatnonzero(data["split"] == 2)
    frame = pd.DataFrame({"event": data["event"][rows], "label": data["event_label"][rows]})
    for prongs in ("reco", "truth"):
        ts = tensors(data, rows, prongs)

        def forward(m, batch):
            e, p = m(batch["maps"], batch["prong_index"])
            probs = torch.softmax(e.float(), 1)
            if p is None:
                return torch.cat([probs, torch.full((len(e), int(extra["max_prongs"])), -1.0)], 1)
            return torch.cat([probs, p.argmax(-1).float()], 1)

        out = predict(model, ts, forward, batch_size=128, device=device).numpy()
        n_classes = len(extra["classes"])
        if prongs == "reco":
            for k in range(n_classes):
                frame[f"p{k}"] = out[:, k]
        for j in range(int(extra["max_prongs"])):
            frame[f"{prongs}_prong{j}_label"] = data[f"{prongs}_prong_label"][rows, j]
            frame[f"{prongs}_prong{j}_pred"] = out[:, n_classes + j].astype(np.int64)
    frame.attrs = {}
    return frame, extra


def evaluate(dataset: Path, checkpoint: Path, out_predictions: Path, out_meta: Path, device: str = "cpu") -> None:
    """The ``evaluate`` stage: predictions Parquet and the model's name, replica, parameter
    count and prong slots (JSON, read by the report)."""
    frame, extra = evaluate_model(dataset, checkpoint, device)
    with atomic_path(out_predictions) as tmp:
        frame.to_parquet(tmp, index=False)
    meta = {"model": extra["model"], "seed": int(extra["seed"]), "parameters": extra["parameters"],
            "max_prongs": int(extra["max_prongs"])}
    with atomic_path(out_meta) as tmp:
        tmp.write_text(json.dumps(meta))


def _run(args: argparse.Namespace) -> None:
    evaluate(args.dataset, args.checkpoint, args.out_predictions, args.out_meta, args.device)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="test-split predictions (Parquet + JSON)")
    p.add_argument("--dataset", type=Path, required=True)
    add_checkpoint_option(p, "neutrino")
    add_device_option(p)
    add_output(p, "predictions", "predictions Parquet to write")
    add_output(p, "meta", "model, replica and parameter count JSON to write")
    p.set_defaults(func=_run)
