"""The three taggers (parameter counts, symmetries, padding) and the train -> evaluate stages
on a small synthetic Parquet dataset written with the schema of "Jets 2/4"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from attnphys.jets.dataset import CLASSES_METADATA
from attnphys.jets.evaluate import classification_metrics, evaluate_tagger
from attnphys.jets.models import (
    MODELS,
    PAPER_PARAMS,
    PAPER_SIZES,
    TARGET_PARAMS,
    build_model,
    count_parameters,
    hl_columns,
)
from attnphys.jets.models.pair_transformer import pair_features
from attnphys.jets.models.transformer import aligned
from attnphys.jets.prong_classes import CLASS_NAMES
from attnphys.jets.nsubjettiness import FEATURES
from attnphys.jets.split import read_jets
from attnphys.jets.train import jet_tensors, train_tagger
from attnphys.train import TrainConfig, load_weights
from attnphys.train.standardise import Standardise
from attnphys.train.record import load_model

CLASSES = list(CLASS_NAMES)
MAX_TOWERS = 230
SMALL = {
    "hl_dnn": {"width": 16, "depth": 2, "bottleneck": 8},
    "pfn": {"phi": [16, 16], "f": [32]},
    "transformer": {"d_model": 16, "heads": 2, "layers": 1, "ffn": 32, "head": 16},
    "part": {"d_model": 16, "heads": 2, "layers": 1, "ffn": 32, "pair": [8], "head": 16},
}
TOWER_MODELS = ["pfn", "transformer", "part"]


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _fixed(values: np.ndarray, kind) -> pa.Array:
    return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1), kind), values.shape[1])


def write_split(path: Path, n_per_class: int, rng: np.random.Generator) -> None:
    """Toy jets with the dataset contract: class k has k+1 tower clusters (prongs)."""
    labels = np.repeat(np.arange(len(CLASSES)), n_per_class)
    n = len(labels)
    n_towers = rng.integers(4, 61, n)
    pt = np.zeros((n, MAX_TOWERS), np.float32)
    deta = np.zeros_like(pt)
    dphi = np.zeros_like(pt)
    for j, (label, count) in enumerate(zip(labels, n_towers)):
        centres = rng.normal(0, 0.4, (label + 1, 2))
        which = rng.integers(0, label + 1, count)
        deta[j, :count] = centres[which, 0] + rng.normal(0, 0.03, count)
        dphi[j, :count] = centres[which, 1] + rng.normal(0, 0.03, count)
        pt[j, :count] = np.sort(rng.exponential(20.0, count) + 0.5)[::-1]
    mask = np.arange(MAX_TOWERS) < n_towers[:, None]
    columns = {
        "label": pa.array(labels, pa.int64()),
        "class": pa.array([CLASSES[k] for k in labels]),
        "jet_pt": pa.array(rng.uniform(1000, 1200, n), pa.float32()),
        "jet_eta": pa.array(rng.uniform(-2, 2, n), pa.float32()),
        "jet_phi": pa.array(rng.uniform(-3, 3, n), pa.float32()),
        "jet_mass": pa.array(rng.uniform(300, 700, n), pa.float32()),
        "n_towers": pa.array(n_towers, pa.int32()),
        "tower_pt": _fixed(pt, pa.float32()),
        "tower_eta": _fixed(deta, pa.float32()),
        "tower_phi": _fixed(dphi, pa.float32()),
        "tower_deta": _fixed(deta, pa.float32()),
        "tower_dphi": _fixed(dphi, pa.float32()),
        "tower_mask": _fixed(mask, pa.bool_()),
    }
    for N in range(1, 9):
        for beta in (1, 2):
            columns[f"tau{N}_b{beta}"] = pa.array(rng.uniform(0, 1, n) / N, pa.float32())
    columns["source_file"] = pa.array([f"toy_{k}.root" for k in labels])
    columns["source_entry"] = pa.array(np.arange(n), pa.int64())
    columns["source_jet"] = pa.array(np.zeros(n), pa.int32())
    pq.write_table(pa.table(columns).replace_schema_metadata({CLASSES_METADATA: json.dumps(CLASSES)}), path)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dataset")
    rng = np.random.default_rng(7)
    for split, n in (("train", 24), ("val", 6), ("test", 9)):
        write_split(folder / f"{split}.parquet", n, rng)
    return folder


@pytest.mark.parametrize("name", ["hl_dnn", "pfn", "transformer"])
def test_default_parameter_counts_match_the_talk(name):
    assert count_parameters(build_model(name, **PAPER_SIZES[name])) == PAPER_PARAMS[name]


def test_paper_hl_network_is_the_talks_dnn_on_136_inputs():
    """hl135: mass + 135 N-subjettiness into the talk's 6 x 800 -> 64 -> 7 layers: 119 more inputs
    x 800 weights than the talk's 3,270,119."""
    assert PAPER_SIZES["hl135"] == {"n_features": 136, "n_classes": 7}
    assert count_parameters(build_model("hl135", **PAPER_SIZES["hl135"])) == 3_270_119 + 119 * 800 == 3_365_319
    assert hl_columns("hl135")[0] == "jet_mass" and len(hl_columns("hl135")) == 136
    assert hl_columns("hl_dnn") == ("jet_mass", *FEATURES)


