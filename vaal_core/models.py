"""Networks of the paper: the β-VAE, the discriminator and the task learners (VGG16, ResNet18).

Every network takes a width multiplier so that the same layout runs at paper size on a GPU and at a
fraction of it on a CPU; ``width=1`` is the paper's network.
"""
from __future__ import annotations

import torch
from torch import nn


def scaled(channels: int, width: float, minimum: int = 4) -> int:
    """``channels × width``, at least ``minimum`` (a 1/32-wide VGG16 would otherwise have 2-channel layers)."""
    return max(minimum, int(round(channels * width)))


# ---------------------------------------------------------------------------------------------- β-VAE

class VAE(nn.Module):
    """β-VAE with the Wasserstein-autoencoder architecture (Tolstikhin et al. 2018), paper §4.1.

    Encoder: four 4×4 stride-2 convolutions with 128-256-512-1024 channels (× ``width``), BatchNorm and
    ReLU, then linear heads to µ and log σ² of a ``z_dim`` latent. Decoder, mirrored: a linear layer to
    1024 × (s/8)², three 4×4 stride-2 transposed convolutions (512-256-128) with BatchNorm and ReLU, and a
    1×1 convolution back to the input channels. Input (N, C, s, s) with s a multiple of 16, normalised
    images; the decoder's output is unbounded (the reconstruction loss is a squared error).
    """

    def __init__(self, in_channels: int = 3, image_size: int = 32, z_dim: int = 32, width: float = 1.0):
        super().__init__()
        if image_size % 16:
            raise ValueError(f"image_size={image_size} must be a multiple of 16")
        ch = [scaled(c, width) for c in (128, 256, 512, 1024)]
        layers, c_in = [], in_channels
        for c in ch:
            layers += [nn.Conv2d(c_in, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.encoder = nn.Sequential(*layers, nn.Flatten())
        enc_out = ch[3] * (image_size // 16) ** 2
        self.fc_mu = nn.Linear(enc_out, z_dim)
        self.fc_logvar = nn.Linear(enc_out, z_dim)
        self.dec_side = image_size // 8
        self.fc_dec = nn.Linear(z_dim, ch[3] * self.dec_side ** 2)
        dec, c_in = [], ch[3]
        for c in (ch[2], ch[1], ch[0]):
            dec += [nn.ConvTranspose2d(c_in, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.decoder = nn.Sequential(*dec, nn.Conv2d(c_in, in_channels, 1))
        self.z_dim, self.dec_channels = z_dim, ch[3]

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_logvar(h)  # each (N, z_dim)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc_dec(z).view(-1, self.dec_channels, self.dec_side, self.dec_side)
        return self.decoder(h)

    def forward(self, x: torch.Tensor):
        """Returns (reconstruction, z, µ, log σ²); z = µ + σ·ε is the reparameterised sample."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), z, mu, logvar


class Discriminator(nn.Module):
    """The adversarial network: an MLP from the latent to one logit, paper §4.1 ("a 5-layer MLP").

    ``layers`` linear layers of width ``width`` with ReLU between them; the output is a logit whose
    sigmoid is the probability that a sample is *labeled* (Eq. 3: label 1 for the labeled pool).
    """

    def __init__(self, z_dim: int = 32, width: int = 512, layers: int = 5):
        super().__init__()
        if layers < 2:
            raise ValueError("the discriminator needs at least 2 layers")
        mods, d = [], z_dim
        for _ in range(layers - 1):
            mods += [nn.Linear(d, width), nn.ReLU(inplace=True)]
            d = width
        mods.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*mods)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).squeeze(-1)  # (N,) logits


class ImageDiscriminator(nn.Module):
    """The ablation "D alone on the image space" (paper §5.1, Fig. 4): the VAE encoder's convolutional
    layout feeding the 5-layer MLP, trained end to end as one labeled-vs-unlabeled classifier (no VAE,
    no reconstruction, no adversarial game)."""

    def __init__(self, in_channels: int = 3, image_size: int = 32, z_dim: int = 32, width: float = 1.0,
                 disc_width: int = 512, layers: int = 5):
        super().__init__()
        enc = VAE(in_channels, image_size, z_dim, width)
        self.features = enc.encoder
        self.to_latent = enc.fc_mu
        self.mlp = Discriminator(z_dim, disc_width, layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.to_latent(self.features(x)))  # (N,) logits


# ---------------------------------------------------------------------------------------------- task learners

VGG16_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG16(nn.Module):
    """VGG16 with BatchNorm for 32×32 inputs, Xavier initialisation (paper §4.1).

    Thirteen 3×3 convolutions in the standard layout (× ``width``), five max-pools, a global average
    pool (1×1 at 32×32 input, so any multiple of 32 works), then the classifier in torchvision's (and the
    released code's) order: linear, ReLU, dropout, linear, ReLU, dropout, linear — 512 × ``width`` units
    instead of 4,096 for small inputs. :meth:`embed` returns the penultimate-layer features, after the
    second dropout (the identity in eval mode; Core-set uses them). MC-Dropout thus samples the two
    hidden layers' activations, as it would in torchvision's VGG16.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: float = 1.0, dropout: float = 0.5):
        super().__init__()
        layers, c = [], in_channels
        for v in VGG16_LAYOUT:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                o = scaled(v, width)
                layers += [nn.Conv2d(c, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
                c = o
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        hidden = scaled(512, width)
        self.head = nn.Sequential(nn.Linear(c, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                  nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout))
        self.classifier = nn.Linear(hidden, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (N, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))

    # The split MC-Dropout uses: every dropout layer sits after the last BatchNorm, so with BatchNorm in
    # eval mode the trunk is deterministic and T stochastic passes need the trunk only once.
    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    def stochastic_head(self, h: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head(h))


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet18 adapted to 32×32 inputs (appendix Fig. 6): a 3×3 stride-1 stem without max-pool, four
    stages of two basic blocks (64-128-256-512 × ``width``, strides 1-2-2-2), global average pool.

    ``dropout`` sits before the final linear layer: the plain ResNet18 has none, and the MC-Dropout
    baselines need one; it is part of the model for every method so that all share one network.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: float = 1.0, dropout: float = 0.5):
        super().__init__()
        ch = [scaled(c, width) for c in (64, 128, 256, 512)]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, ch[0], 3, 1, 1, bias=False), nn.BatchNorm2d(ch[0]),
                                  nn.ReLU(inplace=True))
        blocks, c = [], ch[0]
        for i, o in enumerate(ch):
            stride = 1 if i == 0 else 2
            blocks += [BasicBlock(c, o, stride), BasicBlock(o, o, 1)]
            c = o
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.drop = nn.Dropout(dropout)
        self.classifier = nn.Linear(c, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        # NCHW on purpose: the backward pass of the 1×1 stride-2 shortcut convolutions in channels_last
        # corrupts the heap on one CPU thread (torch 2.14.1, oneDNN; found here). VGG16 and the VAE have
        # no such convolution and keep the faster channels_last.
        return self.features(self.stem(x.contiguous()))  # (N, 512 × width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stochastic_head(self.embed(x))

    def trunk(self, x: torch.Tensor) -> torch.Tensor:  # see VGG16.trunk
        return self.embed(x)

    def stochastic_head(self, h: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.drop(h))


def build_task_model(arch: str, in_channels: int, num_classes: int, width: float, dropout: float) -> nn.Module:
    """A classification task learner in its memory format: channels_last for VGG16 (~10 % faster
    training, ~70 % faster inference on one CPU thread, measured), NCHW for ResNet18 (see its embed)."""
    if arch == "vgg16":
        return VGG16(in_channels, num_classes, width, dropout).to(memory_format=torch.channels_last)
    if arch == "resnet18":
        return ResNet18(in_channels, num_classes, width, dropout)
    raise ValueError(f"arch={arch!r} must be vgg16 or resnet18")
