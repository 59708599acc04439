"""A toy set-classification run of ``attnphys.train.fit``, started as a subprocess by
test_engine.py (to kill it mid-run, or under torchrun with 2 processes)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch import nn

from attnphys.train import TensorSet, TrainConfig, fit

MAX_LEN = 12


def toy_data(n: int, seed: int) -> TensorSet:
    """Sets of 1..12 points; the label says whether the first coordinates sum above zero."""
    g = torch.Generator().manual_seed(seed)
    length = torch.randint(1, MAX_LEN + 1, (n,), generator=g)
    mask = torch.arange(MAX_LEN)[None, :] < length[:, None]
    points = torch.randn(n, MAX_LEN, 3, generator=g) * mask[..., None]
    label = (points[..., 0].sum(1) > 0).long()
    return TensorSet({"points": points, "mask": mask, "length": length, "label": label}, "length", ("points", "mask"))


class ToySetNet(nn.Module):
    def __init__(self, dropout: float) -> None:
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(dropout))
        self.f = nn.Linear(16, 2)

    def forward(self, points, mask):
        return self.f((self.phi(points) * mask[..., None]).sum(1))


def make_loss(sleep: float):
    def loss_fn(model, batch):
        if sleep:
            time.sleep(sleep)
        out = model(batch["points"], batch["mask"])
        loss = nn.functional.cross_entropy(out, batch["label"])
        return loss, {"correct": (out.argmax(1) == batch["label"]).sum(), "count": len(batch["label"])}

    return loss_fn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--schedule", default="cosine")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    model = ToySetNet(args.dropout)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=3e-3, seed=11, device="cpu",
                         threads=1, schedule=args.schedule, patience=100, bucket_pool=4)
    fit(model, toy_data(301, 1), toy_data(77, 2), make_loss(args.sleep), config, args.outdir / "model.pt",
        {"toy": "sets", "dropout": args.dropout})


if __name__ == "__main__":
    main()
