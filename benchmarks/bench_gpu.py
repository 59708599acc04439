"""Training throughput of every model on one GPU, through the project's own training stages.

Part 1, per model, a few hundred optimiser steps (``--steps``) of the real stage function on
the real dataset files, twice, in this order, with patience above the epoch count (no early
stop) and bf16 autocast on CUDA (``TrainConfig(amp=True)``):

- ``before``: the areas' config defaults (``config.yaml``: batch size 64, learning rate,
  schedule, bucketing; jets: augmentation as in the default run), the settings the GPU
  figures of issue 24 were measured with (Transformer: 3,675 jets/s on an H200);
- ``after``: the same with ``--batch-size`` (default 1024) and, with ``--compile``,
  ``torch.compile``; the peak learning rate follows the area's ``lr_scaling`` rule
  (jets, SPA-NET: square root from batch 64, so 4x at 1024).

The training engine is the current one in both (data resident on the GPU, fused AdamW, no
host synchronisation per step), so ``after / before`` is the gain of the settings, on top
of the engine's own.

Models:

- jets: ``hl_dnn``, ``pfn``, ``transformer``, ``part`` at the talk's sizes
  (``attnphys.jets.train.train_tagger``);
- SPA-NET (``attnphys.spanet.train.train_spanet``);
- neutrino: every model of ``attnphys.neutrino.models.MODELS`` (``attnphys.neutrino.train.train_model``).

Epochs are chosen so that epochs x batches per epoch is about ``--steps``. One row per model:
parameters, training rows, steps, wall seconds of the stage call (reading, standardising,
validation and checkpoints included), seconds of the training passes (history ``seconds``),
steps/s and rows/s of those passes (all epochs, and epochs 2+ without the first epoch's
warm-up), peak GPU memory (``torch.cuda.max_memory_allocated``, reset before each model) and
the best validation accuracy of the history (jets, neutrino: event class; SPA-NET: the
fraction of tops fully matched).

Part 2, the largest jets training that fits: the Transformer (then ``part`` if the time left,
``--total-seconds``, allows) on the whole train split for as many epochs as fit in
``--largest-seconds``, the epoch time measured by a one-epoch run first; validation accuracy
per epoch, then test accuracy by the evaluation stage (``attnphys.jets.evaluate.evaluate_tagger``).

Rows are printed and flushed as they finish; with ``$OUT`` set (or ``--out``) the tables go to
``bench_gpu.csv``, every history to ``histories.csv`` and the test metrics to
``largest_metrics.json`` there, rewritten after each model (a run cut by a timeout keeps what
finished). Models and checkpoints stay in a temporary folder.

Needs torch, numpy, pandas, pyarrow, tqdm (the engine's progress bars) and pyyaml (the config
defaults); h5py for the SPA-NET and neutrino files (both HDF5: ``attnphys.spanet.h5layout``,
``attnphys.neutrino.pixelmap``), whose areas are skipped with a message without it. Nothing
else: no uproot, awkward, fastjet, pythia8mc, snakemake or scikit-learn.

    PYTHONPATH=src python benchmarks/bench_gpu.py --jets gpu_data/jets \\
        --spanet-train gpu_data/spanet/train.h5 --spanet-val gpu_data/spanet/val.h5 \\
        --neutrino gpu_data/neutrino/dataset.h5 2> bench_gpu.stderr

Dry run on a CPU: ``--device cpu --steps 2 --batch-size 128 --largest-seconds 10`` (the
same engine code path; tests/train/test_bench_gpu.py runs it on a tiny dataset).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import torch

from attnphys.files import atomic_path
from attnphys.jets.evaluate import evaluate_tagger
from attnphys.jets.models import MODELS as JET_MODELS
from attnphys.jets.models import hl_columns
from attnphys.jets.models import PAPER_SIZES, count_parameters
from attnphys.jets.train import train_seed as jets_train_seed
from attnphys.jets.train import train_tagger
from attnphys.seeding import MASTER_SEED, integer, run_seed
from attnphys.train import TrainConfig
from attnphys.train.record import load_model

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"
SETTINGS = {f.name for f in dataclasses.fields(TrainConfig)} - {"epochs", "patience", "device", "seed", "amp"}
COLUMNS = ["part", "setting", "area", "model", "params", "train_rows", "batch", "epochs", "steps", "wall_s", "train_s",
           "steps_per_s", "rows_per_s", "steady_steps_per_s", "peak_mib", "best_val_acc", "final_val_acc"]


@dataclasses.dataclass
class Run:
    """One model's training job: the stage call, its settings and the rows it trains on."""

    area: str
    model: str
    train_rows: int
    config: TrainConfig
    stage: Callable[[Path, Path, TrainConfig], object]  # (model.pt, history.csv, config) -> anything
    registry: Mapping[str, type[torch.nn.Module]]
    setting: str = "before"


