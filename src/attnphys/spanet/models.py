"""SPA-NET: symmetry-preserving attention for jet-parton matching (arXiv:2010.09206, 2106.03898).

Each jet (log pT, eta, phi, log mass, b-tag) is embedded, the set of jets is encoded by a
transformer without positions (so the network is permutation-equivariant) whose attention
gets a learned bias from each jet pair's invariant mass and dR (as ParT does), which makes
the network learn from thousands rather than millions of events; each top gets
a branch ending in symmetric tensor attention

    S^{nml} = (theta^{nml} + theta^{mnl}) / 2,   O^{ijk} = X_n^i X_m^j X_l^k S^{nml},

(X: the branch's jet vectors projected to ``tensor_dim``, which sets the cost J tensor_dim^3)
whose softmax over all jet triplets (i, j, k) = (q1, q2, b) is the top's distribution. O is
symmetric in (i, j) by construction; it is averaged with its transpose as well so the q1 <-> q2
symmetry holds bit for bit in floating point too.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from attnphys.spanet.h5layout import MatchingData
from attnphys.train.standardise import Standardise

N_FEATURES = 5  # log pT, eta, phi, log mass, b-tag


def jet_features(data: MatchingData) -> np.ndarray:
    """Raw per-jet inputs ``[N, J, 5]`` (pT, eta, phi, mass, b-tag); the model takes logs."""
    return np.stack([data.pt, data.eta, data.phi, data.mass, data.btag], axis=-1).astype(np.float32)


def continuous_features(features: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(log pT, eta, phi, log mass) of the real jets ``[n, 4]``: what ``model.scale`` is fitted to."""
    return _continuous(torch.from_numpy(features), torch.from_numpy(mask)).numpy()[mask]