def test_pair_transformer_has_the_transformers_count_exactly():
    assert TARGET_PARAMS["part"] == PAPER_PARAMS["transformer"] == 1_388_807
    assert count_parameters(build_model("part", **PAPER_SIZES["part"])) == 1_388_807


def test_transformer_count_is_exact_and_prenorm_within_two_percent():
    assert PAPER_PARAMS["transformer"] == 1_388_807
    prenorm = count_parameters(build_model("transformer", **PAPER_SIZES["transformer"], params={"norm_first": True}))
    assert prenorm == 1_388_807 + 256
    assert abs(prenorm / 1_388_807 - 1) < 0.02


def test_unknown_model_or_override_is_refused():
    with pytest.raises(ValueError, match="unknown name"):
        build_model("bdt", 3, 7)
    with pytest.raises(ValueError, match="jets.model_params.pfn.*widht"):
        build_model("pfn", 3, 7, {"widht": 3})


def test_sizes_from_the_data_are_refused_as_settings():
    with pytest.raises(ValueError, match=r"jets.model_params.hl_dnn: unknown key\(s\) \['n_classes'\].*from the data"):
        build_model("hl_dnn", 17, 7, {"n_classes": 3})


def _towers(n_jets: int, lengths: list[int], seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    towers = torch.randn(n_jets, MAX_TOWERS, 3, generator=g)
    mask = torch.arange(MAX_TOWERS)[None, :] < torch.tensor(lengths)[:, None]
    return towers * mask[..., None], mask


def _trained_like(name: str) -> torch.nn.Module:
    """Default-size model with non-trivial standardisation, in eval mode."""
    torch.manual_seed(3)
    model = build_model(name, **PAPER_SIZES[name])
    model.scale.mean.copy_(torch.tensor([1.0, 0.1, -0.1]))
    model.scale.std.copy_(torch.tensor([2.0, 0.5, 0.4]))
    if hasattr(model, "fit_pair_scale"):
        model.fit_pair_scale(*_towers(4, [30, 50, 9, 100], seed=9))
    return model.eval()


def test_pair_features_match_four_vectors():
    """ln kT, ln z, ln dR, ln m^2 of two massless towers against their four-vectors."""
    pt = np.array([100.0, 300.0])
    eta = np.array([0.1, 0.4])
    phi = np.array([-0.2, 0.2])
    towers = torch.tensor(np.stack([np.log(pt), eta, phi], axis=1)[None], dtype=torch.float64)
    mask = torch.ones(1, 2, dtype=torch.bool)
    features, valid = pair_features(towers, mask)
    assert valid[0].tolist() == [[False, True], [True, False]]
    assert (features[0, 0, 0] == 0).all()
    p = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=1).sum(0)
    m2 = p[0] ** 2 - (p[1:] ** 2).sum()
    dr = np.hypot(0.3, 0.4)
    expected = np.log([100.0 * dr, 100.0 / 400.0, dr, m2])
    for i, j in ((0, 1), (1, 0)):
        np.testing.assert_allclose(features[0, i, j].numpy(), expected, rtol=1e-5)


