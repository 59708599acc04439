"""The jets area's plan (``attnphys.jets.plan``) without Snakemake: enough generated events for
the requested jets and no chunk more, user files named stably and refused when given twice or
as a directory, the learning curve's runs, the training settings the rules pass, and the
learning-curve runner of ``benchmarks/run_curves.py`` on the same runs."""

from __future__ import annotations

import importlib.util
import json
import argparse
import math
from pathlib import Path

import pytest

from attnphys.jets.frames import FRAMES, frame_settings
from attnphys.jets.plan import CURVE_RUN, Plan, frame_flags
from attnphys.jets.train import add_cli
from attnphys.train.options import train_config
from attnphys.validate.config import load_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def config(overlay: dict | None = None, tiny: bool = False) -> dict:
    files = [REPO / "config.yaml"] + ([REPO / ".test/config/config.yaml"] if tiny else [])
    return load_config(files, SCHEMA, overlay)


@pytest.mark.parametrize("jets_per_class", [1, 20, 333, 5000])
def test_chunks_hold_enough_events_and_no_chunk_more(jets_per_class):
    cfg = config({"jets": {"jets_per_class": jets_per_class}})
    jets, plan = cfg["jets"], Plan(cfg)
    for cls in jets["classes"]:
        expected_jets = len(plan.chunks(cls)) * jets["events_per_chunk"] * jets["acceptance"][cls]
        assert expected_jets >= jets_per_class > expected_jets - jets["events_per_chunk"] * jets["acceptance"][cls]
        assert plan.chunks(cls) == list(range(len(plan.chunks(cls))))


def test_more_jets_add_chunks_and_keep_the_others():
    small, large = Plan(config(tiny=True)), Plan(config({"jets": {"jets_per_class": 60}}, tiny=True))
    assert set(small.generated_events()) < set(large.generated_events())


def test_user_files_replace_generation_with_stable_names(tmp_path):
    for name in ("a.root", "b.root", "c.root"):
        (tmp_path / name).write_bytes(name.encode())
    one = Plan(config({"jets": {"delphes_files": {"2": [str(tmp_path / "[ab].root")]}}}, tiny=True))
    two = Plan(config({"jets": {"delphes_files": {"2": [str(tmp_path / "*.root")]}}}, tiny=True))
    assert set(one.user_files["2"].items()) < set(two.user_files["2"].items())  # adding c renames neither
    assert "2" not in one.generated_classes() and not any("/events/2/" in f for f in one.generated_events())
    chunk = next(iter(one.user_files["2"]))
    assert one.delphes_file("2", chunk) == one.user_files["2"][chunk]
    assert f"/towers/2/{chunk}.parquet" in " ".join(one.towers_files())
    assert "--require-match" in one.truth_options("2") and "--require-match" not in one.truth_options("3")


@pytest.mark.parametrize("how", ["symlink", "copy", "directory", "nothing"])
def test_bad_user_files_are_refused_naming_the_key(tmp_path, how):
    (tmp_path / "a.root").write_bytes(b"events")
    other = tmp_path / "b.root"
    if how == "symlink":
        other.symlink_to(tmp_path / "a.root")
    elif how == "copy":
        other.write_bytes(b"events")
    elif how == "directory":
        other.mkdir()
    patterns = [str(tmp_path / "*.root")] if how != "nothing" else [str(tmp_path / "*.none")]
    for key, overlay in (("jets.delphes_files", {"delphes_files": {"2": patterns}}),
                         ("jets.predict.files", {"predict": {"files": patterns, "model": "pfn"}})):
        with pytest.raises(ValueError) as error:
            Plan(config({"jets": overlay}, tiny=True))
        assert f"config key {key}" in str(error.value)


