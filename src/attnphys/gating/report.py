"""The gating report: the capacity table, the XOR demo and its figure as one markdown page."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

from attnphys.files import atomic_path
from attnphys.gating.capacity import CAPACITY_COLUMNS, muroga_bound
from attnphys.markdown import markdown_table
from attnphys.validate.tables import read_csv_columns

XOR_KEYS = (
    "seed", "epochs", "lr", "inputs", "best_threshold_agreement", "construction", "gated", "single"
)


def read_capacity(path: str | os.PathLike) -> pd.DataFrame:
    """Capacity CSV, checked for its columns and for missing values."""
    table = read_csv_columns(path, CAPACITY_COLUMNS, "capacity table")
    for column in CAPACITY_COLUMNS:
        if table[column].isna().any():
            raise ValueError(f"capacity table {path}: column {column!r} has missing or NaN values")
    return table


def read_xor(path: str | os.PathLike) -> dict:
    """XOR demo summary JSON, checked for its keys."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"XOR summary {path}: no such file")
    try:
        summary = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"XOR summary {path}: not valid JSON ({err})") from err
    missing = [k for k in XOR_KEYS if k not in summary]
    if missing:
        raise ValueError(f"XOR summary {path}: missing key(s) {missing}")
    return summary


def _capacity_markdown(table: pd.DataFrame) -> str:
    header = ["n", "weight bound B", "threshold", "gated", "all 2^(2^n)", "C threshold", "C gated", "C all = 2^n"]
    rows = [
        [row.n, muroga_bound(row.n), row.threshold, row.gated, row.all, f"{row.capacity_threshold:.3f}",
         f"{row.capacity_gated:.3f}", 2**row.n]
        for row in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def _accuracy_line(fits: list[dict]) -> str:
    accuracies = [f["accuracy"] for f in fits]
    perfect = sum(a == 1.0 for a in accuracies)
    return (
        f"{perfect}/{len(fits)} seeds at 100%; accuracy min {min(accuracies):.0%}, "
        f"max {max(accuracies):.0%}"
    )


def write_report(
    capacity_csv: str | os.PathLike,
    xor_json: str | os.PathLike,
    figure: str | os.PathLike,
    out: str | os.PathLike,
) -> str:
    """Markdown report: capacity table, XOR results and figure, and the formulas behind them."""
    table = read_capacity(capacity_csv)
    xor = read_xor(xor_json)
    figure = Path(figure)
    if not figure.is_file():
        raise FileNotFoundError(f"XOR figure {figure}: no such file")
    figure_link = os.path.relpath(figure, Path(out).parent)
    construction = xor["construction"]
    largest = table.iloc[-1]
    text = f"""# Attention as gating

Baldi and Vershynin, "The Quarks of Attention" (arXiv:2202.08371): attention is gating, the
product of neuronal outputs. Output gating replaces O_i by O_i O_k; synaptic gating replaces a
weight w_ij by w_ij O_k. Softmax attention is a dot product O = sum_i v_i x_i whose gates
v_i = exp(y_i) / sum_j exp(y_j) come from a softmax layer; with y = Q K^T / sqrt(d) this is
softmax(Q K^T / sqrt(d)) V, and `attnphys.gating.layers.softmax_attention` built this way
equals `torch.nn.functional.scaled_dot_product_attention` (tests/gating/test_layers.py).

## XOR in a single layer

No single threshold unit H(w.x + b) computes XOR: over all 14 threshold functions of two
inputs the best agrees with XOR on {xor['best_threshold_agreement']} of the 4 inputs. With gating,
XOR = OR gated by NAND, OR = H(x1 + x2 - 0.5), NAND = H(1.5 - x1 - x2):

""" + markdown_table(
        ["x1, x2", "OR", "NAND", "OR * NAND"],
        [[f"{x[0]}, {x[1]}", o, a, p]
         for x, o, a, p in zip(xor["inputs"], construction["or"], construction["nand"], construction["xor"])],
    ) + f"""

Training from the four XOR points through the project's training engine ({xor['epochs']}
full-batch AdamW steps without weight decay, learning rate {xor['lr']} with cosine decay to
{xor.get('min_lr_frac', 0)} of it, binary cross-entropy, {len(xor['gated'])} seeds derived from master seed {xor['seed']}):

- gated layer sigmoid(w.x + b) * sigmoid(u.x + c): {_accuracy_line(xor['gated'])};
- single unit sigmoid(w.x + b): {_accuracy_line(xor['single'])} (at most 75%, since
  thresholding it at 1/2 gives a threshold unit).

![Decision regions of gated and single units on XOR]({figure_link})

Top: the exact gated construction and the trained gated layer (first seed). Bottom: OR, one of
the best single threshold units (3 of 4 inputs), and the trained single sigmoid unit (first
seed), whose cross-entropy optimum on XOR is the constant 1/2. Colours: unit output; black
line: output 1/2; filled dots: XOR = 1, open dots: XOR = 0.

## Capacity

C(A) = log2 |A| for a class A of Boolean functions of n inputs. "threshold" counts the
functions of one linear threshold unit (exact enumeration of integer weights and threshold
with |w_i| <= B = floor((n+1)^((n+1)/2) / 2^n), the bound of Muroga, Toda and Takasu 1961,
which suffices for every threshold function; OEIS A000609). "gated" counts the functions of
one threshold unit output-gated by another on the same inputs, i.e. the set of products
f g = f AND g of two threshold functions, by exhaustive pairing of truth tables.

{_capacity_markdown(table)}

For n = {int(largest.n)} output gating raises the capacity from {largest.capacity_threshold:.2f} to
{largest.capacity_gated:.2f} bits (of {2 ** int(largest.n)} for all functions). Asymptotically one
threshold unit has capacity n^2 (1 + o(1)) and the gated pair 2 n^2 (1 + o(1)) (Zuev 1989;
Baldi and Vershynin): gating doubles the leading term within a single layer.
"""
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return text


def _run(args: argparse.Namespace) -> None:
    write_report(args.capacity, args.xor, args.figure, args.out)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("report", help="markdown report of the gating area")
    p.add_argument("--capacity", type=Path, required=True, help="capacity CSV of `attnphys gating capacity`")
    p.add_argument("--xor", type=Path, required=True, help="XOR summary JSON of `attnphys gating xor`")
    p.add_argument("--figure", type=Path, required=True, help="XOR decision-region PNG of `attnphys gating xor`")
    p.add_argument("--out", type=Path, required=True, help="report markdown to write")
    p.set_defaults(func=_run)