def default_config() -> dict:
    """config.yaml, the default run's settings."""
    import yaml

    with open(CONFIG) as f:
        return yaml.safe_load(f)


def area_settings(area: str) -> dict:
    """The ``<area>.train`` entries of config.yaml."""
    return dict(default_config()[area]["train"])


def train_config(settings: dict, args: argparse.Namespace, seed: int) -> TrainConfig:
    """TrainConfig of an area's settings (the ``before`` setting), on ``--device`` with bf16 autocast."""
    fields = {key: value for key, value in settings.items() if key in SETTINGS}
    return TrainConfig(**fields, device=args.device, amp=True, seed=seed)


def after(run: Run, args: argparse.Namespace) -> Run:
    """``run`` with the ``after`` setting: ``--batch-size`` and ``--compile``."""
    config = dataclasses.replace(run.config, batch_size=args.batch_size, compile=args.compile)
    return dataclasses.replace(run, config=config, setting="after")


def batches_per_epoch(rows: int, batch_size: int, pool: int) -> int:
    """Training batches of one epoch (``attnphys.train.data.batch_plan`` cuts each pool on its own)."""
    full, rest = divmod(rows, pool * batch_size)
    return full * pool + math.ceil(rest / batch_size)


def jets_runs(folder: Path, args: argparse.Namespace) -> list[Run]:
    """The four taggers at the talk's sizes (no ``params`` overrides; sizes from the data)."""
    train, val = folder / "train.parquet", folder / "val.parquet"
    settings = area_settings("jets")
    rows = pq.read_metadata(train).num_rows
    columns = set(pq.read_schema(train).names)
    runs = []
    for name in JET_MODELS:
        if not set(hl_columns(name)) <= columns:  # hl135: the paper's 135 taus (jets.source: paper) only
            print(f"jets {name}: skipped, {train} lacks its HL columns")
            continue
        if set(PAPER_SIZES[name]) != {"n_features", "n_classes"}:
            raise ValueError(f"PAPER_SIZES[{name!r}] sets more than the data sizes: {PAPER_SIZES[name]}")
        towers = "towers" in JET_MODELS[name].inputs

        def stage(model_path, history_path, config, name=name, towers=towers):
            return train_tagger(name, 0, train, val, model_path, history_path, config, {}, MASTER_SEED,
                                settings.get("preprocess", "none") if towers else "none",
                                bool(settings.get("augment", False)) and towers)

        config = train_config(settings, args, jets_train_seed(MASTER_SEED, name, 0))
        runs.append(Run("jets", name, rows, config, stage, JET_MODELS))
    return runs


def spanet_runs(train: Path, val: Path, args: argparse.Namespace) -> list[Run]:
    from attnphys.spanet.h5layout import read_h5
    from attnphys.spanet.models import MODELS
    from attnphys.spanet.train import train_spanet, trainable

    rows = len(trainable(read_h5(train)))

    def stage(model_path, history_path, config):
        return train_spanet(train, val, model_path, history_path, config, {})

    config = train_config(area_settings("spanet"), args, run_seed(MASTER_SEED, "spanet"))
    return [Run("spanet", "spanet", rows, config, stage, MODELS)]


def neutrino_runs(dataset: Path, args: argparse.Namespace) -> list[Run]:
    from attnphys.neutrino.models import MODELS
    from attnphys.neutrino.pixelmap import read_dataset
    from attnphys.neutrino.train import train_model

    rows = int((read_dataset(dataset, ("split",))[0]["split"] == 0).sum())
    settings = area_settings("neutrino")
    runs = []
    for name in MODELS:
        def stage(model_path, history_path, config, name=name):
            return train_model(dataset, name, model_path, history_path, config, {}, 0)

        runs.append(Run("neutrino", name, rows, train_config(settings, args, run_seed(MASTER_SEED, "neutrino", name, 0)),
                        stage, MODELS))
    return runs


