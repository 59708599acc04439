"""Gating layers: products of neuronal outputs, the elementary operation behind attention.

Following Baldi and Vershynin ("The Quarks of Attention", arXiv:2202.08371):

- output gating: the output O_i of a unit is multiplied by the output O_k of another,
  ``O_i -> O_i O_k``;
- synaptic gating: a synaptic weight is multiplied by the output of another unit,
  ``w_ij -> w_ij O_k``; when unit i has a single outgoing synapse the two coincide;
- softmax attention: a gated dot product ``O = sum_i v_i x_i`` whose gates v come from a
  softmax layer, ``v_i = exp(y_i) / sum_j exp(y_j)``; with scores ``y = q.k / sqrt(d)`` and
  values x this is ``softmax(Q K^T / sqrt(d)) V``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ThresholdUnit(nn.Module):
    """McCulloch-Pitts unit ``H(w.x + b)`` with the Heaviside step H(z) = 1 for z >= 0, else 0."""

    def __init__(self, weight: torch.Tensor, bias: float):
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(weight, dtype=torch.float32))
        self.register_buffer("bias", torch.tensor(float(bias)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight + self.bias >= 0).to(x.dtype)


class SigmoidUnit(nn.Module):
    """One trainable unit ``sigmoid(w.x + b)`` on ``in_features`` inputs; output of shape (...,)."""

    def __init__(self, in_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.linear(x)).squeeze(-1)


class OutputGating(nn.Module):
    """Output gating ``O = O_gated * O_gating``: the gating unit's output multiplies the other's."""

    def __init__(self, gated: nn.Module, gating: nn.Module):
        super().__init__()
        self.gated = gated
        self.gating = gating

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gated(x) * self.gating(x)


class SynapticGating(nn.Module):
    """Layer ``O_j = f(sum_i (w_ji g_ji) x_i + b_j)`` whose synapses w_ji are gated by outputs g.

    ``gate`` in ``forward`` holds the gating outputs, broadcastable to (..., out, in): one per
    synapse, or one per input (shape (..., 1, in)) when a gating unit modulates all synapses
    leaving an input.
    """

    def __init__(self, in_features: int, out_features: int, activation=torch.sigmoid):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.activation = activation

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        weight = self.linear.weight * gate
        activation = (weight * x.unsqueeze(-2)).sum(-1) + self.linear.bias
        return self.activation(activation)


def softmax_gates(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax gating layer over the last axis; ``mask`` (bool, True = attend) silences gates."""
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


def gated_dot_product(gates: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``O_q = sum_k gates_qk values_k``, written as explicit products of the two layers' outputs.

    ``gates`` has shape (..., Lq, Lk) and ``values`` (..., Lk, D); the result is (..., Lq, D).
    """
    return (gates.unsqueeze(-1) * values.unsqueeze(-3)).sum(-2)


def softmax_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Scaled dot-product attention as a gated dot product with softmax gates.

    The scores ``q.k`` are themselves pairwise gating of two layers of the same size (the
    query and key activities), followed by the softmax gating of the values.
    Shapes follow ``torch.nn.functional.scaled_dot_product_attention``: query (..., Lq, d),
    key (..., Lk, d), value (..., Lk, D), boolean ``mask`` broadcastable to (..., Lq, Lk).
    """
    scores = gated_dot_product(query, key.transpose(-1, -2)) / math.sqrt(query.shape[-1])
    return gated_dot_product(softmax_gates(scores, mask), value)
