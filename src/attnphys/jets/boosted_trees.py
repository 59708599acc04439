"""Gradient-boosted trees on the Mass + HL inputs (jet mass and the logarithms of the 16
N-subjettiness values, as ``attnphys.jets.split`` reads them): the reference
classifier of the learning curve (scikit-learn's ``HistGradientBoostingClassifier``, Ke et
al., NeurIPS 2017 histogram boosting), trained on the same nested training subsets as the
networks and scored on the same test split.

Writes ``metrics.json`` with the fields the learning curve reads from the networks'
evaluations: ``model`` ('trees'), ``seed``, ``train_fraction``, ``n_train``,
``n_train_per_class``, ``preprocess`` ('none'), ``augment`` (false), ``classes``,
``accuracy``, ``per_class_accuracy``, ``confusion``, ``n_test``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from attnphys.files import atomic_path
from attnphys.jets.nested_subsets import nested_subset, take_rows
from attnphys.seeding import integer
from attnphys.stage_options import add_replica_option, add_seed_option

log = logging.getLogger(__name__)

NAME = "trees"


def tree_seed(base_seed: int, seed: int) -> int:
    return integer(base_seed, "jets", NAME, seed) % 2**31


def train_and_score_trees(
    train_path: Path, test_path: Path, out: Path, seed: int, base_seed: int, train_fraction: float = 1.0
) -> dict:
    """Fit the trees on the ``train_fraction`` subset of ``train_path``; score ``test_path``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from attnphys.jets.evaluate import classification_metrics
    from attnphys.jets.split import read_jets
    from attnphys.jets.train import split_classes

    train = read_jets(train_path, need_towers=False)
    if train_fraction != 1.0:
        train = take_rows(train, nested_subset(train_path, train_fraction, base_seed, seed))
    test = read_jets(test_path, need_towers=False)
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"{train_path if len(train) == 0 else test_path}: no jets")
    classes = split_classes(train, None, "the train split's class list")
    split_classes(test, classes, "the train split's class list")
    n_classes = len(classes)
    trees = HistGradientBoostingClassifier(random_state=tree_seed(base_seed, seed))
    trees.fit(train.hl, train.label)
    pred = trees.predict(test.hl).astype(np.int64)
    metrics = {
        "model": NAME, "seed": seed, "train_fraction": train_fraction, "n_train": len(train),
        "n_train_per_class": np.bincount(train.label, minlength=n_classes).tolist(),
        "preprocess": "none", "augment": False, "classes": classes,
        **classification_metrics(test.label, pred, classes), "n_test": len(test),
    }
    with atomic_path(Path(out)) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    log.info("trees seed %d, fraction %g: accuracy %.4f", seed, train_fraction, metrics["accuracy"])
    return metrics


def _run(args: argparse.Namespace) -> int:
    train_and_score_trees(args.train, args.test, args.out_metrics, args.replica, args.seed, args.train_fraction)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("trees", help="gradient-boosted trees on the Mass + HL inputs (learning-curve reference)")
    p.add_argument("--train", type=Path, required=True, help="train.parquet of the dataset")
    p.add_argument("--test", type=Path, required=True, help="test.parquet of the dataset")
    p.add_argument("--out-metrics", type=Path, required=True, help="metrics.json to write")
    add_replica_option(p)
    add_seed_option(p)
    p.add_argument("--train-fraction", type=float, default=1.0,
                   help="nested, class-balanced fraction of the training split (0 < F <= 1)")
    p.set_defaults(func=_run)
