"""Training throughput on the CPU: the training engine now against the path it replaced,
measured in the same run on the same batches.

For each model (the four jet taggers at the talk's sizes and SPA-NET at its defaults):

- ``before``: the previous path, as a plain loop over the same batches already assembled in
  memory (so none of the engine's batching cost is counted against it): the Transformer and
  the ParT-style model on the padded (jets, towers) grid as ``nn.TransformerEncoder``
  computes them (``packed=False``; ``tests/jets/test_models.py`` checks it against torch's
  encoder), and AdamW's per-parameter loop;
- ``after``: ``attnphys.train.fit`` itself (history ``seconds`` of its training pass): its
  batching, packed real towers on the CPU, fused AdamW, device-side statistics;
- ``after / before``: the speed-up of the training pass (> 1: faster).

Jets are synthetic with the tower counts of the default run's dataset (mean 56, 5-95 %
26-89 towers; a random batch of 64 is padded to about 1.8 times its real towers), or the
real ``train.parquet`` with ``--dataset``; SPA-NET events have 6 to 12 jets. Each figure is
the best of ``--repeats``. ``--batchings`` adds the Transformer through the engine with
three batchings: random batches trimmed to their longest jet (the default), pools of 16
batches sorted by tower count, and every jet padded to 230.

    python benchmarks/bench_train.py [--threads 2] [--scale 1] [--dataset DIR] [--batchings]
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from attnphys.jets.models import PAPER_SIZES, build_model, model_class
from attnphys.jets.split import Jets, read_jets
from attnphys.jets.train import cross_entropy, jet_tensors, standardise_from
from attnphys.spanet.models import SpaNet, matching_loss
from attnphys.train import TensorSet, TrainConfig, fit, resolve_device
from attnphys.train.data import batch_plan, gather

MAX_TOWERS = 230
ROWS = {"hl_dnn": 8192, "pfn": 4096, "transformer": 512, "part": 256, "spanet": 2048}
PADDED_JETS = 384
SPANET_JETS = (6, 12)


def synthetic_jets(n: int, seed: int = 0) -> Jets:
    """Tower counts ~ Gamma(shape 8.7, scale 6.4): the default run's mean and spread."""
    rng = np.random.default_rng(seed)
    length = np.clip(np.rint(rng.gamma(8.7, 6.4, n)), 1, MAX_TOWERS).astype(np.int64)
    mask = np.arange(MAX_TOWERS) < length[:, None]
    towers = (rng.normal(size=(n, MAX_TOWERS, 3)) * mask[..., None]).astype(np.float32)
    hl = rng.normal(size=(n, 17)).astype(np.float32)
    label = rng.integers(0, 7, n)
    return Jets(Path("synthetic"), label, label.astype(str), np.full(n, 1100, np.float32),
                hl[:, 0], hl, towers, mask, length)


def subset(jets: Jets, n: int) -> Jets:
    pick = slice(0, n)
    return Jets(jets.path, jets.label[pick], jets.classes[pick], jets.jet_pt[pick], jets.jet_mass[pick],
                jets.hl[pick], jets.towers[pick], jets.mask[pick], jets.length[pick])


def spanet_events(n: int, seed: int = 0) -> TensorSet:
    """ttbar-like events (raw pT, eta, phi, mass, b-tag), real jets first, two matched tops."""
    rng = np.random.default_rng(seed)
    width = SPANET_JETS[1]
    njets = rng.integers(SPANET_JETS[0], width + 1, n)
    mask = np.arange(width) < njets[:, None]
    pt = 25 + rng.exponential(50, (n, width))
    x = np.stack([pt, rng.uniform(-2.5, 2.5, (n, width)), rng.uniform(-np.pi, np.pi, (n, width)),
                  pt * rng.uniform(0.05, 0.2, (n, width)), rng.integers(0, 2, (n, width))], -1)
    x = (x * mask[..., None]).astype(np.float32)
    targets = np.stack([rng.permutation(k)[:6].reshape(2, 3) for k in njets])
    return TensorSet({"x": torch.from_numpy(x), "mask": torch.from_numpy(mask), "targets": torch.from_numpy(targets),
                      "njets": torch.from_numpy(njets)}, length_key="njets", padded_keys=("x", "mask"))


def spanet_loss(model: torch.nn.Module, batch: dict, padded: bool = False):
    return matching_loss(model(batch["x"], batch["mask"]), batch["targets"]), {}


def tower_loss(model: torch.nn.Module, batch: dict, padded: bool = False):
    """Cross-entropy; ``padded``: the Transformers on the padded grid (the previous path)."""
    if not padded or "packed" not in inspect.signature(model.forward).parameters:
        return cross_entropy(model, batch, tuple(model.inputs))
    out = model(batch["towers"], batch["mask"], packed=False)
    return torch.nn.functional.cross_entropy(out.float(), batch["label"]), {}


