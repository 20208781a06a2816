"""File formats shared by the loaders: IDX (MNIST), CIFAR pickles, folders of photographs decoded
once into one uint8 tensor, seeded stratified splits, padding."""
from __future__ import annotations

import gzip
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import numpy as np
import torch


def pad_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """Zero-pad (N, C, h, w) images symmetrically to (N, C, size, size): 28×28 → 32×32."""
    h, w = images.shape[-2:]
    if h > size or w > size:
        raise ValueError(f"cannot pad {h}×{w} images to {size}×{size}")
    top, left = (size - h) // 2, (size - w) // 2
    return torch.nn.functional.pad(images, (left, size - w - left, top, size - h - top))


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format; gzip-compressed when the name ends in .gz)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile) as e:  # a cut-off download: report it like any other bad file
        raise ValueError(f"{path}: truncated or corrupt gzip file ({e})") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in dtypes:
        raise ValueError(f"{path}: unknown IDX element type 0x{data[2]:02x}")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(dtypes[data[2]])
    n_bytes = len(data) - 4 - 4 * ndim
    if n_bytes != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{path}: header says {shape} but the file holds {n_bytes} bytes of values")
    return np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim).reshape(shape)


def find_idx(directory: Path, stem: str) -> Optional[Path]:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def unpickle(path: Path) -> dict:
    """One CIFAR pickle, with its keys as str (the official files were written by Python 2, so their
    keys load as bytes; a re-pickled copy may have str keys)."""
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in d.items()}


# ----------------------------------------------------------------------------------------------
# photographs in class folders (Caltech-256, ImageNet): decoded once into one uint8 tensor

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def image_files(directory: Path) -> list[Path]:
    """The image files directly in ``directory``, sorted by name so every machine sees the same order.

    Only known image suffixes count: Caltech-256's folders hold a few stray non-image entries.
    """
    with os.scandir(directory) as entries:
        names = sorted(e.name for e in entries
                       if e.is_file() and os.path.splitext(e.name)[1].lower() in _IMAGE_SUFFIXES)
    return [directory / n for n in names]


def subfolders(directory: Path) -> list[Path]:
    with os.scandir(directory) as entries:
        return [directory / n for n in sorted(e.name for e in entries if e.is_dir())]


def load_square(path: Path, size: int) -> np.ndarray:
    """One image as an RGB (size, size, 3) uint8 array: shorter side resized to ``size``, centre-cropped."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            # JPEG can decode at 1/2, 1/4 or 1/8 scale, never below the requested size: most photos are
            # far larger than ``size``, and this skips most of the decoding work
            img.draft("RGB", (size, size))
            img = img.convert("RGB")  # Caltech-256 and ImageNet include grayscale and CMYK JPEGs
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot decode the image ({e})") from e
    w, h = img.size
    scale = size / min(w, h)
    w, h = max(size, round(w * scale)), max(size, round(h * scale))
    img = img.resize((w, h), Image.Resampling.BICUBIC)
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)))


def decode_images(paths: list[Path], image_size: int, workers: int | None = None) -> torch.Tensor:
    """Decode ``paths`` into one uint8 tensor (N, 3, image_size, image_size), in the order given.

    Images are converted to RGB, their shorter side resized to ``image_size`` and centre-cropped.
    Pillow releases the GIL while decoding, so ``workers`` threads (default: up to 8) run in parallel.
    """
    out = np.empty((len(paths), 3, image_size, image_size), dtype=np.uint8)
    chunk = 256  # one task per chunk, not per file: a million pending futures would cost gigabytes

    def decode_chunk(start):
        for i in range(start, min(start + chunk, len(paths))):
            out[i] = load_square(paths[i], image_size).transpose(2, 0, 1)

    with ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1)) as pool:
        for _ in pool.map(decode_chunk, range(0, len(paths), chunk)):
            pass  # iterating re-raises the first decoding error
    return torch.from_numpy(out)


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, test) index arrays holding ``test_fraction`` of every class in the test split.

    Each class is shuffled by its own generator, seeded by (``seed``, class), so the split is the same on
    every machine and one class's split does not depend on which other classes are present. A class
    with at least two members keeps at least one in each split.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must lie strictly between 0 and 1")
    labels = np.asarray(labels)
    train, test = [], []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        n_test = int(np.floor(test_fraction * len(members) + 0.5))
        n_test = min(max(n_test, 1), len(members) - 1) if len(members) > 1 else 0
        order = np.random.default_rng([seed, int(c)]).permutation(len(members))
        test.append(members[order[:n_test]])
        train.append(members[order[n_test:]])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
