"""Transformer encoder on calorimeter towers (the talk's "Transformer (tower)", Lu et al.,
arXiv:2202.00723), with a hook for an additive attention bias (the ParT-style model,
``pair_transformer.py``).

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

Speed. The encoder layer computes what ``nn.TransformerEncoderLayer`` computes, with the same
parameter names and initialisation (so its weights load either way), in two layouts:

- *packed* (the default on the CPU, where arithmetic bounds training): every per-token
  operation (embedding, projections, feed-forward, norms) runs on the real towers only,
  stacked as (towers in the batch, features); only attention sees the (jets, towers) grid.
  A batch trimmed to its longest jet still pads the others, by about the ratio of the
  longest to the mean tower count; packing removes that work;
- *padded* (the default elsewhere): the (jets, towers) grid throughout, with no
  data-dependent shapes, so a GPU never waits on the host (packing needs the count of real
  towers, a device-to-host read).

Attention goes through ``torch.nn.functional.scaled_dot_product_attention`` (fused kernels
on CPU and GPU) with the key-padding mask and the optional bias as one additive mask.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from attnphys.train.standardise import Standardise


class Layout:
    """Where the real tokens of a batch sit in its padded (jets, tokens) grid.

    ``packed``: tokens are rows of a (real tokens, features) tensor in grid order;
    otherwise the (jets, tokens, features) grid itself. :meth:`grid` and :meth:`rows` move
    a tensor between the two (identities when not packed)."""

    def __init__(self, mask: torch.Tensor, packed: bool) -> None:
        self.mask = mask
        self.jets, self.tokens = mask.shape
        self.packed = packed
        self.index = mask.reshape(-1).nonzero().squeeze(1) if packed else None

    def rows(self, x: torch.Tensor) -> torch.Tensor:
        """(jets, tokens, C) -> the layout's form."""
        if not self.packed:
            return x
        return x.reshape(self.jets * self.tokens, -1).index_select(0, self.index)

    def grid(self, x: torch.Tensor) -> torch.Tensor:
        """The layout's form -> (jets, tokens, C), zeros at padding."""
        if not self.packed:
            return x
        out = x.new_zeros(self.jets * self.tokens, x.shape[-1]).index_copy(0, self.index, x)
        return out.view(self.jets, self.tokens, -1)

    def first(self, x: torch.Tensor) -> torch.Tensor:
        """Each jet's first token (the class token), (jets, C)."""
        if not self.packed:
            return x[:, 0]
        counts = self.mask.sum(1)
        return x.index_select(0, torch.cumsum(counts, 0) - counts)


