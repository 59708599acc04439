"""Multi-process training under ``torchrun``: process group, ranks and sums across ranks."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from attnphys.train.device import resolve_device


@dataclass(frozen=True)
class Ranks:
    """This process's rank among ``world`` and its device; ``owns_group`` if we started it."""

    rank: int
    world: int
    device: torch.device
    owns_group: bool

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Element-wise sum over ranks (in place)."""
        if self.world > 1:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def close(self) -> None:
        if self.owns_group:
            dist.destroy_process_group()


def join(device_name: str) -> Ranks:
    """Join the torchrun process group when ``WORLD_SIZE > 1`` (NCCL on CUDA, gloo on CPU)."""
    device = resolve_device(device_name)
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Ranks(0, 1, device, False)
    owns = False
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        owns = True
    return Ranks(dist.get_rank(), dist.get_world_size(), device, owns)
