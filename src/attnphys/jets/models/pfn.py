"""Particle Flow Network on calorimeter towers (Komiske, Metodiev, Thaler, JHEP 01 (2019)
121, arXiv:1810.05165): F(sum over towers of Phi(tower)).

Each tower is (log pT, delta eta, delta phi) relative to the jet axis. Defaults: Phi
3 -> 128 -> 128 (ReLU), a sum over the real towers (the mask zeroes the padding), F
128 -> 1024 -> 1024 -> 7 = 1,205,895 parameters, the count in the talk. The sum makes the
output independent of the order of the towers.
"""

from __future__ import annotations

import torch
from torch import nn

from attnphys.train.standardise import Standardise


def _mlp(sizes: list[int], last_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if last_activation or i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class PFN(nn.Module):
    """Per-tower network Phi, masked sum, jet-level network F."""

    inputs = ("towers", "mask")

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        phi: tuple[int, ...] = (128, 128),
        f: tuple[int, ...] = (1024, 1024),
    ) -> None:
        super().__init__()
        self.scale = Standardise(n_features)
        self.n_classes = n_classes
        self.phi = _mlp([n_features, *phi], last_activation=True)
        self.f = _mlp([phi[-1], *f, n_classes], last_activation=False)

    def forward(self, towers: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``towers`` (jets, towers, features), ``mask`` (jets, towers), True for real towers."""
        per_tower = self.phi(self.scale(towers)) * mask.unsqueeze(-1).to(towers.dtype)
        return self.f(per_tower.sum(dim=1))
