"""`attnphys jets predict` and `attnphys jets export` on real Pythia jets: a dataset built by
the pipeline's stages from generated chunks, small models of every registered tagger trained
on it, then predictions on the ROOT files with their truth removed, compared jet by jet with
`jets evaluate`, and ONNX graphs compared with PyTorch through onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pyarrow.parquet as pq
import pytest
import torch
import uproot

from attnphys.detector.delphes_tree import read_collection
from attnphys.jets.dataset import DatasetFiles, build_dataset
from attnphys.jets.evaluate import evaluate_tagger
from attnphys.jets.export import NOT_EXPORTABLE, TOLERANCE, check_export, export_model, onnx_probabilities
from attnphys.jets.generate import generate_chunk
from attnphys.jets.ingest import ingest
from attnphys.jets.models import MODELS, PAPER_ONLY
from attnphys.jets.nsubjettiness import FEATURES
from attnphys.jets.predict import predict_jets
from attnphys.jets.split import read_preprocessing
from attnphys.train import TrainConfig
from attnphys.train.record import load_model

CLASSES = ["2", "3", "4q"]  # the classes with the highest selection yield: many jets per event
SMALL = {
    "hl_dnn": {"width": 16, "depth": 2, "bottleneck": 8},
    "pfn": {"phi": [16, 16], "f": [32]},
    "transformer": {"d_model": 16, "heads": 2, "layers": 1, "ffn": 32, "head": 16},
    "part": {"d_model": 16, "heads": 2, "layers": 1, "ffn": 32, "pair": [8], "head": 16},
}
FRAMED = "transformer_standard"  # the Transformer trained on towers in the 'standard' frame
PROVENANCE = ["source_file", "source_entry", "source_jet"]


def _towers_only(source: Path, out: Path) -> None:
    """A copy of a chunk without its Particle collection (an unlabelled file)."""
    towers = read_collection(source, "Tower", ("ET", "Eta", "Phi"))
    with uproot.recreate(out) as handle:
        handle.mktree("Delphes", {"Tower": towers.type.content})
        handle["Delphes"].extend({"Tower": towers})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Chunks of three classes, their dataset (every jet in the test split), one small trained
    model per registered tagger, and the unlabelled copies of the chunks."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("predict")
    roots, towers = {}, []
    for cls in CLASSES:
        roots[cls] = generate_chunk(cls, 0, 60, 23, folder / f"{cls}.root").out
        towers.append(folder / f"{cls}.parquet")
        ingest(roots[cls], cls, towers[-1])
    files = DatasetFiles.in_folder(folder / "dataset")
    build_dataset(towers, files, CLASSES, jets_per_class=1000, flatten_bins=(1, 1), split=(0.01, 0.01, 0.98))  # nearly every jet in the test split
    models = {}
    config = TrainConfig(epochs=1, batch_size=16, lr=3e-3, device="cpu", threads=1)
    from attnphys.jets.train import train_tagger

    for name in sorted(set(MODELS) - set(PAPER_ONLY)):  # hl135 needs the paper's file (test_paper_dataset)
        models[name] = folder / name / "model.pt"
        train_tagger(name, 0, files.test, files.test, models[name], folder / name / "history.csv", config,
                     SMALL.get(name, {}))
    models[FRAMED] = folder / FRAMED / "model.pt"
    train_tagger("transformer", 0, files.test, files.test, models[FRAMED], folder / FRAMED / "history.csv", config,
                 SMALL["transformer"], preprocess="standard")
    unlabelled = {}
    for cls, path in roots.items():
        unlabelled[cls] = folder / f"unlabelled_{cls}.root"
        _towers_only(path, unlabelled[cls])
    return {"folder": folder, "roots": roots, "unlabelled": unlabelled, "test": files.test, "models": models}


def test_dataset_records_preprocessing_and_training_copies_it(trained):
    record = read_preprocessing(trained["test"])
    assert record == {"jet_radius": 1.2, "pt_window": [1000.0, 1200.0], "mass_window": [300.0, 700.0],
                      "max_towers": 230, "nsubjettiness_axes": "kt"}
    for path in trained["models"].values():
        assert load_model(path, MODELS)[1]["preprocessing"] == record


@pytest.mark.parametrize("name", [*sorted(SMALL), FRAMED])
def test_predict_on_unlabelled_files_equals_evaluate(trained, name, tmp_path):
    folder = trained["folder"]
    evaluate_tagger(trained["models"][name], trained["test"], tmp_path / "pred.parquet", tmp_path / "metrics.json",
                    device="cpu")
    evaluated = pd.read_parquet(tmp_path / "pred.parquet")
    # The evaluation's provenance names the labelled chunks; predict reads their unlabelled copies.
    evaluated["source_file"] = evaluated["source_file"].map(
        {str(trained["roots"][c]): str(trained["unlabelled"][c]) for c in CLASSES})
    inputs = [trained["unlabelled"][c] for c in CLASSES]
    n = predict_jets(trained["models"][name], inputs, tmp_path / "all.parquet", leading=None, device="cpu")
    predicted = pd.read_parquet(tmp_path / "all.parquet")
    assert n == len(predicted) > len(evaluated) > 20  # every jet in the windows, not only truth-matched ones
    joined = evaluated.merge(predicted, on=PROVENANCE, suffixes=("_eval", ""), validate="one_to_one")
    assert len(joined) == len(evaluated)  # every evaluated jet is predicted
    probs = [f"prob_{i}" for i in range(len(CLASSES))]
    diff = np.abs(joined[[f"{p}_eval" for p in probs]].to_numpy() - joined[probs].to_numpy()).max()
    print(f"{name}: predict vs evaluate max |dp| = {diff:.3g} on {len(joined)} jets")
    assert diff <= 1e-6
    np.testing.assert_array_equal(joined["jet_mass_eval"], joined["jet_mass"])
    assert (joined["pred_eval"] == joined["pred"]).all()
    # Columns, windows and the class names of the model.
    assert list(predicted.columns[:8]) == [*PROVENANCE, "jet_pt", "jet_eta", "jet_phi", "jet_mass", "n_towers"]
    assert set(FEATURES) <= set(predicted.columns)
    assert predicted["jet_pt"].between(1000, 1200).all() and predicted["jet_mass"].between(300, 700).all()
    np.testing.assert_allclose(predicted[probs].sum(axis=1), 1.0, atol=1e-5)
    assert (predicted["pred_class"] == [CLASSES[k] for k in predicted["pred"]]).all()
    meta = json.loads(pq.read_schema(tmp_path / "all.parquet").metadata[b"attnphys.predict"])
    assert meta["classes"] == CLASSES and meta["model"] == name.removesuffix("_standard")
    assert meta["preprocess"] == ("standard" if name == FRAMED else "none")

    leading = predict_jets(trained["models"][name], inputs, tmp_path / "leading.parquet", leading=1, device="cpu")
    first = pd.read_parquet(tmp_path / "leading.parquet")
    assert leading == len(first) == int((predicted["source_jet"] == 0).sum()) and (first["source_jet"] == 0).all()


def test_predict_cli_and_bad_inputs(trained, tmp_path):
    model = trained["models"]["hl_dnn"]
    out = tmp_path / "p.parquet"
    cli = [sys.executable, "-m", "attnphys.cli", "jets", "predict", "--checkpoint", str(model), "--out", str(out),
           "--device", "cpu", "--input", str(trained["unlabelled"]["2"])]
    done = subprocess.run([*cli, "--leading", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (pd.read_parquet(out)["source_jet"] == 0).all()
    done = subprocess.run([*cli[:-1], str(tmp_path / "missing.root")], capture_output=True, text=True)
    assert done.returncode != 0 and "missing.root" in done.stderr
    weights = torch.load(model, weights_only=False)
    del weights["extra"]["preprocessing"]
    torch.save(weights, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="old.pt: field 'extra.preprocessing' is missing"):
        predict_jets(tmp_path / "old.pt", [trained["unlabelled"]["2"]], tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


@pytest.mark.parametrize("name", [*sorted(set(MODELS) - set(NOT_EXPORTABLE) - set(PAPER_ONLY)), FRAMED])
def test_onnx_export_equals_pytorch_on_real_test_jets(trained, name, tmp_path):
    onnx_path = tmp_path / f"{name}.onnx"
    export_model(trained["models"][name], onnx_path)
    graph = onnx.load(str(onnx_path))
    meta = {p.key: p.value for p in graph.metadata_props}
    model = name.removesuffix("_standard")
    assert json.loads(meta["attnphys.classes"]) == CLASSES and meta["attnphys.model"] == model
    assert meta["attnphys.preprocess"] == ("standard" if name == FRAMED else "none")
    inputs = json.loads(meta["attnphys.inputs"])
    assert list(inputs) == [i.name for i in graph.graph.input] == list(MODELS[model].inputs)
    dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in graph.graph.input}
    for key, shape in dims.items():
        assert shape[0] == "batch" and (key == "hl" or shape[1] == "towers")
    # Every test jet, in batches of two sizes: the batch and tower axes are dynamic.
    worst = max(check_export(trained["models"][name], onnx_path, trained["test"], batch_size=b) for b in (7, 64))
    print(f"{name}: onnxruntime vs PyTorch max |dp| = {worst:.3g}")
    assert worst <= TOLERANCE


def test_export_refuses_part_in_one_line_naming_the_model(trained, tmp_path):
    assert set(NOT_EXPORTABLE) == {"part"}
    out = tmp_path / "part.onnx"
    done = subprocess.run([sys.executable, "-m", "attnphys.cli", "jets", "export", "--checkpoint",
                           str(trained["models"]["part"]), "--out", str(out)], capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "model.pt: model 'part': no ONNX export" in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_onnx_padding_does_not_change_probabilities(trained, tmp_path):
    onnx_path = tmp_path / "transformer.onnx"
    export_model(trained["models"]["transformer"], onnx_path)
    from attnphys.jets.split import read_jets

    jets = read_jets(trained["test"])
    width = int(jets.length[:5].max())
    short = {"towers": jets.towers[:5, :width], "mask": jets.mask[:5, :width]}
    padded = {"towers": jets.towers[:5], "mask": jets.mask[:5]}
    np.testing.assert_allclose(onnx_probabilities(onnx_path, short), onnx_probabilities(onnx_path, padded), atol=1e-6)


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_snakemake_predict_and_export_targets(trained, tmp_path):
    """A user's run: the workflow trains on its dataset, then `jets_predict` tags files it did
    not make (config jets.predict) and `jets_export` writes checked ONNX graphs."""
    out = tmp_path / "results"
    dataset = out / "jets" / "dataset"
    dataset.mkdir(parents=True)
    table = pq.read_table(trained["test"])
    for split, rows in (("train", 5), ("val", 7)):  # every jet of the fixture in each split, as distinct files
        pq.write_table(table, dataset / f"{split}.parquet", row_group_size=rows)
    (dataset / "test.parquet").symlink_to(trained["test"])
    (dataset / "summary.json").symlink_to(trained["test"].parent / "summary.json")
    files = [str(trained["unlabelled"][c]) for c in CLASSES]
    overlay = {
        "outdir": str(out), "device": "cpu",
        "jets": {"classes": CLASSES, "models": ["pfn"], "seeds": [0], "threads": 1,
                 "train": {"epochs": 1, "batch_size": 16}, "model_params": {"pfn": SMALL["pfn"]},
                 "predict": {"files": files[:2] + [str(trained["folder"] / "unlabelled_4q.*")], "model": "pfn"}},
        "spanet": {"enabled": False}, "gating": {"enabled": False}, "neutron_stars": {"enabled": False},
    }
    (tmp_path / "overlay.yaml").write_text(json.dumps(overlay))
    evaluated = out / "jets" / "eval" / "pfn" / "seed0" / "predictions.parquet"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--cores", "2", "--configfile", str(tmp_path / "overlay.yaml"), "--allowed-rules", "jets_train",
           "jets_evaluate", "jets_predict_file", "jets_predict", "jets_export_model", "jets_export",
           "--", "jets_predict", "jets_export", str(evaluated)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    predicted = pd.concat([pd.read_parquet(p) for p in sorted((out / "jets" / "predict").glob("*.parquet"))])
    assert sorted(set(predicted["source_file"])) == sorted(files)
    ev = pd.read_parquet(evaluated)
    ev["source_file"] = ev["source_file"].map({str(trained["roots"][c]): str(trained["unlabelled"][c]) for c in CLASSES})
    joined = ev.merge(predicted, on=PROVENANCE, suffixes=("_eval", ""), validate="one_to_one")
    assert len(joined) == len(ev)
    probs = [f"prob_{i}" for i in range(len(CLASSES))]
    assert np.abs(joined[[f"{p}_eval" for p in probs]].to_numpy() - joined[probs].to_numpy()).max() <= 1e-6
    for model in ("pfn",):
        graph = onnx.load(str(out / "jets" / "models" / model / "seed0" / "model.onnx"))
        assert json.loads({p.key: p.value for p in graph.metadata_props}["attnphys.classes"]) == CLASSES
        assert "max_abs_diff" in (out / "logs" / "jets" / "export" / model / "seed0.log").read_text()
    assert (out / "logs" / "jets" / "predict").is_dir() and (out / "benchmarks" / "jets" / "predict").is_dir()
