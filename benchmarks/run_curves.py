"""Learning-curve runs of the jet taggers without Snakemake, in parallel worker processes.

The rule ``jets_learning_curve`` trains every (model, tower frame, training fraction, seed)
with ``attnphys jets train`` and scores it with ``attnphys jets evaluate``. On a machine
that has torch but not Snakemake (a GPU node), this script calls the same stage functions
(``attnphys.jets.train.train_tagger``, ``attnphys.jets.evaluate.evaluate_tagger``) with the
same settings, ``--workers`` runs at a time, and writes the rule's run folders::

    {out}/runs/{model}/{frame}/f{fraction}/seed{seed}/{model.pt,history.csv,predictions.parquet,metrics.json}

Then, where Snakemake and scikit-learn live, the boosted-tree reference (``attnphys jets
trees``) and ``attnphys jets learning-curve`` build the table, fits and figure from the
metrics files. Defaults come from ``config.yaml`` (``jets.train``, ``jets.learning_curve``,
``jets.seeds``, ``jets.classes``, ``seed``), read with ``bench_gpu.default_config``; the main
tower frame is ``jets.train``'s preprocess[+augment], as in the rules.

    PYTHONPATH=src python benchmarks/run_curves.py --dataset results/jets/dataset \\
        --out results/jets/learning_curve --seeds 0 1 2 --workers 8 --device cuda
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import time
from pathlib import Path

TRAIN_KEYS = ("epochs", "batch_size", "lr", "weight_decay", "warmup_frac", "schedule", "patience", "bucket_pool")


def run_one(task: dict) -> dict:
    """Train and evaluate one run; returns its metrics and wall time (in a worker process)."""
    import torch

    from attnphys.jets.evaluate import evaluate_tagger
    from attnphys.jets.train import train_tagger
    from attnphys.train import TrainConfig

    torch.set_num_threads(task["threads"])
    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    preprocess, _, augment = task["frame"].partition("+")
    began = time.perf_counter()
    if not (folder / "metrics.json").exists():
        config = TrainConfig(device=task["device"], threads=task["threads"], **task["train"])
        train_tagger(task["model"], task["seed"], task["train_path"], task["val_path"], folder / "model.pt",
                     folder / "history.csv", config, params={}, base_seed=task["base_seed"],
                     preprocess=preprocess, augment=bool(augment),
                     train_fraction=task["fraction"], classes=task["classes"])
        evaluate_tagger(folder / "model.pt", task["test_path"], folder / "predictions.parquet",
                        folder / "metrics.json", device=task["device"], threads=task["threads"])
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"model": task["model"], "frame": task["frame"], "fraction": task["fraction"], "seed": task["seed"],
            "accuracy": metrics["accuracy"], "seconds": time.perf_counter() - began}


def tasks(args: argparse.Namespace) -> list[dict]:
    train = {key: getattr(args, key) for key in TRAIN_KEYS}
    split = {name: str(args.dataset / f"{name}.parquet") for name in ("train", "val", "test")}
    frames = list(dict.fromkeys(args.frames))
    out = []
    for model, seed, fraction in itertools.product(args.models, args.seeds, args.fractions):
        # The Mass + HL DNN sees no towers: one run, in frame "none" (the rules' curve_frames).
        for frame in ["none"] if model == "hl_dnn" else frames:
            folder = args.out / "runs" / model / frame / f"f{fraction}" / f"seed{seed}"
            out.append({"model": model, "frame": frame, "fraction": fraction, "seed": seed,
                        "folder": str(folder), "train_path": split["train"], "val_path": split["val"],
                        "test_path": split["test"], "device": args.device, "threads": args.threads,
                        "base_seed": args.base_seed, "classes": args.classes, "train": train})
    # Seed by seed, so a run cut short still has whole curves; within a seed the longest first.
    return sorted(out, key=lambda t: (t["seed"], t["model"] == "hl_dnn", -t["fraction"]))


def main() -> None:
    from bench_gpu import default_config

    from attnphys.jets.models import MODELS

    config = default_config()
    jets, curve = config["jets"], config["jets"]["learning_curve"]
    main_frame = jets["train"]["preprocess"] + ("+augment" if jets["train"]["augment"] else "")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True, help="folder of train/val/test.parquet")
    parser.add_argument("--out", type=Path, required=True, help="learning-curve folder (runs/ go inside)")
    parser.add_argument("--models", nargs="+", default=curve["models"], choices=sorted(MODELS))
    parser.add_argument("--frames", nargs="+", default=[main_frame, *curve["frames"]],
                        help="tower frames preprocess[+augment] (default: jets.train's, then learning_curve.frames)")
    parser.add_argument("--fractions", nargs="+", type=float, default=curve["fractions"])
    parser.add_argument("--seeds", nargs="+", type=int, default=jets["seeds"])
    parser.add_argument("--classes", nargs="+", default=jets["classes"])
    parser.add_argument("--base-seed", type=int, default=config["seed"], help="the config's seed")
    for key in TRAIN_KEYS:
        value = jets["train"][key]
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    args = parser.parse_args()
    todo = tasks(args)
    print(f"{len(todo)} runs, {args.workers} workers, device {args.device}", flush=True)
    began = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.workers, maxtasksperchild=4) as pool:
        for done in pool.imap_unordered(run_one, todo):
            print(f"{time.perf_counter() - began:7.1f} s  {done['model']:12s} {done['frame']:14s} "
                  f"f{done['fraction']:<6} seed{done['seed']}  accuracy {100 * done['accuracy']:5.1f} %  "
                  f"({done['seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
