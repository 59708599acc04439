"""Your own SPANet files: the shipped SPANet event and options files match the datasets we
write; `spanet predict` writes SPANet's TARGETS layout; the command line agrees with the
workflow's defaults; the report runs on user files with no generation."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from attnphys.cli import main, stage_parser
from attnphys.seeding import MASTER_SEED
from attnphys.spanet.cli import STAGES
from attnphys.spanet.h5layout import PARTONS, TOPS, read_h5, write_h5
from attnphys.spanet.models import MODELS, assign
from attnphys.spanet.predict import predict_assignments
from attnphys.spanet.train import TRAIN_DEFAULTS, spanet_assign, train_spanet
from attnphys.train import TrainConfig
from attnphys.train.record import load_model

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src/attnphys/spanet"
SMALL = {"dim": 16, "heads": 2, "layers": 1, "branch_layers": 1, "tensor_dim": 8}


def _datasets(path: Path) -> set[str]:
    names = set()
    with h5py.File(path, "r") as f:
        f.visit(lambda name: names.add(name) if isinstance(f[name], h5py.Dataset) else None)
    return names


def test_event_file_names_exactly_the_datasets_we_write(tmp_path, rng, make_events):
    write_h5(tmp_path / "x.h5", make_events(5, 8, rng))
    event = yaml.safe_load((PACKAGE / "spanet_event.yaml").read_text())
    named = {"INPUTS/Source/MASK"}  # SPANet reads the mask of every sequential input
    for source, features in event["INPUTS"]["SEQUENTIAL"].items():
        named |= {f"INPUTS/{source}/{feature}" for feature in features}
    for particle, products in event["EVENT"].items():
        named |= {f"TARGETS/{particle}/{product}" for product in products}
    assert named == _datasets(tmp_path / "x.h5")
    assert event["PERMUTATIONS"] == {"EVENT": [["t1", "t2"]], "t1": [["q1", "q2"]], "t2": [["q1", "q2"]]}
    options = json.loads((PACKAGE / "spanet_options.json").read_text())
    assert (ROOT / options["event_info_file"]) == PACKAGE / "spanet_event.yaml"
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert options["training_file"] == f"{config['outdir']}/spanet/data/train.h5"
    assert options["batch_size"] == TRAIN_DEFAULTS.batch_size and options["learning_rate"] == TRAIN_DEFAULTS.lr


def test_cli_defaults_are_the_config_defaults_and_help_shows_them(capsys):
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    train = schema["properties"]["spanet"]["properties"]["train"]["properties"]
    for key, node in train.items():
        assert node["default"] == getattr(TRAIN_DEFAULTS, key) == config["spanet"]["train"][key], key
    assert schema["properties"]["seed"]["default"] == MASTER_SEED == config["seed"]
    with pytest.raises(SystemExit):
        main(["spanet", "train", "-h"])
    text = " ".join(capsys.readouterr().out.split())
    for flag, value in (("--epochs", 100), ("--batch-size", 64), ("--lr", 0.002), ("--patience", 15),
                        ("--bucket-pool", 16), ("--seed", MASTER_SEED), ("--device", "auto")):
        assert f"(default: {value})" in text.split(flag, 2)[2], flag
    # Every option of every SPA-NET stage is required or says its default.
    for stage in STAGES:
        parser = stage_parser("spanet", stage)
        optional = [a for a in parser._actions if a.option_strings and not a.required and a.dest != "help"]
        assert optional and [a.option_strings[0] for a in optional if "(default" not in a.help] == [], stage


def test_chi2_with_a_checkpoint_is_an_error(tmp_path, rng, make_events, caplog):
    write_h5(tmp_path / "x.h5", make_events(5, 8, rng))
    code = main(["spanet", "evaluate", "--method", "chi2", "--input", str(tmp_path / "x.h5"),
                 "--checkpoint", str(tmp_path / "model.pt"), "--out", str(tmp_path / "s.csv")])
    assert code == 2 and not (tmp_path / "s.csv").exists()
    assert [r.getMessage() for r in caplog.records] == ["--checkpoint: chi2 uses no model; give it only with "
                                                        "--method spanet"]


def test_repeated_target_index_is_rejected(tmp_path, rng, make_events):
    data = make_events(4, 8, rng)
    data.targets[2, 1, 0] = data.targets[2, 0, 1] = 3
    repeated = r"x.h5: TARGETS/t1/q1 and TARGETS/t2/b( and TARGETS/\S+)*: the same jet 3 is the target of both in event 2"
    with pytest.raises(ValueError, match=repeated):
        write_h5(tmp_path / "x.h5", data)


def _with_padding_first(data):
    """The same events with each event's padding slots moved in front of its jets."""
    order = np.argsort(data.mask, axis=1, kind="stable")  # padding first, jets in their order
    moved = type(data)(**{f: np.take_along_axis(getattr(data, f), order, axis=1)
                          for f in ("mask", "pt", "eta", "phi", "mass", "btag")}, targets=data.targets.copy())
    new_index = np.argsort(order, axis=1)
    flat = data.targets.reshape(len(data), -1)
    moved.targets = np.where(flat >= 0, np.take_along_axis(new_index, np.maximum(flat, 0), axis=1), -1).reshape(
        data.targets.shape)
    return moved, order


