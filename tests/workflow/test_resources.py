"""Every job declares its threads, memory and runtime, GPU-capable jobs their GPU, and heavy jobs
write a benchmark; the requests grow with the job size (events per chunk, jets, epochs)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
GPU_RULES = {"jets_train", "jets_evaluate", "jets_predict_file", "jets_curve_train", "jets_curve_evaluate",
             "spanet_train", "spanet_evaluate_spanet", "neutron_stars_train", "neutron_stars_predict",
             "neutrino_train", "neutrino_evaluate"}
HEAVY_RULES = {"jets_generate", "jets_ingest", "jets_predict_file", "jets_build_dataset", "jets_paper_dataset",
               "jets_train", "jets_evaluate",
               "jets_curve_train", "jets_curve_evaluate", "jets_curve_trees", "jets_study_sample", "jets_diagnosis",
               "spanet_generate", "spanet_dataset", "spanet_train", "neutron_stars_dataset", "neutron_stars_train",
               "neutron_stars_fit", "gating_capacity", "neutrino_simulate", "neutrino_dataset", "neutrino_train",
               "neutrino_evaluate", "neutrino_report"}


def rule_blocks() -> dict[str, str]:
    blocks = {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        for block in path.read_text().split("\nrule ")[1:]:
            name, body = block.split(":", 1)
            if "    shell:" in body:
                blocks[name] = body.split("\n\n\n")[0]
    return blocks


def test_every_job_declares_its_resources_and_heavy_jobs_a_benchmark():
    blocks = rule_blocks()
    assert GPU_RULES | HEAVY_RULES <= set(blocks)
    for name, body in blocks.items():
        for directive in ("    threads:", "        mem_mb=", "        runtime=", "    log:"):
            assert directive in body, f"rule {name} lacks {directive.strip()}"
        assert ("        gpu=gpu_request()," in body) == (name in GPU_RULES), name
        assert ("    benchmark:" in body) == (name in HEAVY_RULES), name
        for directive in ("    log:\n", "    benchmark:\n"):
            if directive in body:
                assert body.split(directive, 1)[1].lstrip().startswith('f"{OUT}/'), f"rule {name}: {directive} outside outdir"


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