@dataclasses.dataclass
class Case:
    """One model's benchmark: a fresh model (same seed each time), its data and loss."""

    name: str
    data: TensorSet
    make: object
    loss: object
    config: TrainConfig


def jets_case(name: str, jets: Jets, config: TrainConfig) -> Case:
    def make():
        torch.manual_seed(0)
        model = build_model(name, **PAPER_SIZES[name])
        standardise_from(model, jets)
        return model

    return Case(name, jet_tensors(jets, tuple(model_class(name).inputs)), make, tower_loss, config)


def spanet_case(n: int, config: TrainConfig) -> Case:
    data = spanet_events(n)

    def make():
        torch.manual_seed(0)
        model = SpaNet()
        x, mask = data["x"], data["mask"]
        real = x[mask]
        model.scale.fit(torch.stack([real[:, 0].log(), real[:, 1], real[:, 2], real[:, 3].clamp_min(1e-3).log()], -1))
        return model

    return Case("spanet", data, make, spanet_loss, dataclasses.replace(config, bucket_pool=16))


def after_rate(case: Case, data: TensorSet | None = None, config: TrainConfig | None = None) -> float:
    """Rows per second of the engine's training pass."""
    data = case.data if data is None else data
    val = data.subset(np.arange(min(len(data), 64)))
    with tempfile.TemporaryDirectory() as tmp:
        result = fit(case.make(), data, val, case.loss, config or case.config, Path(tmp) / "model.pt",
                     {"bench": case.name})
    return len(data) / result.history[0]["seconds"]


def before_rate(case: Case, device: torch.device) -> float:
    """Rows per second of the previous path on the same batches, assembled beforehand."""
    config = case.config
    model = case.make().to(device).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, foreach=False)
    plan = batch_plan(case.data, config.batch_size, np.random.default_rng(0), config.bucket_pool)
    batches = [gather(case.data, index, device) for index in plan]
    start = time.perf_counter()
    for batch in batches:
        loss, _ = case.loss(model, batch, padded=True)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    return len(case.data) / (time.perf_counter() - start)


def batchings(pool: Jets, args: argparse.Namespace, config: TrainConfig) -> None:
    jets = subset(pool, min(int(PADDED_JETS * args.scale), len(pool)))
    case = jets_case("transformer", jets, config)
    padded = TensorSet({key: case.data[key] for key in ("towers", "mask", "label")})
    runs = {"random, trimmed": (case.data, config),
            "sorted pools of 16": (case.data, dataclasses.replace(config, bucket_pool=16)),
            "padded to 230": (padded, config)}
    rates = dict.fromkeys(runs, 0.0)
    for _ in range(args.repeats):
        for label, (data, run_config) in runs.items():
            rates[label] = max(rates[label], after_rate(case, data, run_config))
    print(f"transformer, {len(jets)} jets with {jets.length.mean():.0f} towers on average, through the engine:")
    for label, rate in rates.items():
        print(f"  {label:20s} {rate:8.1f} jets/s  ({rate / rates['padded to 230']:.2f}x padded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dataset", type=Path, help="folder with train.parquet (default: synthetic jets)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the numbers of rows")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--models", nargs="*", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--batchings", action="store_true", help="also the Transformer with three batchings")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device("cpu")
    sizes = {name: max(args.batch_size, int(n * args.scale)) for name, n in ROWS.items()}
    jet_models = [name for name in args.models if name != "spanet"]
    largest = max([sizes[name] for name in jet_models], default=0)
    pool = read_jets(args.dataset / "train.parquet") if args.dataset else synthetic_jets(max(largest, PADDED_JETS))
    config = TrainConfig(epochs=1, batch_size=args.batch_size, warmup_frac=0.0, device="cpu", threads=args.threads)
    print(f"CPU, torch threads {torch.get_num_threads()}, batch {args.batch_size}, "
          f"{'dataset ' + str(args.dataset) if args.dataset else 'synthetic jets'}")
    print(f"{'model':12s} {'rows':>6s} {'before rows/s':>14s} {'after rows/s':>13s} {'after/before':>13s}", flush=True)
    for name in args.models:
        case = (spanet_case(sizes[name], config) if name == "spanet"
                else jets_case(name, subset(pool, min(sizes[name], len(pool))), config))
        before, after = 0.0, 0.0
        for _ in range(args.repeats):
            before = max(before, before_rate(case, device))
            after = max(after, after_rate(case))
        print(f"{name:12s} {len(case.data):6d} {before:14.1f} {after:13.1f} {after / before:13.2f}", flush=True)
    if args.batchings:
        batchings(pool, args, config)


if __name__ == "__main__":
    main()
