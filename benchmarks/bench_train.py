"""Training throughput of the jet taggers: the real engine against a bare loop.

For each model, in one run:
- ``engine``: jets per second of the training pass of ``attnphys.train.fit`` (its data
  loader: bucketed gather and trim per batch, schedule, stats; from history.csv ``seconds``);
- ``bare``: the same model and the same batches, already assembled in memory, stepped by a
  plain forward / cross-entropy / backward / AdamW loop;
- their ratio (target >= 0.9 on CPU).
Then the Transformer through the engine with three batchings: random batches trimmed to
their longest jet (the default), pools of 16 batches sorted by tower count (less padding,
but nearly single-class batches: see ``attnphys.train``), and every jet padded to 230.

Jets are synthetic with the dataset's shapes (tower counts ~ Poisson(100), at most 230),
or the real ``train.parquet`` with ``--dataset``. Each figure is the best of ``--repeats``.

    python benchmarks/bench_train.py [--threads 2] [--device auto] [--dataset DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from attnphys.jets.models import PAPER_SIZES, build_model, model_class
from attnphys.jets.split import Jets, read_jets
from attnphys.jets.train import cross_entropy, jet_tensors, standardise_from
from attnphys.train import TensorSet, TrainConfig, fit, resolve_device
from attnphys.train.data import batch_plan, gather

MAX_TOWERS = 230
JETS = {"hl_dnn": 8192, "pfn": 4096, "transformer": 768}
PADDED_JETS = 384


def synthetic_jets(n: int, seed: int = 0) -> Jets:
    rng = np.random.default_rng(seed)
    length = np.clip(rng.poisson(100, n), 1, MAX_TOWERS)
    mask = np.arange(MAX_TOWERS) < length[:, None]
    towers = (rng.normal(size=(n, MAX_TOWERS, 3)) * mask[..., None]).astype(np.float32)
    hl = rng.normal(size=(n, 17)).astype(np.float32)
    label = rng.integers(0, 7, n)
    return Jets(Path("synthetic"), label, label.astype(str), np.full(n, 1100, np.float32),
                hl[:, 0], hl, towers, mask, length.astype(np.int64))


def subset(jets: Jets, n: int) -> Jets:
    pick = slice(0, n)
    return Jets(jets.path, jets.label[pick], jets.classes[pick], jets.jet_pt[pick], jets.jet_mass[pick],
                jets.hl[pick], jets.towers[pick], jets.mask[pick], jets.length[pick])


def fresh_model(name: str, jets: Jets) -> torch.nn.Module:
    torch.manual_seed(0)
    model = build_model(name, **PAPER_SIZES[name])
    standardise_from(model, jets)
    return model


def engine_rate(name: str, data: TensorSet, val: TensorSet, jets: Jets, config: TrainConfig) -> float:
    model = fresh_model(name, jets)
    loss_fn = functools.partial(cross_entropy, inputs=tuple(model.inputs))
    with tempfile.TemporaryDirectory() as tmp:
        result = fit(model, data, val, loss_fn, config, Path(tmp) / "model.pt", {"bench": name})
    return len(data) / result.history[0]["seconds"]


def bare_rate(name: str, data: TensorSet, jets: Jets, config: TrainConfig, device: torch.device) -> float:
    model = fresh_model(name, jets).to(device).train()
    inputs = tuple(model.inputs)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    plan = batch_plan(data, config.batch_size, np.random.default_rng([config.seed, 0, 0]), config.bucket_pool)
    batches = [gather(data, index, device) for index in plan]
    amp = device.type == "cuda" and config.amp
    _sync(device)
    start = time.perf_counter()
    for batch in batches:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            out = model(*(batch[key] for key in inputs))
        loss = torch.nn.functional.cross_entropy(out.float(), batch["label"])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    _sync(device)
    return len(data) / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dataset", type=Path, help="folder with train.parquet (default: synthetic jets)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the numbers of jets")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    sizes = {name: max(args.batch_size, int(n * args.scale)) for name, n in JETS.items()}
    if device.type == "cuda":
        sizes = {name: n * 8 for name, n in sizes.items()}
    pool = read_jets(args.dataset / "train.parquet") if args.dataset else synthetic_jets(max(sizes.values()))
    config = TrainConfig(epochs=1, batch_size=args.batch_size, warmup_frac=0.0, device=args.device,
                         threads=args.threads)
    print(f"device {device}, torch threads {torch.get_num_threads()}, batch {args.batch_size}, "
          f"{'dataset ' + str(args.dataset) if args.dataset else 'synthetic jets'}")
    print(f"{'model':12s} {'jets':>6s} {'engine jets/s':>14s} {'bare jets/s':>12s} {'ratio':>6s}"
          + ("  peak MiB" if device.type == "cuda" else ""))
    for name in JETS:
        jets = subset(pool, min(sizes[name], len(pool)))
        inputs = tuple(model_class(name).inputs)
        data = jet_tensors(jets, inputs)
        val = data.subset(np.arange(min(len(data), args.batch_size)))
        bare_rate(name, data.subset(np.arange(min(len(data), 2 * args.batch_size))), jets, config, device)  # warm-up
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        bare, engine = 0.0, 0.0
        for _ in range(args.repeats):
            bare = max(bare, bare_rate(name, data, jets, config, device))
            engine = max(engine, engine_rate(name, data, val, jets, config))
        peak = f"  {torch.cuda.max_memory_allocated(device) / 2**20:8.0f}" if device.type == "cuda" else ""
        print(f"{name:12s} {len(data):6d} {engine:14.1f} {bare:12.1f} {engine / bare:6.2f}{peak}", flush=True)

    jets = subset(pool, min(int(PADDED_JETS * args.scale) * (8 if device.type == "cuda" else 1), len(pool)))
    bucketed = jet_tensors(jets, ("towers", "mask"))
    padded = TensorSet({key: bucketed[key] for key in ("towers", "mask", "label")})
    val = bucketed.subset(np.arange(min(len(bucketed), args.batch_size)))
    configs = {"random, trimmed": (bucketed, config),
               "sorted pools of 16": (bucketed, dataclasses.replace(config, bucket_pool=16)),
               "padded to 230": (padded, config)}
    rates = dict.fromkeys(configs, 0.0)
    for _ in range(args.repeats):
        for label, (data, run_config) in configs.items():
            rates[label] = max(rates[label], engine_rate("transformer", data, val, jets, run_config))
    mean_towers = float(jets.length.mean())
    print(f"transformer, {len(jets)} jets with {mean_towers:.0f} towers on average, through the engine:")
    for label, rate in rates.items():
        print(f"  {label:20s} {rate:8.1f} jets/s  ({rate / rates['padded to 230']:.2f}x padded)")


if __name__ == "__main__":
    main()
