"""Transformer on calorimeter towers whose attention is biased by pairwise interactions,
after the Particle Transformer (ParT; Qu, Li, Qian, arXiv:2202.03772).

For every pair of real towers (i, j), massless (pT, eta, phi) in the jet frame:
dR = sqrt(deta^2 + dphi^2), kT = min(pT_i, pT_j) dR, z = min(pT_i, pT_j) / (pT_i + pT_j),
m^2 = 2 pT_i pT_j (cosh deta - cos dphi). The four logarithms (ln kT, ln z, ln dR, ln m^2),
standardised with statistics of the training split, pass through a small per-pair network
to one bias per attention head, added to the attention logits of every encoder layer (the
same bias in all layers, as in ParT). A tower's pairing with itself gets the all-zero
(mean) feature vector; pairs with padding get none (their keys are masked).

Everything else is the talk's Transformer, which this model extends through its
attention-bias hook (``transformer.py``): tower embedding
3 -> 128 ReLU -> 128, 4 post-norm encoder layers (d_model 128, 8 heads, feed-forward 1024),
class token, no positional encoding; so the comparison isolates the pairwise bias. The pair
network 4 -> 36 ReLU -> 20 ReLU -> 8 and the head 128 -> 376 ReLU -> 7 are sized to hit the
Transformer's count exactly: 17,024 + 1,088 + 4 x 329,856 + 128 + 51,143 = 1,388,807
parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from attnphys.jets.models.transformer import TowerTransformer
from attnphys.train.standardise import Standardise

PAIR_FEATURES = ("ln_kt", "ln_z", "ln_dr", "ln_m2")
# Floors before the logarithms: far below a calorimeter cell (0.0174 in eta) and 1 MeV^2.
MIN_DR = 1e-4
MIN_M2 = 1e-6


def pair_logs(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(ln kT, ln z, ln dR, ln m^2), (..., 4), of the pairs of towers ``a`` and ``b``
    (broadcast against each other), columns (ln pT/GeV, deta, dphi)."""
    pt_a, pt_b = torch.exp(a[..., 0]), torch.exp(b[..., 0])
    deta = a[..., 1] - b[..., 1]
    dphi = a[..., 2] - b[..., 2]
    dr = torch.sqrt(deta**2 + dphi**2).clamp_min(MIN_DR)
    softer = torch.minimum(pt_a, pt_b)
    m2 = (2 * pt_a * pt_b * (torch.cosh(deta) - torch.cos(dphi))).clamp_min(MIN_M2)
    return torch.stack([torch.log(softer * dr), torch.log(softer / (pt_a + pt_b)), torch.log(dr), torch.log(m2)], -1)


def pair_features(towers: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(ln kT, ln z, ln dR, ln m^2) of every tower pair, (jets, n, n, 4), and the boolean
    (jets, n, n) of pairs of two distinct real towers; other entries are 0.

    ``towers`` columns are (ln pT/GeV, deta, dphi) relative to the jet axis."""
    valid = mask.unsqueeze(2) & mask.unsqueeze(1)
    valid = valid & ~torch.eye(mask.shape[1], dtype=torch.bool, device=mask.device)
    clean = torch.where(mask.unsqueeze(-1), towers, torch.zeros_like(towers)).float()
    features = pair_logs(clean.unsqueeze(2), clean.unsqueeze(1))
    return torch.where(valid.unsqueeze(-1), features, torch.zeros_like(features)), valid


class PairTransformer(TowerTransformer):
    """The Transformer whose attention gets a learned pairwise bias per head."""

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        d_model: int = 128,
        heads: int = 8,
        layers: int = 4,
        ffn: int = 1024,
        dropout: float = 0.0,
        pair: tuple[int, ...] = (36, 20),
        head: int = 376,
    ) -> None:
        super().__init__(n_features, n_classes, d_model, heads, layers, ffn, dropout, head)
        self.pair_scale = Standardise(len(PAIR_FEATURES))
        sizes = [len(PAIR_FEATURES), *pair]
        pair_layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            pair_layers += [nn.Linear(a, b), nn.ReLU()]
        self.pair_embed = nn.Sequential(*pair_layers, nn.Linear(sizes[-1], heads))

    @torch.no_grad()
    def fit_pair_scale(self, towers: torch.Tensor, mask: torch.Tensor, chunk: int = 256) -> None:
        """Set the pair-feature standardisation from training jets (distinct real pairs only)."""
        total = torch.zeros(len(PAIR_FEATURES), dtype=torch.float64)
        square = torch.zeros_like(total)
        count = 0
        for start in range(0, len(towers), chunk):
            part_mask = mask[start : start + chunk]
            longest = int(part_mask.sum(1).max()) if len(part_mask) else 0
            features, valid = pair_features(towers[start : start + chunk, :longest], part_mask[:, :longest])
            values = features[valid].double()
            total += values.sum(0)
            square += (values**2).sum(0)
            count += len(values)
        if count == 0:
            return
        mean = total / count
        std = (square / count - mean**2).clamp_min(0).sqrt()
        self.pair_scale.mean.copy_(mean.float())
        self.pair_scale.std.copy_(torch.where(std > 0, std, torch.ones_like(std)).float())

    def attention_bias(self, towers: torch.Tensor, mask: torch.Tensor, packed: bool) -> torch.Tensor:
        """(jets, heads, n, n) additive attention logits of the tower pairs; self-pairs and
        pairs with padding get the pair network's output for the all-zero (mean) input.

        ``packed``: the pair network runs once per pair of distinct real towers (the
        features are symmetric, so on i < j, mirrored), not on the padded n x n grid."""
        if not packed:
            features, valid = pair_features(towers, mask)
            scaled = torch.where(valid.unsqueeze(-1), self.pair_scale(features), torch.zeros_like(features))
            return self.pair_embed(scaled.to(towers.dtype)).permute(0, 3, 1, 2)
        jets, n = mask.shape
        above = torch.ones(n, n, dtype=torch.bool, device=mask.device).triu(1)
        jet, i, j = (mask.unsqueeze(2) & mask.unsqueeze(1) & above).nonzero(as_tuple=True)
        clean = towers.float()
        values = self.pair_embed(self.pair_scale(pair_logs(clean[jet, i], clean[jet, j])).to(towers.dtype))
        zero = self.pair_embed(torch.zeros(1, len(PAIR_FEATURES), dtype=towers.dtype, device=towers.device))
        where = torch.cat([(jet * n + i) * n + j, (jet * n + j) * n + i])
        grid = zero.expand(jets * n * n, -1).index_copy(0, where, torch.cat([values, values]))
        return grid.view(jets, n, n, -1).permute(0, 3, 1, 2)
