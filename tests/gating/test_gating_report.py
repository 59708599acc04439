"""The gating stages called directly and through the command line: capacity, XOR demo and
report, and their input checks."""

import json

import pandas as pd
import pytest

from attnphys.cli import main
from attnphys.gating.capacity import write_capacity
from attnphys.gating.report import read_capacity, read_xor, write_report
from attnphys.gating.xor import write_xor_demo, xor_seeds


def test_capacity_cli_writes_csv(tmp_path):
    out = tmp_path / "capacity.csv"
    assert main(["gating", "capacity", "--max-n", "2", "--out", str(out)]) == 0
    assert pd.read_csv(out)["threshold"].tolist() == [4, 14]
    assert [p.name for p in tmp_path.iterdir()] == ["capacity.csv"]  # no temporary left


def test_bad_max_n_exits_2_naming_the_key(tmp_path, caplog):
    assert main(["gating", "capacity", "--max-n", "5", "--out", str(tmp_path / "c.csv")]) == 2
    assert "max_n" in caplog.text
    assert not (tmp_path / "c.csv").exists()
    with pytest.raises(ValueError, match="max_n"):
        write_capacity(0, tmp_path / "c.csv")


def test_report_missing_input_exits_2_naming_the_file(tmp_path, caplog):
    missing = tmp_path / "nope.csv"
    code = main(
        ["gating", "report", "--capacity", str(missing), "--xor", str(tmp_path / "x.json"),
         "--figure", str(tmp_path / "f.png"), "--out", str(tmp_path / "r.md")]
    )
    assert code == 2
    assert str(missing) in caplog.text


def test_capacity_table_checks(tmp_path):
    path = tmp_path / "capacity.csv"
    pd.DataFrame({"n": [1], "threshold": [4], "gated": [4], "all": [4]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="capacity_threshold"):
        read_capacity(path)
    pd.DataFrame(
        {"n": [1], "threshold": [4], "gated": [None], "all": [4],
         "capacity_threshold": [2.0], "capacity_gated": [2.0]}
    ).to_csv(path, index=False)
    with pytest.raises(ValueError, match="'gated'"):
        read_capacity(path)


def test_xor_summary_checks(tmp_path):
    path = tmp_path / "xor.json"
    path.write_text("{truncated")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_xor(path)
    path.write_text(json.dumps({"seed": 1}))
    with pytest.raises(ValueError, match="gated"):
        read_xor(path)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        read_xor(tmp_path / "missing.json")


def test_report_needs_the_figure(tmp_path):
    capacity = tmp_path / "capacity.csv"
    write_capacity(1, capacity, progress=False)
    xor = tmp_path / "xor.json"
    xor.write_text(json.dumps({k: 0 for k in
                               ("seed", "epochs", "lr", "inputs", "best_threshold_agreement",
                                "construction", "gated", "single")}))
    with pytest.raises(FileNotFoundError, match="figure.png"):
        write_report(capacity, xor, tmp_path / "figure.png", tmp_path / "report.md")


def test_the_three_stages_chain_into_the_report(tmp_path):
    write_capacity(3, tmp_path / "capacity.csv", progress=False)
    figure = tmp_path / "figures" / "xor.png"
    summary = write_xor_demo(11, 2, 150, tmp_path / "xor.json", figure, progress=False)
    assert json.loads((tmp_path / "xor.json").read_text()) == summary
    assert [fit["seed"] for fit in summary["gated"]] == [fit["seed"] for fit in summary["single"]] == xor_seeds(11, 2)
    assert summary["construction"] == {"or": [0, 1, 1, 1], "nand": [1, 1, 1, 0], "xor": [0, 1, 1, 0]}
    assert summary["best_threshold_agreement"] == 3
    assert [fit["accuracy"] for fit in summary["gated"]] == [1.0, 1.0]
    assert max(fit["accuracy"] for fit in summary["single"]) <= 0.75
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "report" / "report.md"
    text = write_report(tmp_path / "capacity.csv", tmp_path / "xor.json", figure, out)
    assert out.read_text() == text
    assert "| 3 | 2 | 104 | 246 | 256 | 6.700 | 7.943 | 8 |" in text  # log2 104, log2 246
    assert "](../figures/xor.png)" in text
    assert "gated layer sigmoid(w.x + b) * sigmoid(u.x + c): 2/2 seeds at 100%" in text
    assert "derived from master seed 11" in text
