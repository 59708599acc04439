"""Evaluation stage: one trained tagger on the test split.

Writes ``predictions.parquet`` (``prob_0`` .. ``prob_{K-1}`` in label order, ``label``,
``pred``, ``jet_mass``, ``jet_pt`` and the provenance ``source_file, source_entry,
source_jet``, which ``attnphys jets predict`` writes too) and ``metrics.json``:
``model, seed, train_fraction, n_train, n_train_per_class, preprocess, augment`` (from the
model's record), ``classes`` (name per label), ``accuracy`` and ``per_class_accuracy``
(fractions in [0, 1]; per class keyed by class name, null for a class absent from the
test set), ``confusion`` (counts, rows = true label, columns = predicted),
``n_params, n_test, jets_per_second`` (inference throughput, after one warm-up batch),
``device, batch_size``.

The class list is the model's record (``jets.classes`` at training); a test split whose class
list, order or labels differ from it is refused (``attnphys.validate.dataset``).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from attnphys.files import atomic_path
from attnphys.jets.models import MODELS, count_parameters, hl_columns
from attnphys.jets.provenance import PROVENANCE_FIELDS
from attnphys.jets.split import read_jets
from attnphys.jets.train import in_frame, jet_tensors, logits
from attnphys.parquet import read_columns
from attnphys.train import predict, resolve_device
from attnphys.train.options import add_device_option
from attnphys.train.record import load_model
from attnphys.validate.arguments import non_negative_int, positive_int
from attnphys.validate.dataset import check_split

log = logging.getLogger(__name__)


def confusion_matrix(label: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts with rows = true label, columns = predicted label."""
    return np.bincount(label * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def classification_metrics(label: np.ndarray, pred: np.ndarray, classes: list[str]) -> dict:
    """Top-1 accuracy, per-class accuracy and the confusion matrix."""
    matrix = confusion_matrix(label, pred, len(classes))
    totals = matrix.sum(axis=1)
    per_class = {
        name: (float(matrix[i, i] / totals[i]) if totals[i] else None) for i, name in enumerate(classes)
    }
    return {
        "accuracy": float(np.mean(label == pred)) if len(label) else float("nan"),
        "per_class_accuracy": per_class,
        "confusion": matrix.tolist(),
    }


def evaluate_tagger(
    model_path: Path, test_path: Path, predictions_path: Path, metrics_path: Path, batch_size: int = 512,
    device: str = "auto", threads: int = 0,
) -> dict:
    """Predict the test split with the model of ``model_path``; write predictions and metrics."""
    if batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size}")
    if threads:
        torch.set_num_threads(threads)
    model, info = load_model(Path(model_path), MODELS)
    inputs = tuple(info["inputs"])
    # The tower frame the model was trained in, from its record.
    jets = in_frame(read_jets(test_path, need_towers="towers" in inputs, hl_columns=hl_columns(info["model"])),
                    info["preprocess"])
    if len(jets) == 0:
        raise ValueError(f"{test_path}: the test split has no jets")
    classes = [str(c) for c in info.get("classes") or []]
    if len(classes) != info["sizes"].get("n_classes"):
        raise ValueError(f"{model_path}: field extra.classes: {classes} but the model has "
                         f"{info['sizes'].get('n_classes')} outputs")
    check_split(test_path, jets.label, jets.classes, classes, jets.class_list, f"the model's classes ({model_path})")
    data = jet_tensors(jets, inputs)
    dev = resolve_device(device)

    def forward(net, batch):
        return logits(net, batch, inputs)

    predict(model, data.subset(np.arange(min(len(data), batch_size))), forward, batch_size, dev)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    start = time.perf_counter()
    out = predict(model, data, forward, batch_size, dev)
    seconds = time.perf_counter() - start
    prob = torch.softmax(out, dim=1).numpy()
    pred = prob.argmax(axis=1)

    columns = {f"prob_{i}": pa.array(prob[:, i], pa.float32()) for i in range(prob.shape[1])}
    columns |= {
        "label": pa.array(jets.label, pa.int64()),
        "pred": pa.array(pred.astype(np.int64), pa.int64()),
        "jet_mass": pa.array(jets.jet_mass, pa.float32()),
        "jet_pt": pa.array(jets.jet_pt, pa.float32()),
    }
    columns |= read_columns(test_path, [name for name, _ in PROVENANCE_FIELDS], "dataset split").to_pydict()
    with atomic_path(predictions_path) as tmp:
        pq.write_table(pa.table(columns), tmp)
    metrics = {
        "model": info["model"],
        "seed": info.get("seed"),
        "train_fraction": info["train_fraction"],
        "n_train": info["n_train"],
        "n_train_per_class": info["n_train_per_class"],
        "preprocess": info["preprocess"],
        "augment": info["augment"],
        "classes": classes,
        **classification_metrics(jets.label, pred, classes),
        "n_params": count_parameters(model),
        "n_test": len(jets),
        "jets_per_second": len(jets) / seconds,
        "device": str(dev),
        "batch_size": batch_size,
    }
    with atomic_path(metrics_path) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    log.info("%s seed %s: accuracy %.4f on %d jets, %.0f jets/s", info["model"], info.get("seed"),
             metrics["accuracy"], len(jets), metrics["jets_per_second"])
    return metrics


def _run(args: argparse.Namespace) -> int:
    evaluate_tagger(args.checkpoint, args.test, args.out_predictions, args.out_metrics, args.batch_size, args.device,
                    args.threads)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate one trained tagger on the test split")
    p.add_argument("--checkpoint", type=Path, required=True, help="model.pt of `attnphys jets train`")
    p.add_argument("--test", type=Path, required=True, help="test.parquet of the dataset")
    p.add_argument("--out-predictions", type=Path, required=True, help="predictions.parquet to write")
    p.add_argument("--out-metrics", type=Path, required=True, help="metrics.json to write")
    p.add_argument("--batch-size", type=positive_int, default=512)
    add_device_option(p)
    p.add_argument("--threads", type=non_negative_int, default=0)
    p.set_defaults(func=_run)
