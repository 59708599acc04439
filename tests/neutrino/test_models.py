"""The three classifiers: exact parameter counts, the ablation's isolation, prong equivariance."""

import pytest
import torch

from attnphys.neutrino.models import build_model, model_sizes, parameter_count


def _model(name, params):
    return build_model(name, params, model_sizes(name, 4, 6, 5))


def _view_encoder(c, dim):
    return (26 * c) + (18 * c * c + 2 * c) + (72 * c * c + 4 * c) + (8 * c * dim + dim)


def _encoder_layer(d):
    return (3 * d * d + 3 * d) + (d * d + d) + (2 * d * d + 2 * d) + (2 * d * d + d) + 4 * d


@pytest.mark.parametrize("c,dim", [(8, 64), (4, 32)])
def test_parameter_counts(c, dim):
    cvn = _model("cvn", {"channels": c, "dim": dim})
    assert parameter_count(cvn) == 2 * _view_encoder(c, dim) + (2 * dim * dim + dim) + (dim * 4 + 4)
    expected = 2 * _view_encoder(c, dim // 2) + 2 * dim + 2 * _encoder_layer(dim) + (dim * 4 + 4) + (dim * 6 + 6)
    for name in ("transformer", "ablation"):
        model = _model(name, {"channels": c, "dim": dim, "heads": 4, "layers": 2})
        assert parameter_count(model) == expected


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    maps = torch.rand(3, 2, 100, 80, generator=g) * (torch.rand(3, 2, 100, 80, generator=g) > 0.97) * 40
    index = torch.randint(-1, 4, (3, 2, 100, 80), generator=g).to(torch.int8)
    return maps, torch.where(maps > 0, index, torch.full_like(index, -1))


def test_ablation_event_output_ignores_prongs_and_transformer_does_not():
    torch.manual_seed(0)
    maps, index = _inputs()
    other = torch.where(index == 1, torch.zeros_like(index), index)  # merge prong 1 into prong 0
    for name, isolated in (("ablation", True), ("transformer", False)):
        model = _model(name, {}).eval()
        with torch.no_grad():
            a, _ = model(maps, index)
            b, _ = model(maps, other)
        assert torch.allclose(a, b, atol=1e-5) == isolated


def test_prong_outputs_follow_a_permutation_of_prongs():
    torch.manual_seed(1)
    model = _model("transformer", {}).eval()
    maps, index = _inputs(2)
    perm = torch.tensor([2, 0, 3, 1, 4])  # prong k becomes prong perm[k]
    permuted = torch.where(index >= 0, perm[index.long().clamp(min=0)], -1).to(torch.int8)
    with torch.no_grad():
        e1, p1 = model(maps, index)
        e2, p2 = model(maps, permuted)
    assert torch.allclose(e1, e2, atol=1e-5)
    assert torch.allclose(p1[:, :4], p2[:, perm[:4]], atol=1e-5)


def test_attention_maps_are_distributions_over_existing_tokens():
    from attnphys.neutrino.models import attention_maps

    torch.manual_seed(3)
    model = _model("transformer", {})
    maps, index = _inputs(4)
    att = attention_maps(model, maps, index)
    assert att.shape == (2, 3, 6, 6)
    assert torch.allclose(att.sum(-1), torch.ones(2, 3, 6), atol=1e-5)
    assert (att[..., 5] == 0).all()  # prong 4 does not exist (indices only 0..3)


def test_unknown_or_data_set_keys_are_refused_with_the_config_key():
    with pytest.raises(ValueError, match="neutrino.model_params.cvn.*heads"):
        _model("cvn", {"heads": 4})
    with pytest.raises(ValueError, match="neutrino.model_params.ablation.*max_prongs"):
        _model("ablation", {"max_prongs": 3})
    assert model_sizes("cvn", 4, 6, 5) == {"n_classes": 4}