def test_pair_transformer_without_bias_is_the_transformer():
    """With the pair network's output zeroed, ParT reduces to the Transformer with the same
    weights, so the pairwise bias is the only difference between the two models."""
    part = _trained_like("part")
    with torch.no_grad():
        part.pair_embed[-1].weight.zero_()
        part.pair_embed[-1].bias.zero_()
    plain = build_model("transformer", **PAPER_SIZES["transformer"], params={"head": 376}).eval()
    plain.load_state_dict({k: v for k, v in part.state_dict().items() if not k.startswith("pair_")})
    towers, mask = _towers(3, [57, 12, 101])
    with torch.no_grad():
        torch.testing.assert_close(part(towers, mask), plain(towers, mask), atol=1e-5, rtol=0)
        part.pair_embed[-1].bias.copy_(torch.linspace(-2, 2, part.heads))
        part.pair_embed[-1].weight.normal_()
        assert not torch.allclose(part(towers, mask), plain(towers, mask), atol=1e-3)


def _reference_transformer(norm_first: bool) -> torch.nn.Module:
    """The Transformer as torch's own nn.TransformerEncoder computes it (the model before its
    encoder was rewritten for speed), with the model's parameter names."""
    d_model, heads, ffn = 128, 8, 1024

    class Reference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = Standardise(3)
            self.embed = torch.nn.Sequential(torch.nn.Linear(3, d_model), torch.nn.ReLU(),
                                             torch.nn.Linear(d_model, d_model))
            self.class_token = torch.nn.Parameter(torch.zeros(1, 1, d_model))
            torch.nn.init.normal_(self.class_token, std=0.02)
            layer = torch.nn.TransformerEncoderLayer(d_model, heads, ffn, 0.0, batch_first=True,
                                                     norm_first=norm_first)
            self.encoder = torch.nn.TransformerEncoder(layer, 4, norm=torch.nn.LayerNorm(d_model) if norm_first
                                                       else None, enable_nested_tensor=False)
            self.head = torch.nn.Sequential(torch.nn.Linear(d_model, 384), torch.nn.ReLU(), torch.nn.Linear(384, 7))

        def forward(self, towers, mask):
            tokens = self.embed(self.scale(towers))
            tokens = torch.cat([self.class_token.expand(len(tokens), -1, -1), tokens], dim=1)
            padding = torch.cat([torch.zeros_like(mask[:, :1]), ~mask], dim=1)
            return self.head(self.encoder(tokens, src_key_padding_mask=padding)[:, 0])

    return Reference()


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_computes_what_torchs_encoder_computes(norm_first):
    """Same seed, same initial weights and names as torch's nn.TransformerEncoder; the same
    outputs and gradients in both layouts (packed real towers, padded grid)."""
    torch.manual_seed(11)
    reference = _reference_transformer(norm_first)
    torch.manual_seed(11)
    model = build_model("transformer", **PAPER_SIZES["transformer"], params={"norm_first": norm_first})
    assert list(model.state_dict()) == list(reference.state_dict())
    for (key, mine), theirs in zip(model.state_dict().items(), reference.state_dict().values()):
        assert torch.equal(mine, theirs), key
    towers, mask = _towers(4, [57, 12, 101, 1])
    expected = reference(towers[:, :101], mask[:, :101])
    expected.square().sum().backward()
    for packed in (True, False):
        model.zero_grad()
        out = model(towers[:, :101], mask[:, :101], packed=packed)
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
        out.square().sum().backward()
        for (key, mine), theirs in zip(model.named_parameters(), reference.parameters()):
            torch.testing.assert_close(mine.grad, theirs.grad, atol=1e-4, rtol=1e-4, msg=key)


@pytest.mark.parametrize("name", ["transformer", "part"])
def test_packed_and_padded_layouts_agree(name):
    """Same outputs and gradients whether the per-token (and ParT's per-pair) work runs on
    the real towers only or on the padded grid."""
    model = _trained_like(name)
    towers, mask = _towers(3, [57, 12, 101])
    grads = []
    for packed in (True, False):
        model.zero_grad()
        out = model(towers[:, :101], mask[:, :101], packed=packed)
        out.square().sum().backward()
        grads.append((out.detach(), [p.grad.clone() for p in model.parameters()]))
    torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-5, rtol=0)
    for (key, _), a, b in zip(model.named_parameters(), grads[0][1], grads[1][1]):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4, msg=key)


