"""Tests of vaal_core.drn: the DRN-D-22 layout, shapes, the trunk/head split and that it can learn."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from vaal_core.data.segmentation import STREET_CLASSES, make_street_scenes
from vaal_core.drn import DRN, DilatedBlock
from vaal_core.models import scaled

WIDTH = 1 / 8  # small enough for CPU tests, the same layout as width 1


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # These convolutions are far too small to gain from a second thread, and on a machine whose cores
    # another process keeps busy, two OpenMP threads made the training test ~100× slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return DRN(num_classes=5, width=WIDTH)


@pytest.mark.parametrize("hw", [(64, 64), (64, 128), (40, 24)])
def test_output_trunk_and_embedding_shapes(model, hw):
    x = torch.randn(2, 3, *hw)
    model.eval()
    with torch.no_grad():
        assert model(x).shape == (2, 5, *hw)
        # output stride 8
        assert model.trunk(x).shape == (2, scaled(512, WIDTH), hw[0] // 8, hw[1] // 8)
        assert model.embed(x).shape == (2, scaled(512, WIDTH))


def test_input_size_must_be_a_multiple_of_8(model):
    with pytest.raises(ValueError, match="multiples of 8"):
        model(torch.randn(1, 3, 60, 64))


def test_forward_is_the_trunk_then_the_stochastic_head_in_eval_mode(model):
    x = torch.randn(2, 3, 32, 48)
    model.eval()
    with torch.no_grad():
        out = model(x)
        h = model.trunk(x)
        assert torch.allclose(out, model.stochastic_head(h, x.shape[-2:]), atol=1e-6)
        assert torch.allclose(out, model.stochastic_head(h), atol=1e-6)  # default size: 8 × h's size
        assert torch.allclose(model.embed(x), h.mean(dim=(2, 3)), atol=1e-6)
        assert model.stochastic_head(h, (16, 24)).shape == (2, 5, 16, 24)


def _convs(module):
    return [m for m in module.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]


def test_drn_d_22_layout(model):
    levels = model.levels
    assert len(levels) == 8
    first = [m for m in levels[0].modules() if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in first] == [(7, 7), (3, 3)] and first[0].out_channels == scaled(16, WIDTH)
    # levels 3–6: two residual blocks each; levels 7–8: plain convolutions, no residual
    for i in (2, 3, 4, 5):
        assert [type(b) for b in levels[i]] == [DilatedBlock, DilatedBlock]
    assert not any(isinstance(m, DilatedBlock) for m in list(levels[6].modules()) + list(levels[7].modules()))
    # down-sampling in levels 2, 3, 4 only; dilations 2, 4, 2, 1 in levels 5–8
    for i, stride in enumerate([1, 2, 2, 2, 1, 1, 1, 1]):
        assert max(c.stride[0] for c in _convs(levels[i])) == stride
    for i, dilation in zip((4, 5, 6, 7), (2, 4, 2, 1)):
        assert {c.dilation for c in _convs(levels[i])} == {(dilation, dilation)}
    channels = [_convs(level)[-1].out_channels for level in levels]
    assert channels == [scaled(c, WIDTH) for c in (16, 32, 64, 128, 256, 512, 512, 512)]


def test_width_multiplies_the_channels():
    def params(m):
        return sum(p.numel() for p in m.parameters())

    quarter, eighth = DRN(width=1 / 4), DRN(width=1 / 8)
    assert quarter.out_channels == 128 and eighth.out_channels == 64
    assert params(quarter) > 3 * params(eighth)
    assert DRN(width=1).out_channels == 512


def test_dropout_is_only_in_the_head(model):
    drops = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    assert drops == [model.drop] and isinstance(model.drop, nn.Dropout2d)
    model.eval()
    model.drop.train()  # MC-Dropout: BatchNorm frozen, dropout active
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(model.trunk(x), model.trunk(x))
        h = model.trunk(x)
        assert not torch.allclose(model.stochastic_head(h), model.stochastic_head(h))
    model.eval()


def test_kaiming_initialisation():
    torch.manual_seed(0)
    conv = DRN(width=WIDTH).levels[7][0]  # 64 → 64 channels, 3×3
    fan_out = conv.out_channels * 9
    assert conv.weight.std().item() == pytest.approx((2 / fan_out) ** 0.5, rel=0.05)


def test_a_few_adam_steps_learn_more_than_the_class_frequencies():
    torch.manual_seed(0)
    net = DRN(num_classes=len(STREET_CLASSES), width=WIDTH, dropout=0.1)
    images, masks = make_street_scenes(4, 32, seed=0)
    x = images.float() / 127.5 - 1
    y = masks.long()
    y[:, :2] = 255  # ignored rows
    # the loss of the best constant prediction, the class frequencies: the entropy of the labels
    freq = torch.bincount(y[y != 255], minlength=len(STREET_CLASSES)).double()
    freq = freq[freq > 0] / freq.sum()
    prior_loss = float(-(freq * freq.log()).sum())
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(net(x), y, ignore_index=255)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * prior_loss and losses[-1] < 0.5 * losses[0]
