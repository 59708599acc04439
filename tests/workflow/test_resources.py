"""Every job asks for memory and runtime, GPU-capable jobs for their GPU, and heavy jobs write a
benchmark, as Snakemake plans them; the requests grow with the job size (events per chunk,
jets, epochs)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GPU_RULES = {"jets_train", "jets_evaluate", "jets_predict_file", "jets_curve_train", "jets_curve_evaluate",
             "jets_cross_train", "jets_cross_evaluate",
             "spanet_train", "spanet_evaluate_spanet", "neutron_stars_train", "neutron_stars_predict",
             "neutrino_train", "neutrino_evaluate"}
HEAVY_RULES = {"jets_generate", "jets_ingest", "jets_predict_file", "jets_build_dataset", "jets_paper_dataset",
               "jets_train", "jets_evaluate", "jets_cross_train", "jets_cross_evaluate",
               "jets_curve_train", "jets_curve_evaluate", "jets_curve_trees", "jets_study_sample", "jets_diagnosis",
               "spanet_generate", "spanet_dataset", "spanet_train", "neutron_stars_dataset", "neutron_stars_train",
               "neutron_stars_fit", "gating_capacity", "neutrino_simulate", "neutrino_dataset", "neutrino_train",
               "neutrino_evaluate", "neutrino_report"}


def test_every_job_declares_its_resources_and_heavy_jobs_a_benchmark(every_job):
    """From the dry run of every target: what each job asks for, not what the rule text says."""
    out, jobs = every_job
    rules = {job["rule"] for job in jobs}
    assert GPU_RULES | HEAVY_RULES <= rules
    for job in jobs:
        if "output" not in job:
            continue  # a target that only gathers other jobs' outputs (jets_report, all)
        name, resources = job["rule"], job["resources"]
        assert int(resources["mem_mb"]) >= 1 and int(resources["runtime"]) >= 1, name
        assert int(resources.get("gpu", 0)) == (name in GPU_RULES), name  # device auto: GPU rules ask for one
        assert job["log"].startswith(f"{out}/logs/"), name
        assert ("benchmark" in job) == (name in HEAVY_RULES), name
        if "benchmark" in job:
            assert job["benchmark"].startswith(f"{out}/benchmarks/"), name


def test_the_diagnosis_job_is_sized_by_the_rows_of_its_table(every_job):
    from attnphys.jets.study.diagnosis import DIAGNOSIS
    from attnphys.resources import runtime

    _, jobs = every_job
    (diagnosis,) = [job for job in jobs if job["rule"] == "jets_diagnosis"]
    assert int(diagnosis["resources"]["runtime"]) == runtime("jets_diagnosis", len(DIAGNOSIS))
    assert runtime("jets_diagnosis", len(DIAGNOSIS)) > runtime("jets_diagnosis", len(DIAGNOSIS) - 1)
    assert diagnosis["output"].split(", ")[1].endswith("diagnosis.md")


def planned_resources(tmp_path: Path, changes: dict, target: str) -> dict[str, dict[str, str]]:
    """{rule: {resource: value}} of the first job of each rule in a dry run of the tiny config."""
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    config["outdir"] = str(tmp_path / "results")
    for key, value in changes.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    overlay = tmp_path / f"overlay-{len(list(tmp_path.glob('overlay-*')))}.yaml"
    overlay.write_text(yaml.safe_dump(config))
    run = subprocess.run(["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "-n", target,
                          "--configfile", str(overlay)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    plan = {}
    for rule, resources in re.findall(r"rule (\w+):\n(?:    .*\n)*?    resources: (.*)", run.stdout + run.stderr):
        plan.setdefault(rule, dict(item.split("=", 1) for item in resources.split(", ")))
    return plan


def test_requests_grow_with_the_job_size(tmp_path):
    small = planned_resources(tmp_path, {"jets": {"events_per_chunk": 100, "train": {"epochs": 1}}}, "jets_report")
    large = planned_resources(tmp_path, {"jets": {"events_per_chunk": 20000, "jets_per_class": 50000,
                                                  "train": {"epochs": 30}}}, "jets_report")
    for rule in ("jets_generate", "jets_ingest"):
        assert int(large[rule]["mem_mb"]) > int(small[rule]["mem_mb"]), rule
        assert int(large[rule]["runtime"]) >= int(small[rule]["runtime"]), rule
    assert int(large["jets_generate"]["runtime"]) > int(small["jets_generate"]["runtime"])
    assert int(large["jets_train"]["runtime"]) > 10 * int(small["jets_train"]["runtime"])
    assert small["jets_train"]["gpu"] == "1"
    on_cpu = planned_resources(tmp_path, {"device": "cpu"}, "jets_report")
    assert on_cpu["jets_train"].get("gpu", "0") == "0"  # device cpu: no GPU asked for


def test_the_cost_model_prices_only_rules_of_the_workflow(every_job):
    """A renamed or removed rule leaves no stale entry in attnphys.resources.COST."""
    from attnphys.resources import COST

    _, jobs = every_job
    assert set(COST) <= {job["rule"] for job in jobs}
