"""Set model from a few stars' (M, R) to the EOS coefficients.

The stars of a sample have no order, so the model is permutation invariant: each star is
embedded alone, self-attention blocks without positional encoding mix the stars
(permutation equivariant), and attention pooling with one learned query reads the set
out (invariant), in the spirit of the Set Transformer (Lee et al. 2019, PMA pooling).
"""

from __future__ import annotations

import torch
from torch import nn

from attnphys.train.standardise import Standardise

N_FEATURES = 2  # (M, R) per star


class StarSetRegressor(nn.Module):
    """(batch, stars, 2) observed (M, R) -> (batch, n_outputs) standardised coefficients.

    ``scale`` standardises the inputs, ``target_scale`` the coefficients (both set from the
    training split); ``target_scale.inverse`` turns the output into coefficients."""

    def __init__(self, n_outputs: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2, d_ff: int = 128):
        super().__init__()
        self.scale = Standardise(N_FEATURES)
        self.target_scale = Standardise(n_outputs)
        self.embed = nn.Sequential(nn.Linear(N_FEATURES, d_model), nn.GELU(), nn.Linear(d_model, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, d_ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.query = nn.Parameter(torch.zeros(1, 1, d_model))
        self.pool = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.head = nn.Sequential(
            nn.LayerNorm(d_model), nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, n_outputs)
        )

    def forward(self, stars: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.embed(self.scale(stars)))
        pooled, _ = self.pool(self.query.expand(len(x), -1, -1), x, x, need_weights=False)
        return self.head(pooled[:, 0])


MODELS = {"star_set": StarSetRegressor}  # registry of the model records (attnphys.train.record)
