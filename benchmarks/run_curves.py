"""Learning-curve runs of the jet taggers without Snakemake, in parallel worker processes.

The rule ``jets_learning_curve`` trains every (model, tower frame, training fraction, seed)
with ``attnphys jets train`` and scores it with ``attnphys jets evaluate``. On a machine
that has torch but not Snakemake (a GPU node), this script calls the same stage functions
(``attnphys.jets.train.train_tagger``, ``attnphys.jets.evaluate.evaluate_tagger``) on the runs
of the same plan (``attnphys.jets.plan.Plan.curve_runs``, the rules' run folders
``{out}/runs/{model}/{frame}/f{fraction}/seed{seed}/``), with each model's
``jets.model_params``, ``--workers`` runs at a time.

Then, where Snakemake and scikit-learn live, the boosted-tree reference (``attnphys jets
trees``) and ``attnphys jets learning-curve`` build the table, fits and figure from the
metrics files. Settings come from ``config.yaml`` and any ``--configfile`` overlays (merged as
Snakemake merges them, the schema's defaults filled in); the flags override them. The first
of ``--frames`` is the main frame (``jets.train``'s preprocess[+augment] by default).

    PYTHONPATH=src python benchmarks/run_curves.py --dataset results/jets/dataset \\
        --out results/jets/learning_curve --seeds 0 1 2 --workers 8 --device cuda
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_one(task: dict) -> dict:
    """Train and evaluate one run; returns its metrics and wall time (in a worker process)."""
    import torch

    from attnphys.jets.evaluate import evaluate_tagger
    from attnphys.jets.frames import frame_settings
    from attnphys.jets.plan import TRAIN_SETTINGS
    from attnphys.jets.train import train_tagger
    from attnphys.train import TrainConfig

    torch.set_num_threads(task["threads"])
    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    preprocess, augment = frame_settings(task["frame"])
    began = time.perf_counter()
    if not (folder / "metrics.json").exists():
        settings = {key: task["train"][key] for key in TRAIN_SETTINGS}
        config = TrainConfig(device=task["device"], threads=task["threads"], **settings)
        train_tagger(task["model"], task["seed"], task["train_path"], task["val_path"], folder / "model.pt",
                     folder / "history.csv", config, params=task["params"], base_seed=task["base_seed"],
                     preprocess=preprocess, augment=augment,
                     train_fraction=task["fraction"], classes=task["classes"])
        evaluate_tagger(folder / "model.pt", task["test_path"], folder / "predictions.parquet",
                        folder / "metrics.json", device=task["device"], threads=task["threads"])
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"model": task["model"], "frame": task["frame"], "fraction": task["fraction"], "seed": task["seed"],
            "accuracy": metrics["accuracy"], "seconds": time.perf_counter() - began}


def tasks(args: argparse.Namespace, cfg: dict) -> list[dict]:
    """The networks' runs of the plan of ``cfg`` with the flags applied (the trees run elsewhere)."""
    from attnphys.jets.frames import frame_settings
    from attnphys.jets.plan import NO_TOWERS, TRAIN_SETTINGS, Plan

    jets = cfg["jets"]
    jets["train"].update({key: getattr(args, key) for key in TRAIN_SETTINGS})
    jets["train"]["preprocess"], jets["train"]["augment"] = frame_settings(args.frames[0])
    jets["learning_curve"].update(models=args.models, frames=args.frames[1:], fractions=args.fractions)
    jets.update(seeds=args.seeds, classes=args.classes)
    split = {name: str(args.dataset / f"{name}.parquet") for name in ("train", "val", "test")}
    out = []
    for run in Plan(cfg, files=False).curve_runs():
        if run.model == "trees":
            continue
        out.append({"model": run.model, "frame": run.frame, "fraction": run.fraction, "seed": run.seed,
                    "folder": run.folder(str(args.out)), "train_path": split["train"], "val_path": split["val"],
                    "test_path": split["test"], "device": args.device, "threads": args.threads,
                    "base_seed": args.base_seed, "classes": args.classes, "train": jets["train"],
                    "params": jets["model_params"][run.model]})
    # Seed by seed, so a run cut short still has whole curves; within a seed the longest first.
    return sorted(out, key=lambda t: (t["seed"], t["model"] in NO_TOWERS, -t["fraction"]))


def main() -> None:
    from attnphys.jets.frames import FRAMES
    from attnphys.jets.models import MODELS
    from attnphys.jets.plan import TRAIN_SETTINGS, Plan
    from attnphys.validate.config import load_config

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--configfile", nargs="*", type=Path, default=[],
                     help="overlays of config.yaml, as snakemake --configfile (e.g. workflow/configs/paper.yaml)")
    config = load_config([REPO / "config.yaml", *pre.parse_known_args()[0].configfile],
                         REPO / "workflow" / "schemas" / "config.schema.yaml")
    jets, curve = config["jets"], config["jets"]["learning_curve"]
    main_frame = Plan(config, files=False).main_frame()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], parents=[pre])
    parser.add_argument("--dataset", type=Path, required=True, help="folder of train/val/test.parquet")
    parser.add_argument("--out", type=Path, required=True, help="learning-curve folder (runs/ go inside)")
    parser.add_argument("--models", nargs="+", default=curve["models"], choices=sorted(MODELS))
    parser.add_argument("--frames", nargs="+", default=[main_frame, *curve["frames"]], choices=FRAMES,
                        help="tower frames preprocess[+augment], the main one first "
                             "(default: jets.train's, then learning_curve.frames)")
    parser.add_argument("--fractions", nargs="+", type=float, default=curve["fractions"])
    parser.add_argument("--seeds", nargs="+", type=int, default=jets["seeds"])
    parser.add_argument("--classes", nargs="+", default=jets["classes"])
    parser.add_argument("--base-seed", type=int, default=config["seed"], help="the config's seed")
    for key in TRAIN_SETTINGS:
        value = jets["train"][key]
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    args = parser.parse_args()
    todo = tasks(args, config)
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
