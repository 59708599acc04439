"""Settings of one training run and what the run returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

SCHEDULES = ("cosine", "plateau")
# Learning rate against batch size: the peak rate is lr * (batch_size / lr_reference_batch)^power.
# sqrt: the square-root rule of adaptive optimisers (Adam: Malladi et al., NeurIPS 2022,
# arXiv:2205.10287), keeps the gradient-noise scale; linear: Goyal et al. (arXiv:1706.02677), for SGD.
LR_SCALINGS = {"none": 0.0, "sqrt": 0.5, "linear": 1.0}
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser, schedule, batching and hardware settings (see the package docstring)."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_frac: float = 0.05
    schedule: str = "cosine"
    patience: int = 5
    seed: int = 0
    device: str = "auto"
    threads: int = 0
    amp: bool = True
    compile: bool = False
    bucket_pool: int = 1
    min_lr_frac: float = 0.0
    restart_stale: bool = False
    lr_scaling: str = "none"
    lr_reference_batch: int = 64

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "lr": self.lr > 0,
            "weight_decay": self.weight_decay >= 0,
            "warmup_frac": 0 <= self.warmup_frac <= 1,
            "schedule": self.schedule in SCHEDULES,
            "patience": self.patience >= 1,
            "seed": self.seed >= 0,
            "device": self.device in DEVICES,
            "threads": self.threads >= 0,
            "bucket_pool": self.bucket_pool >= 1,
            "min_lr_frac": 0 <= self.min_lr_frac <= 1,
            "lr_scaling": self.lr_scaling in LR_SCALINGS,
            "lr_reference_batch": self.lr_reference_batch >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"TrainConfig: invalid {values}")

    @property
    def peak_lr(self) -> float:
        """``lr`` scaled from ``lr_reference_batch`` to ``batch_size`` by ``lr_scaling``."""
        return self.lr * (self.batch_size / self.lr_reference_batch) ** LR_SCALINGS[self.lr_scaling]

    def result_fields(self) -> dict:
        """The fields that change the trained weights (device, threads, compile, restart_stale do not)."""
        skip = {"device", "threads", "compile", "restart_stale"}
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in skip}


@dataclass
class TrainResult:
    """Summary of a finished (or early-stopped) run; the files hold the details."""

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    stopped_early: bool
    history: list[dict] = field(default_factory=list)
    model_path: Path | None = None
    seconds: float = 0.0
