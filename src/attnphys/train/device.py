"""Device and thread selection."""

from __future__ import annotations

import os

import torch


def resolve_device(name: str = "auto") -> torch.device:
    """``'auto'`` -> CUDA when available, else CPU; under torchrun, CUDA is the local rank's GPU."""
    if name not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device: expected auto, cpu or cuda, got {name!r}")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError("device: 'cuda' requested but torch sees no CUDA device")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
