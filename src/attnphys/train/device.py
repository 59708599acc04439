"""Device and thread selection: one GPU per job.

``resolve_device('auto' | 'cuda')`` picks the GPU of this process:

- under ``torchrun`` (``LOCAL_RANK`` set), the local rank's GPU, one process per GPU;
- with one visible GPU (a SLURM job with ``--gpus=1`` sees exactly its own), that GPU;
- with several visible GPUs (a workstation running ``snakemake --resources gpu=N``), the
  first GPU no other attnphys job holds: the job takes an exclusive ``flock`` on
  ``{lock dir}/gpu-{id}.lock`` and keeps it until it exits (the kernel drops the lock with
  the process, so a killed job frees its GPU). ``id`` is the entry of
  ``CUDA_VISIBLE_DEVICES`` (or the index when unset), so jobs that see the same GPUs under
  different orders still exclude each other. The lock dir is ``$ATTNPHYS_GPU_LOCKS`` or
  ``{tmp}/attnphys-gpu-locks``. If every GPU is held, the job waits for one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# GPU id -> open lock file of the GPU this process holds (kept open until the process exits).
_HELD: dict[str, object] = {}


def visible_gpus(count: int) -> list[str]:
    """Ids of the ``count`` GPUs torch sees: ``CUDA_VISIBLE_DEVICES`` entries, else indices."""
    listed = [d.strip() for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return listed[:count] if len(listed) >= count else [str(i) for i in range(count)]


def gpu_lock_dir() -> Path:
    return Path(os.environ.get("ATTNPHYS_GPU_LOCKS") or Path(tempfile.gettempdir()) / "attnphys-gpu-locks")


def claim_gpu(gpus: list[str], lock_dir: Path | None = None, poll_s: float = 1.0) -> int:
    """Index into ``gpus`` of a GPU this process now holds exclusively (see the module doc)."""
    if not gpus:
        raise ValueError("claim_gpu: no GPU to claim")
    for index, gpu in enumerate(gpus):
        if gpu in _HELD:
            return index
    lock_dir = Path(lock_dir) if lock_dir is not None else gpu_lock_dir()
    lock_dir.mkdir(parents=True, exist_ok=True)
    waited = False
    while True:
        for index, gpu in enumerate(gpus):
            handle = open(lock_dir / f"gpu-{gpu}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            _HELD[gpu] = handle
            log.info("GPU %s of %s claimed (lock %s)", gpu, gpus, handle.name)
            return index
        if not waited:
            log.warning("all GPUs %s are held by other jobs (locks in %s); waiting", gpus, lock_dir)
            waited = True
        time.sleep(poll_s)


def resolve_device(name: str = "auto") -> torch.device:
    """``'auto'`` -> a CUDA device when available, else the CPU; which GPU: see the module doc."""
    import torch  # here, so that claiming a GPU slot does not import torch

    if name not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device: expected auto, cpu or cuda, got {name!r}")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError("device: 'cuda' requested but torch sees no CUDA device")
    if "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    count = torch.cuda.device_count()
    if count == 1:
        return torch.device("cuda", 0)
    return torch.device("cuda", claim_gpu(visible_gpus(count)))