class Recorder:
    """Rows on stdout (flushed); with an output folder, CSV and JSON files rewritten after each."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.rows: list[dict] = []
        self.histories: list[pd.DataFrame] = []
        self.metrics: dict = {}
        if out:
            out.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def header() -> None:
        print(f"{'setting':7s} {'area':8s} {'model':11s} {'params':>9s} {'rows':>7s} {'batch':>5s} {'ep':>3s} {'steps':>5s} "
              f"{'wall s':>7s} {'train s':>7s} {'steps/s':>8s} {'rows/s':>9s} {'ep2+ st/s':>9s} "
              f"{'peak MiB':>8s} {'best val':>8s}  part", flush=True)

    def add(self, row: dict, history: pd.DataFrame) -> None:
        self.rows.append(row)
        self.histories.append(history.assign(part=row["part"], setting=row["setting"], area=row["area"], model=row["model"]))
        self.print_row(row)
        self.save()

    @staticmethod
    def print_row(row: dict) -> None:
        peak = f"{row['peak_mib']:8.0f}" if row["peak_mib"] is not None else f"{'-':>8s}"
        steady = f"{row['steady_steps_per_s']:9.1f}" if row["steady_steps_per_s"] is not None else f"{'-':>9s}"
        print(f"{row['setting']:7s} {row['area']:8s} {row['model']:11s} {row['params']:9d} {row['train_rows']:7d} {row['batch']:5d} "
              f"{row['epochs']:3d} {row['steps']:5d} {row['wall_s']:7.1f} {row['train_s']:7.1f} "
              f"{row['steps_per_s']:8.1f} {row['rows_per_s']:9.0f} {steady} {peak} {row['best_val_acc']:8.4f}"
              f"  {row['part']}", flush=True)

    def summary(self) -> None:
        """Every row, the speed-ups and test accuracy again, so the end of the output holds all results."""
        print("summary:")
        self.header()
        for row in self.rows:
            self.print_row(row)
        steps = {(row["area"], row["model"], row["setting"]): row for row in self.rows if row["part"] == "steps"}
        print(f"{'area':8s} {'model':11s} {'before rows/s':>13s} {'after rows/s':>13s} {'after/before':>12s} "
              f"{'before acc':>10s} {'after acc':>9s}")
        for (area, model, setting), first in steps.items():
            second = steps.get((area, model, "after"))
            if setting == "before" and second:
                print(f"{area:8s} {model:11s} {first['rows_per_s']:13.0f} {second['rows_per_s']:13.0f} "
                      f"{second['rows_per_s'] / first['rows_per_s']:12.2f} {first['best_val_acc']:10.4f} "
                      f"{second['best_val_acc']:9.4f}")
        jets = [row for (area, _, setting), row in steps.items() if area == "jets" and setting == "after"]
        if jets:
            seconds = {row["model"]: 3 * 30 * 100_000 / row["rows_per_s"] for row in jets}
            print(f"projection at the after rows/s (training passes only): {len(jets)} jets models x 3 seeds x "
                  f"30 epochs of 100,000 jets = {sum(seconds.values()) / 60:.1f} min ("
                  + ", ".join(f"{model} {sec / 60:.1f}" for model, sec in seconds.items()) + ")")
        for metrics in self.metrics.values():
            print(metrics["line"])
        sys.stdout.flush()

    def save(self) -> None:
        if not self.out:
            return
        if self.rows:
            with atomic_path(self.out / "bench_gpu.csv") as tmp:
                pd.DataFrame(self.rows, columns=COLUMNS).to_csv(tmp, index=False, float_format="%.6g")
            with atomic_path(self.out / "histories.csv") as tmp:
                pd.concat(self.histories).to_csv(tmp, index=False, float_format="%.6g")
        if self.metrics:
            with atomic_path(self.out / "largest_metrics.json") as tmp:
                tmp.write_text(json.dumps(self.metrics, indent=2) + "\n")


def measure(run: Run, epochs: int, folder: Path, part: str) -> tuple[dict, pd.DataFrame]:
    """Train ``run`` for ``epochs`` epochs (no early stop) into ``folder``; its row and history."""
    cuda = torch.device(run.config.device).type == "cuda"
    config = dataclasses.replace(run.config, epochs=epochs, patience=epochs + 1)
    model_path, history_path = folder / "model.pt", folder / "history.csv"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    run.stage(model_path, history_path, config)
    if cuda:
        torch.cuda.synchronize()
    wall = time.perf_counter() - start
    history = pd.read_csv(history_path)
    per_epoch = batches_per_epoch(run.train_rows, config.batch_size, config.bucket_pool)
    train_s = float(history["seconds"].sum())
    later = history["seconds"].iloc[1:]
    row = {
        "part": part, "setting": run.setting, "area": run.area, "model": run.model,
        "params": count_parameters(load_model(model_path, run.registry)[0]), "train_rows": run.train_rows,
        "batch": config.batch_size, "epochs": len(history), "steps": per_epoch * len(history), "wall_s": wall,
        "train_s": train_s, "steps_per_s": per_epoch * len(history) / train_s,
        "rows_per_s": run.train_rows * len(history) / train_s,
        "steady_steps_per_s": per_epoch * len(later) / float(later.sum()) if len(later) else None,
        "peak_mib": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
        "best_val_acc": float(history["val_acc"].max()), "final_val_acc": float(history["val_acc"].iloc[-1]),
    }
    return row, history


def throughput(runs: list[Run], steps: int, recorder: Recorder, scratch: Path, args: argparse.Namespace) -> None:
    """Part 1: about ``steps`` optimiser steps of every run, before and after."""
    for run in runs:
        for setting in (run, after(run, args)):
            per_epoch = batches_per_epoch(setting.train_rows, setting.config.batch_size, setting.config.bucket_pool)
            epochs = max(1, round(steps / per_epoch))
            recorder.add(*measure(setting, epochs, Path(tempfile.mkdtemp(dir=scratch)), "steps"))


def largest(run: Run, test: Path, seconds: float, recorder: Recorder, scratch: Path) -> None:
    """Part 2: the longest training of ``run`` that fits in ``seconds``, then its test accuracy."""
    probe, probe_history = measure(run, 1, Path(tempfile.mkdtemp(dir=scratch)), "probe")
    epoch_s = probe["train_s"] + float(probe_history["val_seconds"].sum())
    overhead = max(0.0, probe["wall_s"] - epoch_s)
    epochs = max(1, int((seconds - overhead) // epoch_s))
    print(f"largest {run.model}: one epoch of {run.train_rows} jets takes {epoch_s:.1f} s "
          f"(+{overhead:.1f} s setup) -> {epochs} epochs in {seconds:.0f} s", flush=True)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    row, history = measure(run, epochs, folder, "largest")
    best = int(history["val_loss"].idxmin())
    every = math.ceil(len(history) / 20)  # at most about 20 lines; histories.csv holds every epoch
    for index, epoch in enumerate(history.itertuples()):
        if index % every and index not in (best, len(history) - 1):
            continue
        print(f"  epoch {epoch.epoch:3d}  train loss {epoch.train_loss:.4f}  train acc {epoch.train_acc:.4f}  "
              f"val loss {epoch.val_loss:.4f}  val acc {epoch.val_acc:.4f}", flush=True)
    metrics = evaluate_tagger(folder / "model.pt", test, folder / "predictions.parquet", folder / "metrics.json",
                              device=run.config.device)
    recorder.metrics[run.model] = {key: metrics[key] for key in (
        "accuracy", "per_class_accuracy", "confusion", "classes", "n_params", "n_train", "n_test", "jets_per_second")}
    recorder.metrics[run.model] |= {"epochs": epochs, "best_val_acc": row["best_val_acc"], "wall_s": row["wall_s"]}
    Recorder.header()
    recorder.add(row, history)
    per_class = ", ".join(f"{name} {acc:.3f}" for name, acc in metrics["per_class_accuracy"].items()
                          if acc is not None)
    recorder.metrics[run.model]["line"] = (
        f"largest {run.model}: test accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} jets after "
        f"{epochs} epochs of {run.train_rows} jets in {row['wall_s']:.0f} s (best-val-loss weights, epoch "
        f"{int(history['epoch'].iloc[best])}, val acc {history['val_acc'].iloc[best]:.4f}); per class: {per_class}")
    print(recorder.metrics[run.model]["line"], flush=True)
    recorder.save()


def environment(device: str) -> dict[str, bool]:
    """Print what the run stands on; which optional packages are importable."""
    found = {name: importlib.util.find_spec(name) is not None for name in ("h5py", "tqdm", "yaml")}
    line = f"python {sys.version.split()[0]}, torch {torch.__version__}, device {device}"
    if device == "cuda":
        line += f" ({torch.cuda.get_device_name()}, {torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB)"
    print(line + "; " + ", ".join(f"{name} {'yes' if ok else 'MISSING'}" for name, ok in found.items()), flush=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jets", type=Path, help="folder with train.parquet, val.parquet, test.parquet")
    parser.add_argument("--spanet-train", type=Path, help="SPA-NET train.h5")
    parser.add_argument("--spanet-val", type=Path, help="SPA-NET val.h5")
    parser.add_argument("--neutrino", type=Path, help="neutrino dataset.h5")
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps per model in part 1 (default 300)")
    parser.add_argument("--largest-seconds", type=float, default=180.0,
                        help="training time of each largest jets run in part 2 (default 180)")
    parser.add_argument("--largest-models", nargs="*", default=["transformer", "part"], choices=sorted(JET_MODELS),
                        help="jets models of part 2, in order, each only if the time left allows")
    parser.add_argument("--total-seconds", type=float, default=540.0,
                        help="budget of the whole script: part 2 shortens or skips runs to end within it")
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="rows per batch of the after setting in every area (default 1024)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the models of the after setting")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--out", type=Path, default=Path(os.environ["OUT"]) if os.environ.get("OUT") else None,
                        help="folder for bench_gpu.csv, histories.csv, largest_metrics.json (default: $OUT)")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("--device cuda: torch sees no GPU", file=sys.stderr)
        return 2
    found = environment(args.device)
    missing = [name for name in ("tqdm", "yaml") if not found[name]]
    if missing:
        print(f"missing packages {missing}: the training engine needs tqdm, the config defaults pyyaml", file=sys.stderr)
        return 2
    if args.device == "cuda":  # CUDA context and cuBLAS handles before the first timed model
        torch.ones(256, 256, device="cuda").matmul(torch.ones(256, 256, device="cuda")).sum().item()
    runs: list[Run] = []
    if args.jets:
        runs += jets_runs(args.jets, args)
    else:
        print("jets: skipped (no --jets)", flush=True)
    h5_areas = {"spanet": args.spanet_train and args.spanet_val, "neutrino": args.neutrino}
    for area, given in h5_areas.items():
        if not given:
            flags = "--spanet-train and --spanet-val" if area == "spanet" else "--neutrino"
            print(f"{area}: skipped (no {flags})", flush=True)
        elif not found["h5py"]:
            print(f"{area}: skipped: its files are HDF5 and h5py is not installed", flush=True)
        elif area == "spanet":
            runs += spanet_runs(args.spanet_train, args.spanet_val, args)
        else:
            runs += neutrino_runs(args.neutrino, args)
    recorder = Recorder(args.out)
    with tempfile.TemporaryDirectory(prefix="bench_gpu_") as scratch:
        print(f"part 1: about {args.steps} optimiser steps per model on {args.device}"
              + (", bf16 autocast" if args.device == "cuda" else ""), flush=True)
        Recorder.header()
        throughput(runs, args.steps, recorder, Path(scratch), args)
        jets = {run.model: run for run in runs if run.area == "jets"}
        for name in args.largest_models if args.jets else []:
            left = args.total_seconds - (time.perf_counter() - start)
            seconds = min(args.largest_seconds, 0.75 * left)
            if seconds < 0.2 * args.largest_seconds:
                print(f"largest {name}: skipped, {left:.0f} s of --total-seconds left", flush=True)
                continue
            print(f"part 2: largest {name} training in {seconds:.0f} s on the whole train split", flush=True)
            largest(after(jets[name], args), args.jets / "test.parquet", seconds, recorder, Path(scratch))
    recorder.summary()
    print(f"done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
