"""Input standardisation stored in the model, so the training-split statistics travel with it."""

from __future__ import annotations

import torch
from torch import nn


class Standardise(nn.Module):
    """``(x - mean) / std`` per feature (last dim); buffers, not parameters, so the
    parameter counts stay those of the talk. Set with :meth:`fit_to` from training data."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))

    def fit_to(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        std = torch.as_tensor(std, dtype=torch.float32)
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.where(std > 0, std, torch.ones_like(std)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std
