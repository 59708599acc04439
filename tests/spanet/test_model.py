"""SPA-NET: exact q1 <-> q2 symmetry, permutation equivariance, masking, greedy assignment."""

from __future__ import annotations

import math

import pytest
import torch

from attnphys.spanet.models import (
    SpaNet,
    SymmetricTensorAttention,
    assign,
    continuous_features,
    jet_features,
    matching_loss,
)


@pytest.fixture
def batch(rng, make_events):
    torch.manual_seed(0)
    data = make_events(6, 9, rng)
    x = torch.from_numpy(jet_features(data))
    mask = torch.from_numpy(data.mask)
    model = SpaNet(dim=16, heads=2, layers=2)
    model.scale.fit(continuous_features(jet_features(data), data.mask))
    model.eval()
    return model, x, mask, data


def test_swapping_q1_q2_leaves_o_unchanged_exactly():
    torch.manual_seed(1)
    att = SymmetricTensorAttention(8)
    o = att(torch.randn(3, 7, 8))
    assert torch.equal(o, o.transpose(1, 2))
    assert not torch.equal(o, o.transpose(1, 3))  # b is not symmetric with q


def test_tensor_attention_is_the_contraction_with_symmetrised_theta():
    torch.manual_seed(2)
    att = SymmetricTensorAttention(4)
    x = torch.randn(2, 5, 4, dtype=torch.float64)
    att = att.double()
    s = 0.5 * (att.theta + att.theta.transpose(0, 1))
    expect = torch.einsum("bin,bjm,bkl,nml->bijk", x, x, x, s)
    torch.testing.assert_close(att(x), expect)


def test_permuting_jets_permutes_the_output(batch):
    model, x, mask, _ = batch
    perm = torch.randperm(x.shape[1])
    with torch.no_grad():
        lp = model(x, mask)
        lp_perm = model(x[:, perm], mask[:, perm])
    expect = lp[:, :, perm][:, :, :, perm][:, :, :, :, perm]
    finite = torch.isfinite(expect)
    assert torch.equal(finite, torch.isfinite(lp_perm))
    torch.testing.assert_close(lp_perm[finite], expect[finite], atol=1e-4, rtol=1e-4)


def test_masked_entries_get_zero_probability(batch):
    model, x, mask, _ = batch
    with torch.no_grad():
        p = model(x, mask).exp()
    j = x.shape[1]
    idx = torch.arange(j)
    assert (p[:, :, idx, idx, :] == 0).all() and (p[:, :, :, idx, idx] == 0).all()
    assert (p[:, :, idx, :, idx] == 0).all()
    pad = ~mask
    assert (p.permute(0, 2, 1, 3, 4)[pad] == 0).all()  # padded q1
    assert (p.permute(0, 4, 1, 2, 3)[pad] == 0).all()  # padded b
    torch.testing.assert_close(p.flatten(2).sum(-1), torch.ones(x.shape[0], 2))


def test_assignment_never_reuses_a_jet(rng):
    logp = torch.randn(200, 2, 7, 7, 7)
    # Make both branches prefer the same triplet so the second must move away from it.
    logp[:, :, 1, 2, 3] += 20
    out = assign(logp)
    assert (out >= 0).all()
    for ev in out.tolist():
        assert len(set(ev[0]) | set(ev[1])) == 6
    # Where a branch was clearly preferred first, it kept its best triplet (b, q1, q2).
    assert ((out == torch.tensor([3, 1, 2])).all(-1).sum(-1) == 1).all()


def test_assignment_of_a_trained_shape_model_respects_masks(batch):
    model, x, mask, _ = batch
    with torch.no_grad():
        out = assign(model(x, mask))
    for ev in range(x.shape[0]):
        jets = out[ev].flatten().tolist()
        assert len(set(jets)) == 6 and all(mask[ev, j] for j in jets)


def test_loss_takes_the_better_top_ordering():
    j = 6
    logp = torch.full((1, 2, j, j, j), -10.0)
    logp[0, 0, 4, 5, 3] = -0.1  # branch 1 predicts top 2 (b=3, q=4,5)
    logp[0, 1, 1, 2, 0] = -0.2  # branch 2 predicts top 1
    targets = torch.tensor([[[0, 1, 2], [3, 4, 5]]])
    torch.testing.assert_close(matching_loss(logp, targets), torch.tensor(0.3))
    targets[0, 1, 1] = -1  # top 2 unmatchable: only top 1 counts, through its best branch
    torch.testing.assert_close(matching_loss(logp, targets), torch.tensor(0.2))


def test_model_learns_a_simple_rule():
    """Tops as b-tagged jets with two nearby untagged ones: a few steps cut the loss by half."""
    torch.manual_seed(3)
    n, j = 64, 7
    x = torch.zeros(n, j, 5)
    x[..., 0] = torch.rand(n, j) * 50 + 30
    x[..., 3] = torch.rand(n, j) * 10 + 5
    centre = torch.rand(n, 1) * 2 * math.pi - math.pi
    x[:, :3, 2] = centre + 0.3 * torch.randn(n, 3)
    x[:, 3:6, 2] = centre + math.pi + 0.3 * torch.randn(n, 3)
    x[:, 6, 2] = centre[:, 0] + math.pi / 2
    x[..., 2] = torch.remainder(x[..., 2] + math.pi, 2 * math.pi) - math.pi
    x[..., 1] = 0.3 * torch.randn(n, j)
    x[:, [0, 3], 4] = 1
    mask = torch.ones(n, j, dtype=torch.bool)
    targets = torch.tensor([[0, 1, 2], [3, 4, 5]]).expand(n, 2, 3)
    model = SpaNet(dim=16, heads=2, layers=1, augment=False)
    model.scale.fit(continuous_features(x.numpy(), mask.numpy()))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = matching_loss(model(x, mask), targets).item()
    for _ in range(60):
        opt.zero_grad()
        loss = matching_loss(model(x, mask), targets)
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
