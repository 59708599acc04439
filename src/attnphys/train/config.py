"""Settings of one training run and what the run returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

SCHEDULES = ("cosine", "plateau")
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
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"TrainConfig: invalid {values}")

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
