"""Jet-image preprocessing of the tower inputs, and rotations/reflections as augmentation.

Towers are massless (pT, eta, phi); the taggers see (ln pT, deta, dphi) relative to the
jet axis. The standard preprocessing of jet images (de Oliveira, Kagan, Mackey, Nachman,
Schwartzman, JHEP 07 (2016) 069, arXiv:1511.05190; Komiske, Metodiev, Schwartz, JHEP 01
(2017) 110, arXiv:1612.01551) removes the symmetries a classifier should not have to learn:

- ``centre``: translate (deta, dphi) to the pT-weighted centroid of the towers;
- ``standard``: centre, rotate the principal axis of the pT-weighted (deta, dphi) inertia
  tensor onto the deta axis, then reflect each axis so that the half-plane on its positive
  side carries more pT than the other.

After ``standard`` a jet and any copy of it rotated about its axis, reflected or moved in
(eta, phi) give the same input (up to rounding), so the mode is recorded with the trained
model and applied again, with the same setting, at evaluation (``attnphys.jets.evaluate``).

Augmentation (training only) instead rotates every jet by a random angle about the origin
of its (deta, dphi) plane and reflects it with probability 1/2, drawing from torch's
generator, which the training engine reseeds from the run's seed at every epoch. It undoes
the canonical frame of ``standard``, so the two are exclusive.
"""

from __future__ import annotations

import numpy as np
import torch

from attnphys.jets.frames import check_settings


def canonical_frame(towers: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """``towers`` (jets, towers, 3) of (ln pT, deta, dphi) in the frame of ``mode``; padding stays 0."""
    check_settings(mode, False)
    if mode == "none" or len(towers) == 0:
        return towers
    real = mask.astype(np.float64)
    weight = np.exp(towers[..., 0].astype(np.float64)) * real
    total = np.maximum(weight.sum(axis=1, keepdims=True), np.finfo(np.float64).tiny)
    xy = towers[..., 1:3].astype(np.float64)
    xy = (xy - (weight[..., None] * xy).sum(axis=1, keepdims=True) / total[..., None]) * real[..., None]
    if mode == "standard":
        x, y = xy[..., 0], xy[..., 1]
        sxx, syy, sxy = ((weight * a * b).sum(axis=1) for a, b in ((x, x), (y, y), (x, y)))
        angle = 0.5 * np.arctan2(2 * sxy, sxx - syy)
        cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
        xy = np.stack([cos * x + sin * y, -sin * x + cos * y], axis=-1)
        positive = (weight[..., None] * (xy > 0)).sum(axis=1)
        negative = (weight[..., None] * (xy < 0)).sum(axis=1)
        xy = xy * np.where(negative > positive, -1.0, 1.0)[:, None, :]
    out = towers.copy()
    out[..., 1:3] = xy.astype(towers.dtype)
    return out


def rotate_and_reflect(towers: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each jet's (deta, dphi) rotated by a uniform angle and reflected with probability 1/2."""
    n = towers.shape[0]
    angle = torch.rand(n, generator=generator, device=towers.device) * (2 * torch.pi)
    sign = torch.where(torch.rand(n, generator=generator, device=towers.device) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle)[:, None].to(towers.dtype), torch.sin(angle)[:, None].to(towers.dtype)
    x, y = towers[..., 1], towers[..., 2] * sign[:, None].to(towers.dtype)
    return torch.stack([towers[..., 0], cos * x - sin * y, sin * x + cos * y], dim=-1)
