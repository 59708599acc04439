"""XOR: exact OR-gated-by-NAND construction, exhaustive single-unit bound, training demo."""

import torch

from attnphys.gating.capacity import gated_functions, threshold_functions
from attnphys.gating.xor import (
    XOR_INPUTS,
    XOR_TABLE,
    accuracy,
    best_threshold_agreement,
    fit_xor,
    gated_sigmoid_unit,
    nand_unit,
    or_unit,
    xor_by_gating,
    xor_demo,
    xor_seeds,
)

SEED = 20220201


def test_or_gated_by_nand_is_xor_on_all_four_inputs():
    assert XOR_INPUTS.tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]
    assert or_unit()(XOR_INPUTS).tolist() == [0, 1, 1, 1]
    assert nand_unit()(XOR_INPUTS).tolist() == [1, 1, 1, 0]
    assert xor_by_gating()(XOR_INPUTS).tolist() == [0, 1, 1, 0]
    assert accuracy(xor_by_gating()) == 1.0


def test_no_threshold_unit_exceeds_three_of_four():
    assert XOR_TABLE == 0b0110
    assert XOR_TABLE not in threshold_functions(2).tolist()
    assert best_threshold_agreement() == 3
    assert accuracy(or_unit()) == 0.75
    assert XOR_TABLE in gated_functions(2).tolist()


def test_gated_layer_learns_xor_for_ten_seeds_and_single_unit_cannot():
    torch.set_num_threads(1)
    gated, single = xor_demo(SEED, 10)
    assert [fit.accuracy for fit in gated] == [1.0] * 10
    assert max(fit.accuracy for fit in single) <= 0.75
    assert max(fit.loss for fit in gated) < min(fit.loss for fit in single)


def test_training_is_reproducible_from_the_seed():
    first = fit_xor(gated_sigmoid_unit(), 5, epochs=20).model.state_dict()
    second = fit_xor(gated_sigmoid_unit(), 5, epochs=20).model.state_dict()
    other = fit_xor(gated_sigmoid_unit(), 6, epochs=20).model.state_dict()
    for name, value in first.items():
        assert torch.equal(value, second[name])
    assert not all(torch.equal(value, other[name]) for name, value in first.items())


def test_derived_seeds_are_stable_and_distinct():
    seeds = xor_seeds(SEED, 10)
    assert seeds == xor_seeds(SEED, 10)
    assert len(set(seeds)) == 10
    assert seeds[:3] == xor_seeds(SEED, 3)
    assert xor_seeds(SEED + 1, 3) != seeds[:3]