def aligned(mask: torch.Tensor, multiple: int = 16) -> torch.Tensor:
    """``mask`` in storage whose rows are a multiple of ``multiple`` elements wide (a view of
    the same values): CUDA's fused attention kernels need that alignment and otherwise copy
    the mask on every call."""
    width = -(-mask.shape[-1] // multiple) * multiple
    if width == mask.shape[-1]:
        return mask
    out = mask.new_empty(*mask.shape[:-1], width)[..., : mask.shape[-1]]
    return out.copy_(mask)


class EncoderLayer(nn.Module):
    """``nn.TransformerEncoderLayer(d_model, heads, ffn, dropout, batch_first=True,
    norm_first=...)`` with ReLU, on either :class:`Layout`, attending through
    ``scaled_dot_product_attention`` with an additive mask (jets or 1, heads or 1, n, n)."""

    def __init__(self, d_model: int, heads: int, ffn: int, dropout: float, norm_first: bool) -> None:
        super().__init__()
        # Built in nn.TransformerEncoderLayer's order, so a seed gives the same weights.
        self.self_attn = nn.MultiheadAttention(d_model, heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(d_model, ffn)
        self.linear2 = nn.Linear(ffn, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.heads = heads
        self.p = dropout
        self.norm_first = norm_first

    def _attend(self, x: torch.Tensor, layout: Layout, attn_mask: torch.Tensor) -> torch.Tensor:
        attn = self.self_attn
        qkv = layout.grid(F.linear(x, attn.in_proj_weight, attn.in_proj_bias))
        jets, tokens, width = qkv.shape
        q, k, v = qkv.view(jets, tokens, 3, self.heads, width // (3 * self.heads)).permute(2, 0, 3, 1, 4)
        mask = attn_mask if attn_mask.dtype == torch.bool else attn_mask.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                             dropout_p=self.p if self.training else 0.0)
        out = layout.rows(out.transpose(1, 2).reshape(jets, tokens, width // 3))
        return F.dropout(attn.out_proj(out), self.p, self.training)

    def _feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = F.dropout(F.relu(self.linear1(x)), self.p, self.training)
        return F.dropout(self.linear2(hidden), self.p, self.training)

    def forward(self, x: torch.Tensor, layout: Layout, attn_mask: torch.Tensor) -> torch.Tensor:
        if self.norm_first:
            x = x + self._attend(self.norm1(x), layout, attn_mask)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attend(x, layout, attn_mask))
        return self.norm2(x + self._feed_forward(x))


class Encoder(nn.Module):
    """A stack of identical-at-initialisation :class:`EncoderLayer` (as ``nn.TransformerEncoder``
    copies its layer), then ``norm`` (pre-norm only)."""

    def __init__(self, layer: EncoderLayer, count: int, norm: nn.Module | None) -> None:
        super().__init__()
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(count)])
        self.norm = norm

    def forward(self, x: torch.Tensor, layout: Layout, attn_mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, layout, attn_mask)
        return x


class TowerTransformer(nn.Module):
    """Self-attention over the real towers of a jet, pooled through a class token.

    Subclasses add an attention bias by overriding :meth:`attention_bias`."""

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
        self.heads = heads
        self.embed = nn.Sequential(nn.Linear(n_features, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.class_token = nn.Parameter(torch.zeros(1, 1, d_model))
        nn.init.normal_(self.class_token, std=0.02)
        self.encoder = Encoder(EncoderLayer(d_model, heads, ffn, dropout, norm_first), layers,
                               nn.LayerNorm(d_model) if norm_first else None)
        self.head = nn.Sequential(nn.Linear(d_model, head), nn.ReLU(), nn.Linear(head, n_classes))

    def attention_bias(self, towers: torch.Tensor, mask: torch.Tensor, packed: bool) -> torch.Tensor | None:
        """Additive attention logits between towers, (jets, heads, towers, towers), or None;
        ``packed``: only the real towers' rows and columns are used (the others may be anything)."""
        return None

    def forward(self, towers: torch.Tensor, mask: torch.Tensor, packed: bool | None = None) -> torch.Tensor:
        """``towers`` (jets, towers, features), ``mask`` (jets, towers), True for real towers;
        ``packed``: the layout (see the module doc), None: packed on the CPU only."""
        packed = towers.device.type == "cpu" if packed is None else packed
        real = Layout(mask, packed)
        tokens = real.grid(self.embed(self.scale(real.rows(towers))))
        cls = self.class_token.expand(tokens.shape[0], -1, -1).to(tokens.dtype)
        keys = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        layout = Layout(keys, packed)
        attn_mask = keys[:, None, None, :]  # boolean: True attends (the form ONNX export lowers cleanly)
        bias = self.attention_bias(towers, mask, packed)
        if bias is not None:
            zero = torch.zeros((), dtype=tokens.dtype, device=tokens.device)
            attn_mask = torch.where(attn_mask, zero, zero - torch.inf) + F.pad(bias.to(tokens.dtype), (1, 0, 1, 0))
        if attn_mask.device.type == "cuda":  # elsewhere (the CPU, an ONNX export) no copy, no shape fixed at trace time
            attn_mask = aligned(attn_mask)
        out = layout.first(self.encoder(layout.rows(torch.cat([cls, tokens], dim=1)), layout, attn_mask))
        if self.encoder.norm is not None:
            out = self.encoder.norm(out)
        return self.head(out)
