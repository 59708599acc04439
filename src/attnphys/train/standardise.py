"""Input (and target) standardisation stored in the model, one way for every area.

The statistics come from the training split only and live in buffers, so they travel with
the weights in ``model.pt`` and the parameter counts stay those of the papers.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Standardise(nn.Module):
    """``(x - mean) / std`` per feature (last dim). Set with :meth:`fit` from training rows;
    a feature with zero spread keeps std 1."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))

    def fit(self, values) -> None:
        """Mean and standard deviation (float64) over every row of ``values`` (..., n_features)."""
        values = np.asarray(values, dtype=np.float64).reshape(-1, self.mean.shape[0])
        mean, std = values.mean(axis=0), values.std(axis=0)
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.as_tensor(np.where(std > 0, std, 1.0), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * self.std + self.mean
