"""The segmentation task learner of the paper (§4.2): a dilated residual network, DRN-D-22.

Yu, Koltun & Funkhouser, "Dilated Residual Networks", CVPR 2017. The network has eight levels. Levels
2–4 each halve the resolution; levels 5–6 keep it and dilate their convolutions by 2 and 4 instead, so
the output stride is 8 while the receptive field still grows ("Dilated Residual Networks" section).
Levels 7–8 are plain dilated convolutions without residual connections, which removes the gridding
artifacts that the dilations of levels 5–6 leave ("Degridding" section, DRN-C); the D variant of the
authors' release also makes levels 1–2 plain convolutions, after a 7×7 stem.

Channel counts are multiplied by ``width`` (``scaled``), as for the classification networks, so the
same layout runs at paper size on a GPU and at a fraction of it on a CPU.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .models import scaled

OUTPUT_STRIDE = 8

# (channels, stride, dilation) of DRN-D-22's residual levels 3–6, two basic blocks each, then its plain
# de-gridding levels 7–8, one convolution each
_RESIDUAL = [(64, 2, 1), (128, 2, 1), (256, 1, 2), (512, 1, 4)]
_DEGRID = [(512, 2), (512, 1)]  # (channels, dilation), stride 1


def _conv_bn_relu(c_in: int, c_out: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    # padding = dilation × (kernel // 2) keeps the size at stride 1 for any dilation
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, dilation * (kernel // 2), dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class DilatedBlock(nn.Module):
    """A basic residual block (two 3×3 convolutions) whose convolutions are both dilated by ``dilation``."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, dilation, dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, dilation, dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class DRN(nn.Module):
    """DRN-D-22 for semantic segmentation, with a dropout before the classifier for MC-Dropout.

    ``levels[i]`` is level i+1 of the paper. The head is ``Dropout2d`` → 1×1 convolution to
    ``num_classes`` → bilinear up-sampling to the input size. Inputs (N, C, H, W) with H and W multiples
    of 8 (not necessarily square); the output is (N, num_classes, H, W) logits.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 19, width: float = 1.0, dropout: float = 0.5):
        super().__init__()
        c1, c2 = scaled(16, width), scaled(32, width)
        levels = [
            # level 1: 7×7 then 3×3 at full resolution; level 2: 3×3 stride 2 (output stride 2)
            nn.Sequential(_conv_bn_relu(in_channels, c1, kernel=7), _conv_bn_relu(c1, c1)),
            _conv_bn_relu(c1, c2, stride=2),
        ]
        c = c2
        for ch, stride, dilation in _RESIDUAL:  # output stride 4, 8, then 8 with dilation 2 and 4
            o = scaled(ch, width)
            levels.append(nn.Sequential(DilatedBlock(c, o, stride, dilation), DilatedBlock(o, o, 1, dilation)))
            c = o
        for ch, dilation in _DEGRID:
            o = scaled(ch, width)
            levels.append(_conv_bn_relu(c, o, dilation=dilation))
            c = o
        self.levels = nn.Sequential(*levels)
        self.out_channels = c
        self.drop = nn.Dropout2d(dropout)
        self.classifier = nn.Conv2d(c, num_classes, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """Features (N, C, H/8, W/8) before the dropout: deterministic in eval mode, so MC-Dropout's T
        stochastic passes need it only once."""
        h, w = x.shape[-2:]
        if h % OUTPUT_STRIDE or w % OUTPUT_STRIDE:
            raise ValueError(f"input {h}×{w}: height and width must be multiples of {OUTPUT_STRIDE}")
        # NCHW on purpose: in channels_last the backward pass of the 1×1 stride-2 shortcut convolutions
        # corrupts the heap on a single CPU thread (torch 2.14.1, oneDNN; found here, see ResNet18.embed).
        return self.levels(x.contiguous())

    def stochastic_head(self, h: torch.Tensor, size: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Dropout → classifier → bilinear up-sampling of (N, C, h, w) features to ``size`` (default
        8h × 8w): (N, num_classes, *size) logits."""
        if size is None:
            size = (h.shape[-2] * OUTPUT_STRIDE, h.shape[-1] * OUTPUT_STRIDE)
        logits = self.classifier(self.drop(h))  # (N, K, h, w)
        return F.interpolate(logits, size=tuple(size), mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stochastic_head(self.trunk(x), x.shape[-2:])

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Globally average-pooled trunk features (N, C), the image representation Core-set uses."""
        return self.trunk(x).mean(dim=(-2, -1))
