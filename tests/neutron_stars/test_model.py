"""Star-set network: permutation invariance and size."""

import torch

from attnphys.neutron_stars.models import StarSetRegressor


def _expected_parameters(d: int, ff: int, layers: int, outputs: int) -> int:
    embed = (2 * d + d) + (d * d + d)
    attention = 3 * d * d + 3 * d + d * d + d
    block = attention + (d * ff + ff) + (ff * d + d) + 2 * 2 * d
    head = 2 * d + (d * d + d) + (d * outputs + outputs)
    return embed + layers * block + d + attention + head


def test_parameter_count():
    model = StarSetRegressor(2, d_model=64, n_heads=4, n_layers=2, d_ff=128)
    assert sum(p.numel() for p in model.parameters()) == _expected_parameters(64, 128, 2, 2)


def test_permuting_stars_leaves_the_output_unchanged():
    torch.manual_seed(0)
    model = StarSetRegressor(4, d_model=32, n_heads=4, n_layers=2, d_ff=64).eval()
    with torch.no_grad():
        model.query.normal_()  # a non-trivial pooling query
        stars = torch.randn(6, 5, 2)
        out = model(stars)
        for _ in range(3):
            perm = torch.randperm(5)
            torch.testing.assert_close(model(stars[:, perm]), out, rtol=1e-5, atol=1e-5)
        assert out.shape == (6, 4)
        assert not torch.allclose(model(stars[:, :3]), out)  # the stars do matter