@pytest.mark.parametrize("width", [1, 16, 17, 102])
def test_attention_mask_rows_are_aligned_for_fused_kernels(width):
    mask = torch.randn(3, 2, width, width, requires_grad=True)
    out = aligned(mask)
    assert torch.equal(out, mask) and out.stride(-2) % 16 == 0 and out.stride(-1) == 1
    out.sum().backward()
    assert torch.equal(mask.grad, torch.ones_like(mask))


def test_pair_transformer_extends_the_transformer():
    """One embedding, class token, encoder and head: ParT adds only the pair network."""
    part, plain = _trained_like("part"), _trained_like("transformer")
    assert isinstance(part, type(plain))
    assert type(part).forward is type(plain).forward
    extra = {key for key in part.state_dict() if key not in plain.state_dict()}
    assert extra and all(key.startswith("pair_") for key in extra)


@pytest.mark.parametrize("name", TOWER_MODELS)
def test_shuffling_real_towers_leaves_output_unchanged(name):
    model = _trained_like(name)
    towers, mask = _towers(3, [57, 12, 101])
    shuffled = towers.clone()
    g = torch.Generator().manual_seed(1)
    for j, length in enumerate(mask.sum(1).tolist()):
        shuffled[j, :length] = towers[j, torch.randperm(length, generator=g)]
    assert not torch.equal(shuffled, towers)
    with torch.no_grad():
        torch.testing.assert_close(model(shuffled, mask), model(towers, mask), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", TOWER_MODELS)
def test_padding_rows_have_no_influence(name):
    model = _trained_like(name)
    towers, mask = _towers(2, [40, 7])
    noisy = towers + 50.0 * (~mask)[..., None] * torch.randn_like(towers)
    with torch.no_grad():
        reference = model(towers, mask)
        torch.testing.assert_close(model(noisy, mask), reference, atol=1e-5, rtol=0)
        torch.testing.assert_close(model(towers[:, :40], mask[:, :40]), reference, atol=1e-5, rtol=0)
    # the same garbage on real towers does change the output: the check above can fail
    with torch.no_grad():
        assert not torch.allclose(model(noisy, torch.ones_like(mask)), reference, atol=1e-3)


@pytest.mark.parametrize("name", TOWER_MODELS)
def test_batch_of_one_equals_batch_of_many(name):
    model = _trained_like(name)
    lengths = [5, 230, 64, 1, 99]
    towers, mask = _towers(len(lengths), lengths, seed=4)
    with torch.no_grad():
        many = model(towers, mask)
        for j, length in enumerate(lengths):
            one = model(towers[j : j + 1, :length], mask[j : j + 1, :length])
            torch.testing.assert_close(one[0], many[j], atol=1e-5, rtol=0)


def test_hl_dnn_batch_of_one_equals_batch_of_many():
    torch.manual_seed(0)
    model = build_model("hl_dnn", **PAPER_SIZES["hl_dnn"]).eval()
    hl = torch.randn(6, 17)
    with torch.no_grad():
        many = model(hl)
        for j in range(6):
            torch.testing.assert_close(model(hl[j : j + 1])[0], many[j], atol=1e-5, rtol=0)


def test_read_jets_contract_and_bucketing_inputs(dataset):
    jets = read_jets(dataset / "train.parquet")
    assert jets.towers.shape == (7 * 24, MAX_TOWERS, 3)
    assert (jets.length == jets.mask.sum(1)).all()
    assert (jets.towers[~jets.mask] == 0).all()
    table = pq.read_table(dataset / "train.parquet", columns=["tower_pt", "n_towers"]).to_pandas()
    first = np.asarray(table["tower_pt"][0])
    np.testing.assert_allclose(jets.towers[0, : jets.length[0], 0], np.log(first[: jets.length[0]]), rtol=1e-6)
    assert (jets.length == table["n_towers"].to_numpy()).all()
    data = jet_tensors(jets, ("towers", "mask"))
    assert data.length_key == "length" and set(data.padded_keys) == {"towers", "mask"}


def test_bad_dataset_names_file_and_field(tmp_path, dataset):
    table = pq.read_table(dataset / "val.parquet")
    pq.write_table(table.drop(["tau3_b1"]), tmp_path / "val.parquet")
    with pytest.raises(ValueError, match=r"val\.parquet.*tau3_b1"):
        read_jets(tmp_path / "val.parquet")
    mass = table.column("jet_mass").to_numpy().copy()
    mass[2] = np.nan
    bad = table.set_column(table.schema.get_field_index("jet_mass"), "jet_mass", pa.array(mass, pa.float32()))
    pq.write_table(bad, tmp_path / "nan.parquet")
    with pytest.raises(ValueError, match=r"nan\.parquet.*jet_mass.*NaN"):
        read_jets(tmp_path / "nan.parquet")
    with pytest.raises(FileNotFoundError, match="absent.parquet"):
        read_jets(tmp_path / "absent.parquet")


def test_classification_metrics_are_consistent():
    label = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    pred = np.array([0, 1, 1, 1, 0, 2, 2, 2, 2])
    m = classification_metrics(label, pred, ["a", "b", "c", "d"])
    matrix = np.array(m["confusion"])
    assert matrix.sum(axis=1).tolist() == [2, 3, 4, 0]
    assert m["accuracy"] == pytest.approx(7 / 9)
    assert m["per_class_accuracy"] == {"a": 0.5, "b": pytest.approx(2 / 3), "c": 1.0, "d": None}


@pytest.mark.parametrize("name", ["hl_dnn", "transformer", "part"])
def test_train_then_evaluate_small_models(tmp_path, dataset, name):
    config = TrainConfig(epochs=2, batch_size=32, lr=3e-3, device="cpu", threads=1)
    result = train_tagger(name, 0, dataset / "train.parquet", dataset / "val.parquet", tmp_path / "model/model.pt",
                          tmp_path / "model/history.csv", config, SMALL[name], base_seed=5)
    assert result.epochs_run == 2
    history = pd.read_csv(tmp_path / "model" / "history.csv")
    assert list(history["epoch"]) == [1, 2] and history["val_acc"].between(0, 1).all()
    weights = load_weights(tmp_path / "model" / "model.pt")
    assert weights["extra"]["classes"] == CLASSES
    train = read_jets(dataset / "train.parquet", need_towers=name != "hl_dnn")
    features = train.hl if name == "hl_dnn" else train.towers[train.mask]
    model, info = load_model(tmp_path / "model" / "model.pt", MODELS)
    np.testing.assert_allclose(model.scale.mean.numpy(), features.mean(0), rtol=1e-4, atol=1e-5)

    metrics = evaluate_tagger(tmp_path / "model/model.pt", dataset / "test.parquet", tmp_path / "eval/predictions.parquet",
                              tmp_path / "eval/metrics.json", device="cpu")
    on_disk = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert on_disk["accuracy"] == pytest.approx(metrics["accuracy"])
    predictions = pd.read_parquet(tmp_path / "eval" / "predictions.parquet")
    test = read_jets(dataset / "test.parquet", need_towers=False)
    assert len(predictions) == on_disk["n_test"] == len(test)
    assert (predictions["label"].to_numpy() == test.label).all()
    np.testing.assert_allclose(predictions["jet_mass"], test.jet_mass)
    probs = predictions[[f"prob_{i}" for i in range(7)]].to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    assert (probs.argmax(1) == predictions["pred"]).all()
    matrix = np.array(on_disk["confusion"])
    assert matrix.sum(axis=1).tolist() == np.bincount(test.label, minlength=7).tolist()
    assert on_disk["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
    assert on_disk["accuracy"] == pytest.approx((predictions["pred"] == predictions["label"]).mean())
    assert on_disk["n_params"] == info["n_params"] == count_parameters(model)
    assert on_disk["jets_per_second"] > 0 and on_disk["classes"] == CLASSES


def test_cli_train_rejects_stale_checkpoint_unless_told(tmp_path, dataset):
    config = TrainConfig(epochs=1, batch_size=64, device="cpu", threads=1)
    train_tagger("pfn", 0, dataset / "train.parquet", dataset / "val.parquet", tmp_path / "model.pt",
                 tmp_path / "history.csv", config, SMALL["pfn"])
    changed = [sys.executable, "-m", "attnphys.cli", "jets", "train", "--model", "pfn", "--train", str(dataset / "train.parquet"),
               "--val", str(dataset / "val.parquet"), "--out-model", str(tmp_path / "model.pt"),
               "--out-history", str(tmp_path / "history.csv"), "--epochs", "1", "--batch-size", "64", "--threads", "1", "--device", "cpu",
               "--params", json.dumps({**SMALL["pfn"], "f": [48]})]
    stale = subprocess.run(changed, capture_output=True, text=True)
    assert stale.returncode == 2 and "checkpoint_last.pt" in stale.stderr and "params.f" in stale.stderr
    assert load_weights(tmp_path / "model.pt")["extra"]["params"]["f"] == [32]
    fresh = subprocess.run(changed + ["--restart-stale"], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    assert load_weights(tmp_path / "model.pt")["extra"]["params"]["f"] == [48]


REPO = Path(__file__).resolve().parents[2]


def _snakemake(workdir: Path, overlay: dict, targets: list[str], dry: bool) -> str:
    (workdir / "overlay.yaml").write_text(json.dumps(overlay))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--cores", "2", "--configfile", str(workdir / "overlay.yaml"),
           "--allowed-rules", "jets_train", "jets_evaluate", "jets_models"] + (["-n"] if dry else []) + ["--", *targets]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _planned_jobs(log: str) -> list[tuple[str, str]]:
    """(rule, wildcards) of each job a dry run would execute."""
    jobs, rule = [], None
    for line in log.splitlines():
        if line.startswith("rule ") or line.startswith("localrule "):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("wildcards:") and rule:
            jobs.append((rule, line.split(":", 1)[1].strip()))
    return sorted(jobs)


@pytest.mark.slow
def test_snakemake_trains_and_evaluates_and_reruns_only_the_changed_model(tmp_path, dataset):
    out = tmp_path / "results"
    (out / "jets").mkdir(parents=True)
    (out / "jets" / "dataset").symlink_to(dataset, target_is_directory=True)
    overlay = {
        "outdir": str(out), "device": "cpu",
        "jets": {"models": ["hl_dnn", "pfn"], "seeds": [0], "threads": 1, "train": {"epochs": 1, "batch_size": 64},
                 "model_params": {"hl_dnn": SMALL["hl_dnn"], "pfn": SMALL["pfn"], "transformer": {}}},
        "spanet": {"enabled": False}, "gating": {"enabled": False}, "neutron_stars": {"enabled": False},
    }
    targets = [str(out / "jets" / "eval" / "hl_dnn" / "seed0" / "metrics.json"),
               str(out / "jets" / "models" / "pfn" / "seed0" / "model.pt")]
    _snakemake(tmp_path, overlay, targets, dry=False)
    metrics = json.loads((out / "jets" / "eval" / "hl_dnn" / "seed0" / "metrics.json").read_text())
    assert metrics["model"] == "hl_dnn" and metrics["n_test"] == 63
    assert (out / "jets" / "eval" / "hl_dnn" / "seed0" / "predictions.parquet").exists()
    for model in ("hl_dnn", "pfn"):
        assert (out / "logs" / "jets" / "train" / model / "seed0.log").exists()
        assert load_weights(out / "jets" / "models" / model / "seed0" / "model.pt")["extra"]["params"] == SMALL[model]
    overlay["jets"]["model_params"]["pfn"] = {**SMALL["pfn"], "f": [24]}
    assert _planned_jobs(_snakemake(tmp_path, overlay, targets, dry=True)) == [("jets_train", "model=pfn, seed=0")]
    overlay["jets"]["model_params"]["pfn"] = SMALL["pfn"]
    overlay["jets"]["model_params"]["hl_dnn"] = {**SMALL["hl_dnn"], "width": 20}
    assert _planned_jobs(_snakemake(tmp_path, overlay, targets, dry=True)) == [
        ("jets_evaluate", "model=hl_dnn, seed=0"), ("jets_train", "model=hl_dnn, seed=0")]
