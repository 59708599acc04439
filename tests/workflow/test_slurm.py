"""The slurm profile, and the workflow run through a real SLURM scheduler.

The end-to-end test starts a single-node cluster on this machine with `.ci/slurm-localhost`
(munged, slurmctld and slurmd from Debian's slurm-wlm; partitions `cpu` and `gpu`, one fake
GPU), runs SPA-NET's chain and the gating report through `profiles/slurm` unchanged, then
checks SLURM's own job records against what Snakemake asked for and the outputs against a
local run of the same config. The cluster has no accounting database, so the run adds the
plugin's documented settings for that case (profiles/slurm/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "profiles/slurm"
PROFILE_VARIABLES = yaml.safe_load((PROFILE / "config.yaml").read_text())["__variables__"]
GPU_PARTITION = PROFILE_VARIABLES["slurm_gpu_partition"]
CPU_PARTITION = "cpu"  # the test cluster's default partition
# A cluster without slurmdbd: sacct cannot answer, so poll with squeue (slurmctld keeps
# finished jobs for MinJobAge, an hour); no account to guess; first poll after 2 s.
NO_ACCOUNTING = ["--slurm-status-command", "squeue", "--slurm-no-account",
                 "--slurm-init-seconds-before-status-checks", "2"]

# SPA-NET's chain (Pythia chunks -> dataset -> training on the GPU partition -> both
# evaluations -> report) at the tiny size of .test/config/spanet.yaml, and the gating report.
OVERLAY = {
    **yaml.safe_load((REPO / ".test/config/spanet.yaml").read_text()),
    "device": "auto",  # GPU-capable rules ask for a GPU (the fake one); no CUDA here, so they run on the CPU
    "gating": {"enabled": True, "max_n": 3, "xor_seeds": 2, "xor_epochs": 50},
}


def snakemake(workdir: Path, *args: str, overlay: dict = OVERLAY, timeout: int = 900) -> subprocess.CompletedProcess:
    """The repository's Snakefile on `overlay` (outdir inside `workdir`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "overlay.yaml"
    config.write_text(yaml.safe_dump({**overlay, "outdir": str(workdir / "results")}))
    return subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
         "--configfile", str(config), *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def planned_jobs(log: str) -> dict[str, dict]:
    """{Snakemake job id: {"rule", "threads", "resources"}} of every job that is not local."""
    jobs = {}
    for rule, body in re.findall(r"^rule (\w+):\n((?:    .*\n)+)", log, flags=re.M):
        fields = dict(re.findall(r"^    (\w+): (.*)$", body, flags=re.M))
        resources = dict(item.split("=", 1) for item in fields["resources"].split(", "))
        jobs[fields["jobid"]] = {"rule": rule, "threads": int(fields.get("threads", 1)),
                                 "resources": resources}
    return jobs


def megabytes(value: str) -> int:
    """SLURM's memory notation (4000M, 4G) in MB."""
    number, unit = re.fullmatch(r"([\d.]+)([MGT])", value).groups()
    return round(float(number) * {"M": 1, "G": 1024, "T": 1024**2}[unit])


def minutes(limit: str) -> int:
    """SLURM's time-limit notation ([D-]HH:MM:SS) in minutes."""
    days, _, clock = limit.rpartition("-")
    hours, mins, secs = map(int, clock.split(":"))
    return int(days or 0) * 1440 + hours * 60 + mins + secs // 60


def slurm_record(job_id: str) -> dict[str, str]:
    """slurmctld's record of one job (`scontrol show job`), as key -> value."""
    line = subprocess.run(["scontrol", "show", "job", "--oneliner", job_id],
                          capture_output=True, text=True, check=True).stdout
    return dict(token.split("=", 1) for token in line.split() if "=" in token)


def datasets(h5: h5py.File) -> list[str]:
    names = []
    h5.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return names