def _continuous(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    safe = torch.where(mask[..., None], x, torch.ones_like(x))
    return torch.stack(
        [torch.log(safe[..., 0]), safe[..., 1], safe[..., 2], torch.log(safe[..., 3].clamp_min(1e-3))], dim=-1
    )


class SymmetricTensorAttention(nn.Module):
    """O^{ijk} = X_n^i X_m^j X_l^k S^{nml} with S symmetric in its first two indices."""

    def __init__(self, dim: int):
        super().__init__()
        self.theta = nn.Parameter(torch.randn(dim, dim, dim) / dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = 0.5 * (self.theta + self.theta.transpose(0, 1))
        t = torch.einsum("bkl,nml->bknm", x, s)
        u = torch.einsum("bjm,bknm->bjkn", x, t)
        o = torch.einsum("bin,bjkn->bijk", x, u)
        return 0.5 * (o + o.transpose(1, 2))


class EncoderLayer(nn.Module):
    """Pre-norm transformer encoder layer whose attention takes an additive bias
    ``[B, heads, J, J]`` (pair features and padding); no positions, so permutation-equivariant."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"spanet.model: dim {dim} must be a multiple of heads {heads}")
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.dropout = dropout

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, j, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(b, j, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=bias.to(q.dtype), dropout_p=self.dropout if self.training else 0.0
        )
        h = h + self.out(a.transpose(1, 2).reshape(b, j, d))
        return h + self.ffn(self.norm2(h))


class SpaNet(nn.Module):
    """Two-top SPA-NET; ``forward`` gives masked log-probabilities ``[B, 2, J, J, J]``."""

    def __init__(
        self,
        dim: int = 64,
        heads: int = 4,
        layers: int = 4,
        branch_layers: int = 1,
        tensor_dim: int = 32,
        pair_bias: bool = True,
        dropout: float = 0.0,
        augment: bool = True,
    ):
        super().__init__()
        self.n_heads = heads
        self.pair = nn.Sequential(nn.Linear(2, 16), nn.GELU(), nn.Linear(16, heads)) if pair_bias else None
        self.scale = Standardise(4)  # log pT, eta, phi, log mass; set from the training split
        self.augment = augment
        self.embed = nn.Sequential(nn.Linear(N_FEATURES, dim), nn.GELU(), nn.Linear(dim, dim))

        def encoder(n: int) -> nn.ModuleList:
            return nn.ModuleList([EncoderLayer(dim, heads, dropout) for _ in range(n)])

        self.encoder = encoder(layers)
        self.branches = nn.ModuleList([encoder(branch_layers) for _ in range(2)])
        self.heads = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, tensor_dim)) for _ in range(2)]
        )
        self.attention = nn.ModuleList([SymmetricTensorAttention(tensor_dim) for _ in range(2)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` raw jets ``[B, J, 5]`` (pT, eta, phi, mass, b-tag), ``mask`` ``[B, J]``."""
        if self.training and self.augment:
            x = _rotate_and_reflect(x)
        cont = self.scale(_continuous(x, mask))
        h = self.embed(torch.cat([cont, x[..., 4:5]], dim=-1))
        bias = self._pair_bias(x, mask)
        for layer in self.encoder:
            h = layer(h, bias)
        logits = []
        for branch, head, attention in zip(self.branches, self.heads, self.attention):
            xb = h
            for layer in branch:
                xb = layer(xb, bias)
            xb = head(xb)
            logits.append(attention(xb))
        o = torch.stack(logits, dim=1)  # [B, 2, J, J, J]
        valid = triplet_mask(mask)[:, None]
        o = o.masked_fill(~valid, -math.inf)
        flat = o.flatten(2)
        lse = torch.logsumexp(flat, dim=-1, keepdim=True)
        lp = flat - torch.where(torch.isfinite(lse), lse, torch.zeros_like(lse))
        return lp.view_as(o).masked_fill(~valid, -math.inf)


    def _pair_bias(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor | None:
        """Attention bias ``[B, heads, J, J]`` from each jet pair's (log invariant mass, dR),
        as in ParT (arXiv:2202.03772), with padded keys at -inf (only those without
        ``pair_bias``)."""
        pad = torch.where(mask, 0.0, -math.inf)[:, None, None, :]
        if self.pair is None:
            return pad.expand(-1, self.n_heads, mask.shape[1], -1)
        safe = torch.where(mask[..., None], x, torch.ones_like(x))
        pt, eta, phi, m = safe[..., 0], safe[..., 1], safe[..., 2], safe[..., 3]
        deta = (eta[:, :, None] - eta[:, None, :]).clamp(-10, 10)
        dphi = torch.remainder(phi[:, :, None] - phi[:, None, :] + math.pi, 2 * math.pi) - math.pi
        # Pair mass, exact for massless jets: m^2 = 2 pT_i pT_j (cosh deta - cos dphi) + m_i^2 + m_j^2.
        m2 = 2 * pt[:, :, None] * pt[:, None, :] * (torch.cosh(deta) - torch.cos(dphi)) + m[:, :, None] ** 2 + m[:, None, :] ** 2
        dr = torch.sqrt(deta**2 + dphi**2)
        feats = torch.stack([0.5 * torch.log(m2.clamp_min(1.0)) - 4.0, dr - 2.0], dim=-1)
        return self.pair(feats).permute(0, 3, 1, 2) + pad


def _rotate_and_reflect(x: torch.Tensor) -> torch.Tensor:
    """Training augmentation by symmetries of the detector: a random global phi rotation and
    eta reflection per event."""
    b = x.shape[0]
    dphi = (torch.rand(b, 1, device=x.device) * 2 - 1) * math.pi
    sign = torch.where(torch.rand(b, 1, device=x.device) < 0.5, -1.0, 1.0)
    phi = torch.remainder(x[..., 2] + dphi + math.pi, 2 * math.pi) - math.pi
    return torch.stack([x[..., 0], x[..., 1] * sign, phi, x[..., 3], x[..., 4]], dim=-1)


def triplet_mask(mask: torch.Tensor) -> torch.Tensor:
    """Valid (i, j, k): three real and distinct jets, ``[B, J, J, J]``."""
    j = mask.shape[1]
    eye = torch.eye(j, dtype=torch.bool, device=mask.device)
    distinct = ~(eye[:, :, None] | eye[:, None, :] | eye[None, :, :])
    return mask[:, :, None, None] & mask[:, None, :, None] & mask[:, None, None, :] & distinct


def matching_loss(logp: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over events of min over the two top orderings of the summed triplet losses;
    a top with an unmatched parton contributes nothing."""
    b = torch.arange(logp.shape[0], device=logp.device)
    matchable = (targets >= 0).all(dim=-1)  # [B, 2]
    idx = targets.clamp_min(0)

    def nll(branch: int, top: int) -> torch.Tensor:
        t = idx[:, top]
        lp = logp[b, branch, t[:, 1], t[:, 2], t[:, 0]]
        return torch.where(matchable[:, top], -lp, torch.zeros_like(lp))

    direct = nll(0, 0) + nll(1, 1)
    swapped = nll(0, 1) + nll(1, 0)
    return torch.minimum(direct, swapped).mean()


def assign(logp: torch.Tensor) -> torch.Tensor:
    """Greedy assignment ``[B, 2, 3]`` (b, q1, q2) per branch: the branch with the more
    confident best triplet picks first, the other then picks among triplets of unused jets
    (-1 when none is left). Triplets repeating a jet are never chosen."""
    bsz, _, j = logp.shape[:3]
    logp = logp.masked_fill(~triplet_mask(torch.ones(1, j, dtype=torch.bool, device=logp.device))[:, None], -math.inf)
    flat = logp.flatten(2)
    best, arg = flat.max(dim=-1)  # [B, 2]
    first = (best[:, 1] > best[:, 0]).long()
    rows = torch.arange(bsz, device=logp.device)
    trip_first = _unravel(arg[rows, first], j)  # [B, 3] as (i, j, k)
    used = torch.zeros(bsz, j, dtype=torch.bool, device=logp.device)
    used[rows[:, None], trip_first] = True
    second = 1 - first
    other = logp[rows, second]  # [B, J, J, J]
    clash = used[:, :, None, None] | used[:, None, :, None] | used[:, None, None, :]
    other = other.masked_fill(clash, -math.inf).flatten(1)
    best2, arg2 = other.max(dim=-1)
    trip_second = torch.where(torch.isfinite(best2)[:, None], _unravel(arg2, j), torch.full_like(trip_first, -1))
    trip_first = torch.where(torch.isfinite(best[rows, first])[:, None], trip_first, -1)
    out = torch.empty(bsz, 2, 3, dtype=torch.long, device=logp.device)
    out[rows, first] = trip_first[:, [2, 0, 1]]
    out[rows, second] = trip_second[:, [2, 0, 1]]
    return out


def _unravel(flat_index: torch.Tensor, j: int) -> torch.Tensor:
    return torch.stack([flat_index // (j * j), (flat_index // j) % j, flat_index % j], dim=-1)


MODELS = {"spanet": SpaNet}  # registry of the model records (attnphys.train.record)
