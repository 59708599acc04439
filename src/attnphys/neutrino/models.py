"""The three classifiers: CVN baseline, TransformerCVN and its no-attention ablation.

- ``cvn``: a CNN per view on the event's pixel maps, merged into an event classifier
  (after Aurisano et al., arXiv:1604.01444; scaled down for CPUs).
- ``transformer``: TransformerCVN (Shmakov et al., arXiv:2303.06201): one CNN embeds the
  two views of the event and of every prong (prong map = event map masked by the prong's
  pixels) into tokens; a transformer encoder attends across the event token and the prong
  tokens; an event head reads the event token and a prong head every prong token.
- ``ablation``: the same network with attention restricted to each token itself (an
  identity attention mask), so no information flows between prongs: the comparison of the
  paper's +6 points in prong accuracy. Same parameters as ``transformer``.

Maps enter as log(1 + PE) after 2x2 average pooling (50 x 40 per view).
"""

from __future__ import annotations

import inspect

import torch
from torch import nn

from attnphys.train.params import construct


class ViewEncoder(nn.Module):
    """CNN of one 1-channel view map -> feature vector."""

    def __init__(self, channels: int, dim: int) -> None:
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.out = nn.Linear(8 * c, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.net(x)
        return self.out(torch.cat([h.mean((2, 3)), h.amax((2, 3))], dim=1))


def _prepare(maps: torch.Tensor, logged: bool = False) -> torch.Tensor:
    """(..., 2, 100, 80) PE -> (..., 2, 50, 40) log(1 + PE), 2 x 2 average-pooled."""
    shape = maps.shape
    x = maps.float().reshape(-1, 1, shape[-2], shape[-1])
    x = nn.functional.avg_pool2d(x if logged else torch.log1p(x), 2)
    return x.reshape(*shape[:-2], x.shape[-2], x.shape[-1])


class CVN(nn.Module):
    def __init__(self, n_classes: int, channels: int = 8, dim: int = 64) -> None:
        super().__init__()
        self.views = nn.ModuleList([ViewEncoder(channels, dim) for _ in range(2)])
        self.head = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Linear(dim, n_classes))

    def forward(self, maps: torch.Tensor, prong_index: torch.Tensor | None = None):
        x = _prepare(maps)
        feats = [enc(x[:, v : v + 1]) for v, enc in enumerate(self.views)]
        return self.head(torch.cat(feats, dim=1)), None


class TransformerCVN(nn.Module):
    attention = True

    def __init__(self, n_classes: int, n_prong_classes: int, max_prongs: int, channels: int = 8, dim: int = 64,
                 heads: int = 4, layers: int = 2) -> None:
        super().__init__()
        self.max_prongs = max_prongs
        self.views = nn.ModuleList([ViewEncoder(channels, dim // 2) for _ in range(2)])
        self.kind = nn.Embedding(2, dim)  # event token, prong token
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.event_head = nn.Linear(dim, n_classes)
        self.prong_head = nn.Linear(dim, n_prong_classes)

    def tokens(self, maps: torch.Tensor, prong_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Token embeddings (B, 1 + P, dim) of the event and its prongs, and which exist."""
        b = maps.shape[0]
        p = self.max_prongs
        ks = torch.arange(p, device=maps.device).view(1, p, 1, 1, 1)
        masks = prong_index.unsqueeze(1).long() == ks  # (B, P, 2, H, W)
        logged = torch.log1p(maps.float()).unsqueeze(1)
        images = torch.cat([logged, logged * masks], dim=1)  # (B, 1+P, 2, H, W)
        x = _prepare(images, logged=True).reshape(b * (1 + p), 2, 50, 40)
        tokens = torch.cat([enc(x[:, v : v + 1]) for v, enc in enumerate(self.views)], dim=1).view(b, 1 + p, -1)
        kind = torch.ones(1 + p, dtype=torch.long, device=maps.device)
        kind[0] = 0
        tokens = tokens + self.kind(kind)[None]
        present = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=maps.device), masks.flatten(2).any(2)], dim=1)
        return tokens, present

    def forward(self, maps: torch.Tensor, prong_index: torch.Tensor):
        tokens, present = self.tokens(maps, prong_index)
        p = self.max_prongs
        if self.attention:
            h = self.encoder(tokens, src_key_padding_mask=~present)
        else:
            # Each token attends only to itself. No padding mask: a padded token, masked as a
            # key, would have nothing left to attend to (NaN); here it sees only itself.
            h = self.encoder(tokens, mask=~torch.eye(1 + p, dtype=torch.bool, device=maps.device))
        return self.event_head(h[:, 0]), self.prong_head(h[:, 1:])


@torch.no_grad()
def attention_maps(model: TransformerCVN, maps: torch.Tensor, prong_index: torch.Tensor) -> torch.Tensor:
    """Head-averaged attention weights (layers, B, 1 + P, 1 + P) of a TransformerCVN with
    attention, recomputed layer by layer (post-norm encoder layers)."""
    model.eval()
    x, present = model.tokens(maps, prong_index)
    weights = []
    for layer in model.encoder.layers:
        out, w = layer.self_attn(x, x, x, key_padding_mask=~present, need_weights=True, average_attn_weights=True)
        weights.append(w)
        x = layer.norm1(x + out)
        x = layer.norm2(x + layer.linear2(layer.activation(layer.linear1(x))))
    return torch.stack(weights)


class NoAttentionCVN(TransformerCVN):
    """TransformerCVN with each token attending only to itself (the ablation): the same
    constructor and parameters, no information flow between prongs."""

    attention = False


MODELS: dict[str, type[nn.Module]] = {"cvn": CVN, "transformer": TransformerCVN, "ablation": NoAttentionCVN}


def model_sizes(name: str, n_classes: int, n_prong_classes: int, max_prongs: int) -> dict:
    """The sizes the data sets, as the constructor of model ``name`` takes them."""
    sizes = {"n_classes": n_classes, "n_prong_classes": n_prong_classes, "max_prongs": max_prongs}
    return {key: value for key, value in sizes.items() if key in inspect.signature(MODELS[name]).parameters}


def build_model(name: str, params: dict, sizes: dict) -> nn.Module:
    """Model ``name`` of the registry with constructor overrides ``params`` (config key
    ``neutrino.model_params.<name>``), checked against its constructor."""
    if name not in MODELS:
        raise ValueError(f"model: unknown name {name!r}; expected one of {sorted(MODELS)}")
    return construct(MODELS[name], params, f"neutrino.model_params.{name}", **sizes)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
