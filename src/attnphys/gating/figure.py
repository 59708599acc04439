"""Decision regions of XOR solvers in the input plane.

Drawn on a bare matplotlib ``Figure`` (Agg canvas), so no GUI backend or pyplot state is used.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from attnphys.files import atomic_path
from attnphys.gating.xor import XOR_INPUTS, XOR_TARGETS


def plot_decision_regions(panels: list[tuple[str, nn.Module]], target: str | os.PathLike) -> None:
    """One panel per (title, model): the output over [-0.5, 1.5]^2, its 1/2 contour and the
    four XOR points (filled: XOR = 1, open: XOR = 0)."""
    axis = torch.linspace(-0.5, 1.5, 201)
    grid_x, grid_y = torch.meshgrid(axis, axis, indexing="xy")
    grid = torch.stack([grid_x.ravel(), grid_y.ravel()], dim=1)
    columns = min(2, len(panels))
    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(4.3 * columns + 1.2, 4.0 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (title, model) in zip(axes, panels):
        with torch.no_grad():
            output = model(grid).reshape(grid_x.shape)
        filled = ax.contourf(grid_x, grid_y, output, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
        ax.contour(grid_x, grid_y, output, levels=[0.5], colors="k", linewidths=1.5)
        ones = XOR_TARGETS.numpy()
        points = XOR_INPUTS.numpy()
        ax.scatter(*points[ones].T, s=120, c="k", label="XOR = 1", zorder=3)
        ax.scatter(
            *points[~ones].T, s=120, facecolors="w", edgecolors="k", label="XOR = 0", zorder=3
        )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    axes[0].legend(loc="upper center", fontsize=8, framealpha=0.9)
    fig.colorbar(filled, ax=axes.tolist(), shrink=0.8, label="unit output")
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
