"""Exact capacity counts of one threshold unit and of two output-gated threshold units.

A Boolean function of ``n`` inputs is stored as its truth table, an integer whose bit ``r``
is the value at the input ``x`` with ``x_i = (r >> i) & 1``. The capacity of a class A of
functions is C(A) = log2 |A| (Baldi and Vershynin, "The Quarks of Attention",
arXiv:2202.08371).

Threshold functions are enumerated exactly. Write the inputs as spins ``s = 2x - 1`` (an
affine change of variables, so the class of functions is unchanged) and the unit as
``[w0 + w.s > 0]``. By the bound of Muroga, Toda and Takasu (J. Franklin Inst. 271 (1961)
376; S. Muroga, "Threshold Logic and its Applications", Wiley 1971) every threshold function
of n inputs has a realisation with integers ``|w_i| <= B = (n+1)^((n+1)/2) / 2^n``, the
threshold ``w0`` included. Proof in spin form: the separability LP
``y_k (w0 + w.s_k) >= 1`` has a vertex fixed by n+1 tight rows; Cramer's rule writes it as
ratios of determinants of (n+1)x(n+1) matrices of +-1, each at most ``(n+1)^((n+1)/2)``
(Hadamard) and divisible by 2^n; rescaling by |denominator| / 2^n gives integers within B
that keep every sign. Every integer vector in the box gives a threshold function and every
threshold function appears, so the enumeration is exact.
The counts are OEIS A000609: 4, 14, 104, 1882, 94572 for n = 1..5.

Output gating of one threshold unit by another on the same inputs, ``O = O_1 O_2`` with
``O_1, O_2`` in {0, 1}, realises exactly the pairwise ANDs ``{f & g : f, g threshold}``.
The stage ``attnphys gating capacity`` (:func:`write_capacity`) writes these counts as a CSV.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.files import atomic_path

# Truth tables are uint64 (2^n <= 64 bits); the enumeration box (2B+1)^(n+1) and the
# 2^(2^n)-entry membership map of the gated class are what limit n in practice.
MAX_THRESHOLD_N = 5
MAX_GATED_N = 4
CAPACITY_COLUMNS = ["n", "threshold", "gated", "all", "capacity_threshold", "capacity_gated"]


def _check_n(n: int, limit: int, what: str) -> None:
    if not 1 <= n <= limit:
        raise ValueError(f"{what}: number of inputs n={n} must be in 1..{limit}")


def muroga_bound(n: int) -> int:
    """B = floor((n+1)^((n+1)/2) / 2^n), exactly: floor(floor(sqrt(N)) / m) = floor(sqrt(N) / m)."""
    return math.isqrt((n + 1) ** (n + 1)) // 2**n


def input_points(n: int) -> np.ndarray:
    """All 2^n inputs in {0, 1}^n, row ``r`` being the input of truth-table bit ``r``."""
    rows = np.arange(2**n)[:, None]
    return ((rows >> np.arange(n)) & 1).astype(np.int8)


def pack_tables(values: np.ndarray) -> np.ndarray:
    """Truth tables (uint64) from a boolean array of shape (functions, 2^n)."""
    values = np.asarray(values, dtype=bool)
    packed = np.packbits(values, axis=1, bitorder="little")
    padded = np.zeros((packed.shape[0], 8), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view("<u8").ravel().astype(np.uint64)


def unpack_tables(tables: np.ndarray, n: int) -> np.ndarray:
    """Boolean array of shape (functions, 2^n) from truth tables; inverse of pack_tables."""
    tables = np.asarray(tables, dtype=np.uint64)
    return ((tables[:, None] >> np.arange(2**n, dtype=np.uint64)) & np.uint64(1)).astype(bool)


def threshold_functions(n: int, chunk: int = 1 << 16, progress: bool = False) -> np.ndarray:
    """Sorted truth tables of all threshold functions of n inputs (exact, see module doc)."""
    _check_n(n, MAX_THRESHOLD_N, "threshold_functions")
    bound = muroga_bound(n)
    base = 2 * bound + 1
    total = base ** (n + 1)
    design = np.concatenate(
        [np.ones((2**n, 1), np.int32), 2 * input_points(n).astype(np.int32) - 1], axis=1
    )
    radix = base ** np.arange(n + 1, dtype=np.int64)
    found = []
    for start in tqdm(range(0, total, chunk), desc=f"threshold n={n}", disable=not progress):
        index = np.arange(start, min(start + chunk, total), dtype=np.int64)
        weights = ((index[:, None] // radix) % base - bound).astype(np.int32)
        found.append(np.unique(pack_tables(weights @ design.T > 0)))
    return np.unique(np.concatenate(found))


def is_separable(ones: np.ndarray, zeros: np.ndarray) -> bool:
    """Linear-programming test: is there (w0, w) with ``w0 + w.x >= 1`` on every row of ``ones``
    and ``<= -1`` on every row of ``zeros`` (points in {0, 1}^n, as spins internally)?"""
    from scipy.optimize import linprog  # only the LP cross-checks need scipy

    ones = 2.0 * np.asarray(ones, dtype=float) - 1
    zeros = 2.0 * np.asarray(zeros, dtype=float) - 1
    n = max(ones.shape[-1], zeros.shape[-1])
    points = np.concatenate([ones.reshape(-1, n), zeros.reshape(-1, n)])
    labels = np.concatenate([np.ones(len(ones)), -np.ones(len(zeros))])
    design = np.concatenate([np.ones((len(points), 1)), points], axis=1)
    result = linprog(
        c=np.zeros(n + 1),
        A_ub=-labels[:, None] * design,
        b_ub=-np.ones(len(points)),
        bounds=[(None, None)] * (n + 1),
        method="highs",
    )
    if result.status not in (0, 2):
        raise RuntimeError(f"separability LP on {len(points)} points: {result.message}")
    return result.status == 0


def is_linearly_separable(table: int, n: int) -> bool:
    """Whether the function with truth table ``table`` is a threshold function (by LP)."""
    values = unpack_tables(np.array([table], np.uint64), n)[0]
    points = input_points(n)
    return is_separable(points[values], points[~values])


def gated_membership(threshold: np.ndarray, n: int, block: int = 1 << 22) -> np.ndarray:
    """Boolean map over all 2^(2^n) tables: True where the table is ``f & g`` for two tables
    f, g of ``threshold`` (pairs i <= j, in blocks of about ``block`` products)."""
    _check_n(n, MAX_GATED_N, "gated_membership")
    member = np.zeros(2 ** (2**n), dtype=bool)
    threshold = np.asarray(threshold, dtype=np.uint64)
    rows = max(1, block // len(threshold))
    for start in range(0, len(threshold), rows):
        products = threshold[start : start + rows, None] & threshold[None, start:]
        member[products.ravel().astype(np.intp)] = True
    return member


def gated_functions(n: int) -> np.ndarray:
    """Sorted truth tables realisable as the product of two threshold units on n inputs."""
    return np.flatnonzero(gated_membership(threshold_functions(n), n)).astype(np.uint64)


def capacity_table(max_n: int, progress: bool = False) -> pd.DataFrame:
    """Per n: |T_n| (one threshold unit), |A_n| (two output-gated units), 2^(2^n), and the
    capacities log2 |T_n| and log2 |A_n|."""
    _check_n(max_n, MAX_GATED_N, "capacity_table max_n")
    rows = []
    for n in tqdm(range(1, max_n + 1), desc="capacity", disable=not progress):
        threshold = threshold_functions(n)
        gated = int(np.count_nonzero(gated_membership(threshold, n)))
        rows.append(
            {
                "n": n,
                "threshold": len(threshold),
                "gated": gated,
                "all": 2 ** (2**n),
                "capacity_threshold": math.log2(len(threshold)),
                "capacity_gated": math.log2(gated),
            }
        )
    return pd.DataFrame(rows, columns=CAPACITY_COLUMNS)


def write_capacity(max_n: int, out: str | os.PathLike, progress: bool = True) -> pd.DataFrame:
    """Exact counts for n = 1..max_n written to ``out`` (CSV with CAPACITY_COLUMNS)."""
    if not 1 <= max_n <= MAX_GATED_N:
        raise ValueError(f"gating.max_n (--max-n) = {max_n}: must be in 1..{MAX_GATED_N}")
    table = capacity_table(max_n, progress=progress)
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    return table


def _run(args: argparse.Namespace) -> None:
    write_capacity(args.max_n, args.out)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("capacity", help="exact counts of threshold and output-gated Boolean functions")
    p.add_argument("--max-n", type=int, required=True, help=f"largest number of inputs (1..{MAX_GATED_N})")
    p.add_argument("--out", type=Path, required=True, help="capacity CSV to write")
    p.set_defaults(func=_run)
