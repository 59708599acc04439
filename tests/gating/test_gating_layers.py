"""Gating layers: output and synaptic gating, softmax attention as a gated dot product."""

import pytest
import torch
from torch.nn.functional import scaled_dot_product_attention

from attnphys.gating.capacity import input_points, pack_tables, threshold_functions
from attnphys.gating.layers import (
    OutputGating,
    SigmoidUnit,
    SynapticGating,
    ThresholdUnit,
    gated_dot_product,
    softmax_attention,
    softmax_gates,
)


def qkv(seed, batch=(2, 3), lq=5, lk=7, d=4, dv=6):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(*batch, lq, d, generator=g, dtype=torch.float64),
        torch.randn(*batch, lk, d, generator=g, dtype=torch.float64),
        torch.randn(*batch, lk, dv, generator=g, dtype=torch.float64),
    )


def test_softmax_attention_equals_sdpa_without_mask():
    q, k, v = qkv(0)
    torch.testing.assert_close(softmax_attention(q, k, v), scaled_dot_product_attention(q, k, v))


def test_softmax_attention_equals_sdpa_with_boolean_mask():
    q, k, v = qkv(1)
    g = torch.Generator().manual_seed(2)
    mask = torch.rand(2, 1, 5, 7, generator=g) > 0.5
    mask[..., 3] = True  # every query attends somewhere
    ours = softmax_attention(q, k, v, mask)
    torch.testing.assert_close(ours, scaled_dot_product_attention(q, k, v, attn_mask=mask))
    # A masked key's value has no influence on the output.
    blocked = (~mask[0, 0, 0]).nonzero()[0, 0]
    v2 = v.clone()
    v2[0, :, blocked] += 100.0
    torch.testing.assert_close(softmax_attention(q, k, v2, mask)[0, :, 0], ours[0, :, 0])


def test_softmax_attention_equals_sdpa_causal_and_gradients():
    q, k, v = (t.requires_grad_() for t in qkv(3, lq=6, lk=6))
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    ours = softmax_attention(q, k, v, causal)
    reference = scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(ours, reference)
    grads = torch.autograd.grad(ours.square().sum(), (q, k, v))
    reference_grads = torch.autograd.grad(reference.square().sum(), (q, k, v))
    for ours_grad, reference_grad in zip(grads, reference_grads):
        torch.testing.assert_close(ours_grad, reference_grad)


def test_softmax_gates_are_a_distribution_and_respect_mask():
    scores = torch.randn(4, 5, dtype=torch.float64)
    mask = torch.ones(4, 5, dtype=torch.bool)
    mask[:, 1] = False
    gates = softmax_gates(scores, mask)
    torch.testing.assert_close(gates.sum(-1), torch.ones(4, dtype=torch.float64))
    assert torch.all(gates[:, 1] == 0)


def test_gated_dot_product_is_sum_of_gated_values():
    gates = torch.tensor([[0.25, 0.75]], dtype=torch.float64)
    values = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    expected = torch.tensor([[2.5, 3.5]], dtype=torch.float64)
    torch.testing.assert_close(gated_dot_product(gates, values), expected)


def test_output_gating_of_threshold_units_is_logical_and():
    x = torch.tensor(input_points(2), dtype=torch.float32)
    layer = OutputGating(ThresholdUnit([1.0, 0.0], -0.5), ThresholdUnit([0.0, -1.0], 0.5))
    out = layer(x)
    assert out.tolist() == [0.0, 1.0, 0.0, 0.0]  # x1 AND NOT x2
    assert int(pack_tables(out.numpy()[None] > 0)[0]) in threshold_functions(2).tolist()


def test_output_gating_multiplies_unit_outputs():
    torch.manual_seed(0)
    gated, gating = SigmoidUnit(3), SigmoidUnit(3)
    x = torch.randn(10, 3)
    torch.testing.assert_close(OutputGating(gated, gating)(x), gated(x) * gating(x))


def test_synaptic_gating_with_unit_gates_is_an_ordinary_layer():
    torch.manual_seed(1)
    layer = SynapticGating(4, 3)
    x = torch.randn(8, 4)
    expected = torch.sigmoid(layer.linear(x))
    torch.testing.assert_close(layer(x, torch.ones(3, 4)), expected)


def test_synaptic_gating_of_single_outgoing_synapse_equals_output_gating():
    # Unit i = 2 feeds one synapse only (to output unit 0): gating that synapse by O_k
    # is the same as gating unit i's output by O_k.
    torch.manual_seed(2)
    layer = SynapticGating(4, 1)
    activities = torch.rand(16, 4)
    gating_output = torch.rand(16)
    gate = torch.ones(16, 1, 4)
    gate[:, 0, 2] = gating_output
    output_gated = activities.clone()
    output_gated[:, 2] = activities[:, 2] * gating_output
    torch.testing.assert_close(layer(activities, gate), torch.sigmoid(layer.linear(output_gated)))


def test_synaptic_gating_gradient_reaches_the_gate():
    layer = SynapticGating(2, 2)
    gate = torch.full((2, 2), 0.5, requires_grad=True)
    layer(torch.ones(1, 2), gate).sum().backward()
    assert gate.grad is not None and torch.all(gate.grad != 0)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_threshold_unit_accepts_batches(shape):
    unit = ThresholdUnit([1.0, 1.0, 1.0], -1.5)
    x = torch.ones(*shape)
    assert torch.all(unit(x) == 1.0)
