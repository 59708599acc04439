"""``attnphys spanet report`` called directly on hand-written evaluation summaries: each cell
is "ours (talk)", the SPA-NET minus chi2 differences carry their binomial error, the verdict
follows the numbers, the data and training sections come from their files, and bad input
names the file before anything is written."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from attnphys.spanet.metrics import BINS, COLUMNS
from attnphys.spanet.report import TALK, read_history, read_summary, render, write_report

# Per jet bin (6, 7, >=8, inclusive): event, eps2, eps1 efficiencies in percent.
CHI2 = {"6": (60.0, 70.0, 20.0), "7": (40.0, 50.0, 25.0), ">=8": (20.0, 30.0, 10.0), "inclusive": (40.0, 50.0, 18.0)}
SPANET = {"6": (80.0, 85.0, 50.0), "7": (70.0, 75.0, 55.0), ">=8": (50.0, 60.0, 45.0), "inclusive": (66.0, 73.0, 50.0)}
EVENTS = {"6": (100, 20, 5), "7": (50, 10, 3), ">=8": (25, 8, 2), "inclusive": (175, 38, 10)}  # 2 / 1 / 0 tops


def summary(method: str, values: dict) -> pd.DataFrame:
    rows = [(method, b, *values[b], *EVENTS[b]) for b in BINS]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_summary(path, method: str, values: dict) -> None:
    summary(method, values).to_csv(path, index=False)


def indexed(method: str, values: dict) -> pd.DataFrame:
    return summary(method, values).set_index("njets")


def test_cells_are_ours_with_the_talks_in_brackets():
    text = render(indexed("chi2", CHI2), indexed("spanet", SPANET))
    six = next(line for line in text.splitlines() if line.startswith("| 6 |"))
    cells = [c.strip() for c in six.strip("|").split("|")]
    assert cells == ["6", "60.0 % (61.8 %)", "70.0 % (65.0 %)", "20.0 % (24.2 %)",
                     "80.0 % (80.7 %)", "85.0 % (84.1 %)", "50.0 % (56.7 %)"]
    assert "| ≥ 8 |" in text and "| Inclusive |" in text


def test_differences_carry_the_binomial_error_of_both_methods():
    text = render(indexed("chi2", CHI2), indexed("spanet", SPANET))
    for b, label in (("6", "6"), (">=8", "≥ 8")):
        n = EVENTS[b][0]
        ours = SPANET[b][0] - CHI2[b][0]
        err = math.sqrt((SPANET[b][0] * (100 - SPANET[b][0]) + CHI2[b][0] * (100 - CHI2[b][0])) / n)
        talk = TALK["spanet"][b][0] - TALK["chi2"][b][0]
        row = f"| {label} | {ours:+.1f} ± {err:.1f} | {talk:+.1f} | {EVENTS[b][0]} / {EVENTS[b][1]} |"
        assert row in text
    assert "| 6 | +20.0 ± 6.3 | +18.9 | 100 / 20 |" in text  # sqrt((80*20 + 60*40) / 100) = 6.32
    assert "10 test events have no matchable top" in text


def test_the_verdict_follows_the_numbers():
    yes = render(indexed("chi2", CHI2), indexed("spanet", SPANET))
    assert "SPA-NET beats chi2 in event efficiency in every jet bin: **yes**." in yes
    worse = dict(SPANET, **{"7": (39.0, 75.0, 55.0)})  # below chi2's 40.0 in one bin
    no = render(indexed("chi2", CHI2), indexed("spanet", worse))
    assert "every jet bin: **no**." in no


def test_data_and_training_sections():
    generated = {"selected": 2000, "generated": 10000, "generation_seconds": 50.0,
                 "train_events": 1500, "val_events": 100, "test_events": 400}
    history = pd.DataFrame({"epoch": [1, 2, 3], "val_loss": [2.0, 1.25, 1.5], "seconds": [10.0, 11.0, 12.0]})
    text = render(indexed("chi2", CHI2), indexed("spanet", SPANET), generated, history)
    assert ("10000 events generated (200 events/s per core incl. detector and jets), 2000 selected (20.0 %); "
            "train / val / test = 1500 / 100 / 400.") in " ".join(text.split())
    assert "3 epochs (33 s); best validation loss 1.250 at epoch 2." in text
    user = {"selected": 300, "train_events": 200, "val_events": 40, "test_events": 60}
    text = render(indexed("chi2", CHI2), indexed("spanet", SPANET), user)
    assert "Your SPANet file, 300 events; train / val / test = 200 / 40 / 60." in text
    assert "## SPA-NET training" not in text


def test_write_report_links_its_figures(tmp_path):
    write_summary(tmp_path / "chi2.csv", "chi2", CHI2)
    write_summary(tmp_path / "spanet.csv", "spanet", SPANET)
    (tmp_path / "dataset.json").write_text(json.dumps({"selected": 300, "train_events": 200, "val_events": 40,
                                                       "test_events": 60}))
    pd.DataFrame({"epoch": [1, 2], "train_loss": [3.0, 2.0], "train_acc": [0.3, 0.5], "val_loss": [2.5, 2.25],
                  "val_acc": [0.3, 0.4], "seconds": [1.0, 1.0]}).to_csv(tmp_path / "history.csv", index=False)
    out = tmp_path / "report" / "report.md"
    out.parent.mkdir()
    text = write_report(tmp_path / "chi2.csv", tmp_path / "spanet.csv", out, tmp_path / "dataset.json",
                        tmp_path / "history.csv", tmp_path / "figures" / "eff.png", tmp_path / "figures" / "curves.png")
    assert out.read_text() == text
    assert "![efficiency by jet multiplicity](../figures/eff.png)" in text
    assert "![training curves](../figures/curves.png)" in text
    for name in ("eff.png", "curves.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_curves_need_the_history_and_nothing_is_written(tmp_path):
    write_summary(tmp_path / "chi2.csv", "chi2", CHI2)
    write_summary(tmp_path / "spanet.csv", "spanet", SPANET)
    with pytest.raises(ValueError, match="^--out-curves: needs --history$"):
        write_report(tmp_path / "chi2.csv", tmp_path / "spanet.csv", tmp_path / "report.md",
                     curves_png=tmp_path / "curves.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chi2.csv", "spanet.csv"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.drop(columns="top1_eff"), r"missing column\(s\) \['top1_eff'\]"),
    (lambda t: t.assign(method="spanet"), r"column method holds \['spanet'\], expected 'chi2'"),
    (lambda t: t[t.njets != "7"], r"column njets lacks bin\(s\) \['7'\]"),
])
def test_a_bad_summary_is_named(tmp_path, edit, message):
    path = tmp_path / "chi2.csv"
    edit(summary("chi2", CHI2)).to_csv(path, index=False)
    with pytest.raises(ValueError, match=f"^{path}: {message}$"):
        read_summary(path, "chi2")
    with pytest.raises(FileNotFoundError, match=f"^{tmp_path / 'none.csv'}: missing evaluation summary$"):
        read_summary(tmp_path / "none.csv", "chi2")


def test_a_history_without_accuracy_is_named(tmp_path):
    path = tmp_path / "history.csv"
    pd.DataFrame({"epoch": [1], "train_loss": [1.0], "val_loss": [1.0], "seconds": [1.0]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=rf"^{path}: missing column\(s\) \['train_acc', 'val_acc'\]$"):
        read_history(path)
