"""Dense network on the jet mass and 16 N-subjettiness features (the talk's "Mass + HL").

Defaults: 17 inputs -> 6 x 800 ReLU -> 64 ReLU -> 7 = 3,270,119 parameters, the count in
the talk (Lu et al., arXiv:2202.00723, table of tower-level taggers).
"""

from __future__ import annotations

import torch
from torch import nn

from attnphys.train.standardise import Standardise


class HLDNN(nn.Module):
    """Multilayer perceptron on high-level features ``hl`` of shape (jets, n_features)."""

    inputs = ("hl",)

    def __init__(self, n_features: int, n_classes: int, width: int = 800, depth: int = 6, bottleneck: int = 64) -> None:
        super().__init__()
        self.scale = Standardise(n_features)
        self.n_classes = n_classes
        layers: list[nn.Module] = []
        size = n_features
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.ReLU()]
            size = width
        layers += [nn.Linear(size, bottleneck), nn.ReLU(), nn.Linear(bottleneck, n_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, hl: torch.Tensor) -> torch.Tensor:
        return self.net(self.scale(hl))
