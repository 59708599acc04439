"""Exact capacity counts: threshold functions (OEIS A000609) and output-gated pairs."""

import itertools
import math

import numpy as np
import pytest

from attnphys.gating.capacity import (
    capacity_table,
    gated_functions,
    input_points,
    is_linearly_separable,
    is_separable,
    muroga_bound,
    pack_tables,
    threshold_functions,
    unpack_tables,
)

A000609 = {1: 4, 2: 14, 3: 104, 4: 1882}


def symmetry_images(tables: np.ndarray, n: int) -> list[np.ndarray]:
    """Tables after every permutation of the inputs and every negation of one input."""
    values = unpack_tables(tables, n)
    points = input_points(n)
    weights = 1 << np.arange(n)
    images = []
    for order in itertools.permutations(range(n)):
        images.append(pack_tables(values[:, points[:, list(order)] @ weights]))
    for i in range(n):
        flipped = points.copy()
        flipped[:, i] ^= 1
        images.append(pack_tables(values[:, flipped @ weights]))
    return images


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_threshold_counts_are_oeis_a000609(n):
    tables = threshold_functions(n)
    assert len(tables) == A000609[n]
    assert np.all(np.diff(tables.astype(np.int64)) > 0)


def test_muroga_bound_values_and_definition():
    assert [muroga_bound(n) for n in range(1, 7)] == [1, 1, 2, 3, 6, 14]
    for n in range(1, 8):
        bound = muroga_bound(n)
        assert (bound * 2**n) ** 2 <= (n + 1) ** (n + 1) < ((bound + 1) * 2**n) ** 2


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(3)
    tables = rng.integers(0, 2**16, size=50, dtype=np.uint64)
    assert np.array_equal(pack_tables(unpack_tables(tables, 4)), tables)
    assert unpack_tables(np.array([0b0110], np.uint64), 2).tolist() == [[False, True, True, False]]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_enumeration_equals_lp_separability_on_every_function(n):
    separable = [t for t in range(2 ** (2**n)) if is_linearly_separable(t, n)]
    assert separable == threshold_functions(n).tolist()


def test_enumeration_agrees_with_lp_on_n4_sample():
    threshold = threshold_functions(4)
    rng = np.random.default_rng(20220201)
    sample = np.concatenate(
        [rng.integers(0, 2**16, size=120), rng.choice(threshold, size=40, replace=False)]
    )
    members = set(threshold.tolist())
    for table in sample.tolist():
        assert is_linearly_separable(table, 4) == (table in members), hex(table)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_threshold_class_closed_under_complement_and_input_symmetries(n):
    tables = threshold_functions(n)
    full = np.uint64(2 ** (2**n) - 1)
    assert np.array_equal(np.sort(tables ^ full), tables)
    for image in symmetry_images(tables, n):
        assert np.array_equal(np.sort(image), tables)


def test_gated_counts():
    assert [len(gated_functions(n)) for n in (1, 2, 3, 4)] == [4, 16, 246, 32506]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_gated_class_contains_threshold_and_is_symmetric(n):
    gated = gated_functions(n)
    assert set(threshold_functions(n).tolist()) <= set(gated.tolist())
    for image in symmetry_images(gated, n):
        assert np.array_equal(np.sort(image), gated)


def _intersection_of_two_halfspaces(table: int, n: int) -> bool:
    """Independent test of gated realisability: split the zeros of ``table`` into two parts,
    each linearly separable from its ones (by LP)."""
    values = unpack_tables(np.array([table], np.uint64), n)[0]
    points = input_points(n)
    ones, zeros = points[values], points[~values]
    for mask in range(2 ** (len(zeros) - 1) if len(zeros) else 1):
        side = ((mask >> np.arange(len(zeros))) & 1).astype(bool)
        if is_separable(ones, zeros[side]) and is_separable(ones, zeros[~side]):
            return True
    return False


def test_gated_n3_agrees_with_halfspace_intersection_lp():
    gated = set(gated_functions(3).tolist())
    missing = [t for t in range(256) if t not in gated]
    assert 0b10010110 in missing and 0b01101001 in missing  # 3-parity and its complement
    assert not any(_intersection_of_two_halfspaces(t, 3) for t in missing)
    rng = np.random.default_rng(7)
    present = rng.choice(sorted(gated - set(threshold_functions(3).tolist())), 12, replace=False)
    assert all(_intersection_of_two_halfspaces(int(t), 3) for t in present)


def test_capacity_table_columns_and_values():
    table = capacity_table(3)
    assert list(table.columns) == [
        "n", "threshold", "gated", "all", "capacity_threshold", "capacity_gated"
    ]
    assert table["threshold"].tolist() == [4, 14, 104]
    assert table["gated"].tolist() == [4, 16, 246]
    assert table["all"].tolist() == [4, 16, 256]
    assert table["capacity_threshold"].tolist() == pytest.approx([2.0, math.log2(14), math.log2(104)])
    assert table["capacity_gated"].tolist() == pytest.approx([2.0, 4.0, math.log2(246)])


def test_bad_n_is_rejected():
    with pytest.raises(ValueError, match="n=6"):
        threshold_functions(6)
    with pytest.raises(ValueError, match="max_n"):
        capacity_table(0)