def test_learning_curve_runs():
    cfg = config({"jets": {"learning_curve": {"frames": ["none+augment", "standard"]}}})
    plan, curve = Plan(cfg), cfg["jets"]["learning_curve"]
    runs = plan.curve_runs()
    assert len(set(runs)) == len(runs)
    per_size = len(curve["fractions"]) * len(cfg["jets"]["seeds"])
    for model in [*curve["models"], "trees"]:
        frames = [run.frame for run in runs if run.model == model]
        if model in ("hl_dnn", "trees"):
            assert set(frames) == {"none"} and len(frames) == per_size
        else:
            assert frames[0] == plan.main_frame() == "standard"  # config.yaml: preprocess standard
            assert set(frames) == {"standard", "none+augment"} and len(frames) == 2 * per_size
    assert {run.frame for run in runs} <= set(FRAMES)
    run = runs[0]
    assert run.folder("X") == f"X/runs/{run.model}/{run.frame}/f{run.fraction}/seed{run.seed}"
    assert plan.curve_metrics()[0] == f"{plan.curve_dir}/{CURVE_RUN.format(**vars(run))}/metrics.json"


@pytest.mark.parametrize("frame", FRAMES)
def test_frame_flags_name_the_frame(frame):
    preprocess, augment = frame_settings(frame)
    assert frame_flags("transformer", frame).split() == ["--preprocess", preprocess] + (["--augment"] if augment else [])
    assert frame_flags("hl_dnn", frame) == ""


@pytest.mark.parametrize("frame", ["standard+augment", "centre+rotate", "tilt"])
def test_unknown_frames_are_refused(frame):
    with pytest.raises(ValueError):
        frame_settings(frame)


@pytest.mark.parametrize("with_compile", [True, False])
def test_train_json_gives_the_config_settings_to_jets_train(with_compile):
    cfg = config({"jets": {"train": {"lr": 0.003, "schedule": "plateau", "compile": True, "bucket_pool": 4}}})
    plan = Plan(cfg)
    parser = _jets_train_parser()
    args = parser.parse_args(["--model", "pfn", "--train", "t", "--val", "v", "--out-model", "m", "--out-history",
                              "h", "--train-json", plan.train_json(with_compile)])
    settings = train_config(args)
    train = cfg["jets"]["train"]
    for key in ("epochs", "batch_size", "lr", "weight_decay", "warmup_frac", "schedule", "patience", "bucket_pool"):
        assert getattr(settings, key) == train[key], key
    assert settings.compile is with_compile


def test_train_json_refuses_unknown_keys_and_types():
    parser = _jets_train_parser()
    for bad in ('{"epoch": 3}', '{"lr": "fast"}', '{"epochs": 2.5}', "[1]", "{"):
        with pytest.raises(SystemExit) as error:
            parser.parse_args(["--model", "pfn", "--train", "t", "--val", "v", "--out-model", "m",
                               "--out-history", "h", "--train-json", bad])
        assert error.value.code == 2


def _jets_train_parser():
    """`attnphys jets train`'s own parser."""
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    add_cli(subparsers)
    return subparsers.choices["train"]


def test_run_curves_trains_the_plans_runs_with_each_models_settings(tmp_path):
    spec = importlib.util.spec_from_file_location("run_curves", REPO / "benchmarks/run_curves.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg = config(tiny=True)
    plan = Plan(cfg)
    jets = cfg["jets"]
    args = type("Args", (), {key: jets["train"][key] for key in jets["train"]})()
    args.__dict__.update(dataset=tmp_path, out=Path(plan.curve_dir), models=jets["learning_curve"]["models"],
                         frames=[plan.main_frame(), *jets["learning_curve"]["frames"]],
                         fractions=jets["learning_curve"]["fractions"], seeds=jets["seeds"],
                         classes=jets["classes"], device="cpu", threads=1, base_seed=cfg["seed"])
    tasks = module.tasks(args, json.loads(json.dumps(cfg)))
    expected = {f"{run.folder(plan.curve_dir)}" for run in plan.curve_runs() if run.model != "trees"}
    assert {task["folder"] for task in tasks} == expected
    for task in tasks:
        assert task["params"] == jets["model_params"][task["model"]] != {}
    assert math.isclose(tasks[0]["fraction"], max(jets["learning_curve"]["fractions"]))