def without_timings(value):
    """JSON content minus wall-clock fields (keys ending in `seconds`)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if not k.endswith("seconds")}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def assert_same_content(local: Path, remote: Path) -> None:
    """Equal data in two outputs, by format; wall-clock columns and keys are left out."""
    if local.suffix == ".csv":
        a, b = (pd.read_csv(p) for p in (local, remote))
        timings = [c for c in a.columns if c.endswith("seconds")]
        pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))
    elif local.suffix == ".json":
        assert without_timings(json.loads(local.read_text())) == without_timings(json.loads(remote.read_text()))
    elif local.suffix == ".h5":
        with h5py.File(local) as a, h5py.File(remote) as b:
            names = datasets(a)
            assert names and names == datasets(b)
            for name in names:
                np.testing.assert_array_equal(a[name][()], b[name][()], err_msg=name)
    elif local.name == "model.pt":
        a, b = (torch.load(p, map_location="cpu", weights_only=False)["state_dict"] for p in (local, remote))
        assert a.keys() == b.keys()
        for name in a:
            assert torch.equal(a[name], b[name]), name
    else:
        raise AssertionError(f"no content comparison for {local}")


COMPARED = (".csv", ".json", ".h5")


def test_profile_sends_every_gpu_job_to_the_gpu_partition(tmp_path, every_job):
    """Dry run of the default config (every area, and the learning curve) through the slurm profile."""
    run = snakemake(tmp_path, "--workflow-profile", str(PROFILE), "-n", "all", "jets_learning_curve", overlay={})
    assert run.returncode == 0, run.stderr[-3000:]
    jobs = planned_jobs(run.stdout + run.stderr).values()
    # every rule whose jobs ask for a GPU (device auto), also outside `all`
    asking = {job["rule"] for job in every_job[1] if int(job["resources"].get("gpu", 0))}
    assert set(PROFILE_VARIABLES["gpu_rules"]) == asking
    gpu_rules = {job["rule"] for job in jobs if int(job["resources"].get("gpu", 0))}
    assert gpu_rules and gpu_rules <= set(PROFILE_VARIABLES["gpu_rules"])
    for job in jobs:
        expected = GPU_PARTITION if job["rule"] in PROFILE_VARIABLES["gpu_rules"] else None
        assert job["resources"].get("slurm_partition") == expected, job["rule"]
        assert "mem_mb" in job["resources"] and "runtime" in job["resources"], job["rule"]


# The end-to-end run through SLURM takes minutes: an explicit step of .ci/run, not the default run.
ci_step = pytest.mark.skipif(os.environ.get("ATTNPHYS_CI_STEP") != "slurm",
                             reason="a step of .ci/run: ATTNPHYS_CI_STEP=slurm python -m pytest tests/workflow/test_slurm.py")


@pytest.fixture(scope="module")
def cluster():
    """The single-node cluster, started (or reused) by .ci/slurm-localhost."""
    if os.geteuid() != 0:
        pytest.skip("starting munged, slurmctld and slurmd needs root")
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        pytest.skip("no SLURM daemons here and no apt-get to install slurm-wlm")
    start = subprocess.run([str(REPO / ".ci/slurm-localhost")], capture_output=True, text=True, timeout=900)
    if start.returncode == 3:
        pytest.skip(start.stderr.strip())  # a real SLURM installation owns /etc/slurm
    assert start.returncode == 0, start.stderr[-3000:]


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    """(local run, SLURM run) of the same config, each in its own directory."""
    root = tmp_path_factory.mktemp("slurm")
    # The local run fills the cores while the SLURM run waits between status polls.
    with ThreadPoolExecutor(1) as pool:
        local = pool.submit(snakemake, root / "local", "--cores", "2", "--workflow-profile", "none")
        remote = snakemake(root / "slurm", "--workflow-profile", str(PROFILE), *NO_ACCOUNTING)
        local = local.result()
    assert local.returncode == 0, local.stderr[-3000:]
    assert remote.returncode == 0, remote.stderr[-5000:]
    return root / "local", root / "slurm", remote.stdout + remote.stderr


@ci_step
@pytest.mark.slow
def test_every_job_ran_on_slurm_with_the_requested_resources(runs):
    _, _, log = runs
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    planned = planned_jobs(log)
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log))
    assert planned and submitted.keys() == planned.keys()  # nothing ran outside SLURM
    of_this_run = subprocess.run(["squeue", "--states=all", "--noheader", "--format=%i", "--name", run_id],
                                 capture_output=True, text=True, check=True).stdout.split()
    assert sorted(of_this_run) == sorted(submitted.values())  # and SLURM ran nothing else for it
    rules = {job["rule"] for job in planned.values()}
    assert {"spanet_generate", "spanet_train", "spanet_evaluate_spanet", "gating_report"} <= rules
    gpu_jobs = 0
    for job_id, slurm_id in submitted.items():
        job, record = planned[job_id], slurm_record(slurm_id)
        resources, what = job["resources"], f"{job['rule']} (SLURM job {slurm_id})"
        assert record["JobName"] == run_id, what
        assert record["Comment"].startswith(f"rule_{job['rule']}"), what
        assert (record["JobState"], record["ExitCode"]) == ("COMPLETED", "0:0"), what
        assert record["NodeList"] == "localhost", what
        assert minutes(record["TimeLimit"]) == int(resources["runtime"]), what
        assert megabytes(record["MinMemoryNode"]) == int(resources["mem_mb"]), what
        assert int(record["NumCPUs"]) == job["threads"], what
        assert record["Partition"] == resources.get("slurm_partition", CPU_PARTITION), what
        if int(resources.get("gpu", 0)):
            gpu_jobs += 1
            assert record["TresPerJob"] == f"gres:gpu:{resources['gpu']}", what
            assert record["Partition"] == GPU_PARTITION, what
        else:
            assert "TresPerJob" not in record, what
    assert gpu_jobs >= 1  # spanet_train


@ci_step
@pytest.mark.slow
def test_slurm_outputs_equal_the_local_run(runs):
    local, remote, _ = runs
    local_files = {p.relative_to(local / "results") for p in (local / "results").rglob("*") if p.is_file()}
    remote_files = {p.relative_to(remote / "results") for p in (remote / "results").rglob("*") if p.is_file()}
    assert local_files == remote_files
    compared = sorted(p for p in local_files if p.suffix in COMPARED or p.name == "model.pt")
    assert {"spanet/model/model.pt", "spanet/data/test.h5", "spanet/eval/spanet/summary.csv",
            "gating/capacity.csv", "gating/xor.json"} <= {str(p) for p in compared}
    for path in compared:
        assert_same_content(local / "results" / path, remote / "results" / path)
