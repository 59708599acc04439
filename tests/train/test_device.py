"""One GPU per job: concurrent jobs on a machine with two (faked) GPUs get distinct devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from attnphys.train import device

# A job that claims a GPU of two, prints its index, and holds it until `release` exists.
JOB = """
import sys, time
from pathlib import Path
from attnphys.train.device import claim_gpu
print(claim_gpu(["4", "7"], Path(sys.argv[1]), poll_s=0.05), flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.05)
"""


def start_job(lock_dir: Path, release: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", JOB, str(lock_dir), str(release)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_concurrent_jobs_get_distinct_gpus_and_a_freed_gpu_is_reused(tmp_path):
    locks = tmp_path / "locks"
    first, second = start_job(locks, tmp_path / "release-a"), None
    try:
        a = int(first.stdout.readline())
        second = start_job(locks, tmp_path / "release-b")
        b = int(second.stdout.readline())
        assert {a, b} == {0, 1}
        third = start_job(locks, tmp_path / "release-c")  # both held: it waits for one
        (tmp_path / "release-a").touch()
        assert first.wait(timeout=60) == 0
        assert int(third.stdout.readline()) == a
        second.kill()  # a killed job frees its GPU too (the kernel drops its lock)
        second.wait(timeout=60)
        fourth = start_job(locks, tmp_path / "release-d")
        assert int(fourth.stdout.readline()) == b
    finally:
        for name in "abcd":
            (tmp_path / f"release-{name}").touch()
        for job in (first, second):
            if job is not None:
                job.kill()
                job.wait(timeout=60)
    assert third.wait(timeout=60) == 0 and fourth.wait(timeout=60) == 0


def test_resolve_device_takes_the_gpu_no_other_job_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(device, "_HELD", {})
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,7")
    monkeypatch.setenv("ATTNPHYS_GPU_LOCKS", str(tmp_path))
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    other = start_job(tmp_path, tmp_path / "release")
    try:
        held_by_other = int(other.stdout.readline())
        chosen = device.resolve_device("auto")
        assert chosen == torch.device("cuda", 1 - held_by_other)
        assert device.resolve_device("cuda") == chosen  # the same job keeps its GPU
        assert (tmp_path / f"gpu-{['4', '7'][chosen.index]}.lock").read_text().strip() == str(os.getpid())
    finally:
        (tmp_path / "release").touch()
        other.wait(timeout=60)
        for handle in device._HELD.values():
            handle.close()
    monkeypatch.setenv("LOCAL_RANK", "1")  # torchrun: the local rank decides, no lock
    assert device.resolve_device("auto") == torch.device("cuda", 1)


def test_one_visible_gpu_is_taken_without_a_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setenv("ATTNPHYS_GPU_LOCKS", str(tmp_path / "locks"))
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert device.resolve_device("auto") == torch.device("cuda", 0)
    assert not (tmp_path / "locks").exists()
    assert device.resolve_device("cpu") == torch.device("cpu")
