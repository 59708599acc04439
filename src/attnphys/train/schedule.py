"""Learning rate per optimiser step: linear warm-up, then cosine decay or plateau halving."""

from __future__ import annotations

import math

from attnphys.train.config import TrainConfig


class LearningRate:
    """The rate at each step; its small state (plateau bookkeeping) goes in the checkpoint."""

    def __init__(self, config: TrainConfig, total_steps: int) -> None:
        self.base = config.peak_lr
        self.kind = config.schedule
        self.total = max(1, total_steps)
        self.warmup = math.ceil(config.warmup_frac * self.total)
        self.floor = config.min_lr_frac
        self.wait = max(1, config.patience // 2)
        self.scale = 1.0
        self.best = math.inf
        self.bad = 0

    def at(self, step: int) -> float:
        warm = min(1.0, (step + 1) / self.warmup) if self.warmup else 1.0
        if self.kind == "cosine":
            progress = min(1.0, max(0.0, (step - self.warmup) / max(1, self.total - self.warmup)))
            factor = self.floor + (1.0 - self.floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
        else:
            factor = self.scale
        return self.base * warm * factor

    def end_epoch(self, val_loss: float) -> None:
        """Plateau: halve the rate after ``wait`` epochs without a better validation loss."""
        if val_loss < self.best:
            self.best, self.bad = val_loss, 0
            return
        self.bad += 1
        if self.kind == "plateau" and self.bad >= self.wait:
            self.scale *= 0.5
            self.bad = 0

    def state_dict(self) -> dict:
        return {"scale": self.scale, "best": self.best, "bad": self.bad}

    def load_state_dict(self, state: dict) -> None:
        self.scale, self.best, self.bad = float(state["scale"]), float(state["best"]), int(state["bad"])
