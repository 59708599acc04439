"""Transformer encoder on calorimeter towers (the talk's "Transformer (tower)", Lu et al.,
arXiv:2202.00723).

No positional encoding and a key-padding mask, so the output does not depend on the order
of the towers nor on the padding. A learned class token is prepended; its final state
feeds the classifier head.

Sizes (the paper gives only the count): tower embedding 3 -> 128 ReLU -> 128; 4 encoder
layers (d_model 128, 8 heads, feed-forward 1024, ReLU, post-norm as in
``nn.TransformerEncoderLayer``); class token 128; head 128 -> 384 ReLU -> 7. That is
17,024 + 4 x 329,856 + 128 + 52,231 = 1,388,807 parameters, the talk's count exactly.
Dropout defaults to 0: on CPU its random masks made training nearly three times slower
(about 45 against 120 jets per second on 2 cores); weight decay regularises instead.
``norm_first=True`` switches to pre-norm and adds the then-needed final LayerNorm
(+256 parameters, +0.02 %).
"""

from __future__ import annotations

import torch
from torch import nn

from attnphys.train.standardise import Standardise


class TowerTransformer(nn.Module):
    """Self-attention over the real towers of a jet, pooled through a class token."""

    inputs = ("towers", "mask")

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        d_model: int = 128,
        heads: int = 8,
        layers: int = 4,
        ffn: int = 1024,
        dropout: float = 0.0,
        head: int = 384,
        norm_first: bool = False,
    ) -> None:
        super().__init__()
        self.scale = Standardise(n_features)
        self.n_classes = n_classes
        self.embed = nn.Sequential(nn.Linear(n_features, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.class_token = nn.Parameter(torch.zeros(1, 1, d_model))
        nn.init.normal_(self.class_token, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, ffn, dropout, batch_first=True, norm_first=norm_first
        )
        self.encoder = nn.TransformerEncoder(
            layer, layers, norm=nn.LayerNorm(d_model) if norm_first else None, enable_nested_tensor=False
        )
        self.head = nn.Sequential(nn.Linear(d_model, head), nn.ReLU(), nn.Linear(head, n_classes))

    def forward(self, towers: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``towers`` (jets, towers, features), ``mask`` (jets, towers), True for real towers."""
        tokens = self.embed(self.scale(towers))
        cls = self.class_token.expand(tokens.shape[0], -1, -1).to(tokens.dtype)
        tokens = torch.cat([cls, tokens], dim=1)
        padding = torch.cat([torch.zeros_like(mask[:, :1]), ~mask], dim=1)
        return self.head(self.encoder(tokens, src_key_padding_mask=padding)[:, 0])
