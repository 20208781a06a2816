"""Device, seeding, progress bars and the on-device image store every training loop draws from.

Speed principle (ARCHITECTURE.md §6): a data set lives on the device as one uint8 tensor; a batch is an index
into it, normalised and (optionally) flipped on the device. No DataLoader, no per-sample Python work.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import sys
from typing import Iterable, Optional

import numpy as np
import torch

from .parallel import world


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but no CUDA device is available; use device='auto' or 'cpu'")
    return dev


def derive_seed(*parts) -> int:
    """A stable 63-bit seed from any parts (e.g. the run's seed, the cycle, a purpose string).

    Each cycle seeds itself from (seed, cycle, …) instead of continuing one random stream, so a run
    resumed after its last finished cycle draws exactly what an uninterrupted run would.
    """
    h = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(h[:8], "big") >> 1


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator seeded the same way for explicit draws."""
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def reseed_global(generator: torch.Generator) -> None:
    """Seed torch's global RNG (dropout masks, the VAE's ε) from ``generator``.

    Called where training starts, so that those draws depend only on the cycle's generator and not on
    how many models were built before (a resumed warm-start run builds its models where an uninterrupted
    one reuses them). Under ``torchrun`` process r adds r, so that the processes' shards draw their own
    masks; process 0 draws what a single process draws.
    """
    torch.manual_seed(int(torch.randint(0, 2 ** 62, (1,), generator=generator)) + world()[0])


def autocast(device: torch.device):
    """bf16 mixed precision for *training* on CUDA (ARCHITECTURE.md §6); full precision on the CPU (bf16 is
    slower there). Scoring, feature and acquisition passes never use it: in bf16, 45,000 discriminator
    scores collapse to a few thousand distinct values and the picks become ties."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def progress(iterable: Iterable, total: Optional[int] = None, desc: str = ""):
    """A tqdm bar on an interactive terminal or when ``VAAL_PROGRESS=1``; silent otherwise, so that
    notebook outputs under nbval and in the built book stay stable."""
    flag = os.environ.get("VAAL_PROGRESS")
    enabled = flag == "1" or (flag is None and sys.stderr.isatty())
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)


class ImageStore:
    """Images of one split held on the device as uint8 (N, C, H, W), with the pool's normalisation.

    ``mean``/``std`` are per channel, computed once from the training pool and reused for the test
    split, so that train and test see the same transform.
    """

    def __init__(self, images: torch.Tensor, device: torch.device, mean: Optional[torch.Tensor] = None,
                 std: Optional[torch.Tensor] = None):
        self.device = device
        self.images = images.to(device)
        if mean is None:
            f = images.float() / 255.0
            mean = f.mean(dim=(0, 2, 3))
            std = f.std(dim=(0, 2, 3)).clamp_min(1e-3)
        self.mean = mean.to(device).view(1, -1, 1, 1)
        self.std = std.to(device).view(1, -1, 1, 1)
        # channels_last was ~30 % faster for these convolutions on the CPU and is the fast path on GPUs
        self.memory_format = torch.channels_last

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, idx: torch.Tensor, flip: Optional[torch.Tensor] = None,
              shift: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Normalised float batch for pool indices ``idx``; ``flip`` is a bool mask (len(idx),) of images
        to mirror horizontally (the paper's only augmentation); ``shift`` (len(idx), 2) integer offsets
        (dy, dx) translate each image, filling with black (zero) pixels."""
        raw = self.images[idx.to(self.device)]
        if shift is not None:
            raw = translate(raw, shift.to(self.device))
        x = raw.float().div_(255.0)
        x = (x - self.mean) / self.std
        if flip is not None:
            flip = flip.to(self.device).view(-1, 1, 1, 1)
            x = torch.where(flip, x.flip(-1), x)
        return x.contiguous(memory_format=self.memory_format)

    def like(self, images: torch.Tensor) -> "ImageStore":
        """Another split (the test set) with this store's normalisation."""
        return ImageStore(images, self.device, self.mean.flatten(), self.std.flatten())


def translate(images: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Each image (N, C, H, W) moved by its own (dy, dx) of ``shift`` (N, 2), zero-filled: one gather
    from the padded batch, no per-image Python work."""
    n, c, h, w = images.shape
    p = int(shift.abs().max()) if len(shift) else 0
    if p == 0:
        return images
    padded = torch.nn.functional.pad(images, (p, p, p, p))
    rows = (p - shift[:, 0]).view(n, 1) + torch.arange(h, device=images.device).view(1, h)  # (N, H)
    cols = (p - shift[:, 1]).view(n, 1) + torch.arange(w, device=images.device).view(1, w)  # (N, W)
    b = torch.arange(n, device=images.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[b, rows.view(n, h, 1), cols.view(n, 1, w)]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2)


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """One shuffled pass over ``range(n)`` in full batches of ``batch_size``; the remainder of the pass
    is dropped (a new shuffle every pass, so every sample is drawn), except when ``n < batch_size``
    (one batch of all ``n``). A remainder batch of a few samples updates BatchNorm's running statistics
    from a handful of images: at 2,500 labels and batch 64 the pass ended on 4 images and the test
    accuracy of the trained VGG16 fell by up to 25 points (measured here)."""
    perm = torch.randperm(n, generator=generator)
    if n < batch_size:
        return [perm]
    return list(perm[: n - n % batch_size].split(batch_size))


def stream_indices(n: int, batch_size: int, steps: int, generator: torch.Generator) -> torch.Tensor:
    """(steps, batch_size) positions into ``range(n)``: consecutive shuffled passes, so that every
    sample is drawn once per pass (the "sample x ∼ X" of Algorithm 1 without replacement)."""
    need = steps * batch_size
    passes = -(-need // n)
    order = torch.cat([torch.randperm(n, generator=generator) for _ in range(passes)])
    return order[:need].view(steps, batch_size)


def numerics_fingerprint(device: torch.device) -> str:
    """A 12-hex-digit hash of what this machine's kernels compute for a fixed small problem: a
    convolution, BatchNorm and ReLU in channels_last, a matrix product the size of the linear model's, and
    their gradients, at the current thread count. PyTorch's CPU kernels (ATen's vectorised code, oneDNN's
    convolutions, MKL's products) choose their code by the processor's instruction set and caches, so two
    machines can round differently and runs of hundreds of steps then end points apart (measured here:
    the committed VAAL seed 0's first cycle 80.45 % where it was computed, 81.56 % on an AVX-512 Xeon with
    AMX). Stored with every row (``numerics``): a run can be reproduced to the last digit only on a machine
    with the same fingerprint."""
    return _fingerprint(str(device), torch.get_num_threads())


@functools.lru_cache(maxsize=None)
def _fingerprint(device: str, threads: int) -> str:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, 32, 32, generator=g).to(device).contiguous(memory_format=torch.channels_last)
    ws = [torch.randn(16, 3, 3, 3, generator=g), torch.randn(32, 16, 3, 3, generator=g)]
    ws = [w.div(w[0].numel() ** 0.5).to(device).requires_grad_() for w in ws]
    a = torch.randn(1000, 1024, generator=g).to(device)
    b = torch.randn(1024, 10, generator=g).to(device).requires_grad_()
    x.requires_grad_()
    with torch.enable_grad():
        y = x
        for w in ws:
            y = torch.nn.functional.conv2d(y, w, padding=1)
            y = torch.relu(torch.nn.functional.batch_norm(y, None, None, training=True))
        z = a @ b
        (y.square().mean() + z.logsumexp(1).sum()).backward()
    h = hashlib.sha1()
    for t in (y, z, x.grad, *(w.grad for w in ws), b.grad):
        h.update(t.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:12]