def test_predict_writes_spanet_targets_layout_in_the_files_jet_order(tmp_path, rng, make_events):
    torch.manual_seed(0)
    for split, n in (("train", 64), ("val", 16), ("test", 24)):
        write_h5(tmp_path / f"{split}.h5", make_events(n, 10, rng))
    config = TrainConfig(epochs=1, batch_size=32, device="cpu", threads=1)
    train_spanet(tmp_path / "train.h5", tmp_path / "val.h5", tmp_path / "model.pt", tmp_path / "h.csv", config, SMALL)
    model, info = load_model(tmp_path / "model.pt", MODELS)
    assert info["events"]["train_read"] == 64 and info["events"]["train_used"] + info["events"]["train_dropped"] == 64

    test = read_h5(tmp_path / "test.h5")
    predict_assignments(tmp_path / "model.pt", tmp_path / "test.h5", tmp_path / "pred.h5", device="cpu")
    assert _datasets(tmp_path / "pred.h5") == (
        {f"INPUTS/Source/{k}" for k in ("MASK", "pt", "eta", "phi", "mass", "btag")}
        | {f"TARGETS/{t}/{p}" for t in TOPS for p in (*PARTONS, "assignment_probability")})
    with h5py.File(tmp_path / "pred.h5", "r") as f:
        predicted = np.stack([np.stack([f[f"TARGETS/{t}/{p}"][()] for p in PARTONS], -1) for t in TOPS], 1)
        probability = np.stack([f[f"TARGETS/{t}/assignment_probability"][()] for t in TOPS], 1)
        np.testing.assert_array_equal(f["INPUTS/Source/pt"][()], test.pt)
    # The evaluation's assignment (jets packed, as in this file), and its probability from the model.
    np.testing.assert_array_equal(predicted, spanet_assign(model, test, "cpu"))
    x = torch.from_numpy(np.stack([test.pt, test.eta, test.phi, test.mass, test.btag], -1))
    with torch.inference_mode():
        logp = model(x, torch.from_numpy(test.mask))
    chosen = assign(logp).numpy()
    ev = np.arange(len(test))
    for t in range(2):
        ok = (chosen[:, t] >= 0).all(-1)
        expected = 2 * np.exp(logp[ev, t, chosen[:, t, 1], chosen[:, t, 2], chosen[:, t, 0]].numpy())
        np.testing.assert_allclose(probability[ok, t], expected[ok], rtol=1e-5)
        assert (probability[~ok, t] == 0).all()
    assert ((probability > 0) & (probability <= 1 + 1e-6)).any() and (probability <= 1 + 1e-6).all()

    # Padding in front of the jets: the same jets are chosen, named by this file's indices;
    # no TARGETS group is needed.
    moved, order = _with_padding_first(test)
    write_h5(tmp_path / "moved.h5", moved)
    with h5py.File(tmp_path / "moved.h5", "a") as f:
        del f["TARGETS"]
    predict_assignments(tmp_path / "model.pt", tmp_path / "moved.h5", tmp_path / "pred_moved.h5", device="cpu")
    with h5py.File(tmp_path / "pred_moved.h5", "r") as f:
        again = np.stack([np.stack([f[f"TARGETS/{t}/{p}"][()] for p in PARTONS], -1) for t in TOPS], 1)
    rows = np.arange(len(test))[:, None, None]
    np.testing.assert_array_equal(np.where(again >= 0, order[rows, np.maximum(again, 0)], -1), predicted)


@pytest.mark.slow
def test_spanet_report_on_user_files_without_generation(tmp_path, rng, make_events, run_snakemake):
    write_h5(tmp_path / "events.h5", make_events(200, 10, rng))
    overlay = {"outdir": str(tmp_path / "out"), "device": "cpu", "jets": {"enabled": False},
               "gating": {"enabled": False}, "neutron_stars": {"enabled": False},
               "spanet": {"files": {"events": str(tmp_path / "events.h5")}, "split": [0.6, 0.2, 0.2],
                          "model": SMALL, "train": {"epochs": 1, "batch_size": 32}}}
    run = run_snakemake(tmp_path, overlay, "spanet_report")
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "out" / "spanet"
    assert not (out / "chunks").exists()
    summary = json.loads((out / "data" / "dataset.json").read_text())
    assert summary == {"selected": 200, "train_events": 120, "val_events": 40, "test_events": 40}
    chi2 = pd.read_csv(out / "eval" / "chi2" / "summary.csv", dtype={"njets": str}).set_index("njets")
    inclusive = chi2.loc["inclusive"]
    assert inclusive[["n_events_2top", "n_events_1top", "n_events_0top"]].sum() == 40
    report = (out / "report" / "report.md").read_text()
    assert "Your SPANet file, 200 events" in report and "efficiency_by_jets.png" in report
    assert f"{int(inclusive['n_events_0top'])} test events have no matchable top" in report
    for name in ("efficiency_by_jets.png", "training_curves.png"):
        assert (out / "report" / name).stat().st_size > 10_000

    # Three files as they are: nothing is generated or cut.
    for split in ("train", "val", "test"):
        write_h5(tmp_path / f"{split}.h5", make_events(30, 9, rng))
    overlay["spanet"]["files"] = {s: str(tmp_path / f"{s}.h5") for s in ("train", "val", "test")}
    dry = run_snakemake(tmp_path, overlay, "spanet_report", "-n", "--forceall", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-3000:]
    rules = {line.split()[0] for line in dry.stdout.splitlines() if line.startswith("spanet_")}
    assert rules == {"spanet_train", "spanet_evaluate_chi2", "spanet_evaluate_spanet", "spanet_report"}
