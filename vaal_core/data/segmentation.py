"""Segmentation data sets of the paper (§4.2: Cityscapes, BDD100K), in the registry of :mod:`.data`.

A segmentation :class:`Split` holds ``images`` as uint8 (N, 3, H, W) and ``targets`` as uint8 (N, H, W)
train ids 0..K-1, with 255 = ignore. ``image_size`` is the height; the width follows the source's
aspect ratio, rounded to a multiple of 8 (the DRN's output stride), e.g. Cityscapes' H×W = 1024×2048
becomes 128×256 at ``image_size=128``. Images are resized bilinearly (Pillow antialiases when shrinking),
masks with nearest neighbour, so no label value is invented at object borders.

``street_scenes`` is a generated, synthetic data set for CPU presets and tests; it is not a stand-in
for either real data set.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .registry import DataSet, Split, not_found, register
from .scenes import STREET_CLASSES, VERSION, make_street_scenes

IGNORE = 255

# The 19 evaluation classes of Cityscapes (Cordts et al., CVPR 2016), shared by BDD100K's segmentation.
CITYSCAPES_CLASSES = ["road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
                      "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
                      "motorcycle", "bicycle"]
# Cityscapes label id of each train id above; every other id (void, ground, parking, rail track,
# guard rail, bridge, tunnel, pole group, caravan, trailer, ...) is ignored in evaluation
_CITYSCAPES_IDS = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]


def _lookup_table(mapping: dict[int, int]) -> np.ndarray:
    """A 256-entry table from stored pixel values to train ids; -1 marks a value the files must not hold."""
    lut = np.full(256, -1, dtype=np.int16)
    for value, train_id in mapping.items():
        lut[value] = train_id
    return lut


# label ids 0..33 exist; the license plate's id -1 is stored as 255 in a uint8 file
CITYSCAPES_LUT = _lookup_table({**{i: IGNORE for i in range(34)}, IGNORE: IGNORE,
                                **{lid: t for t, lid in enumerate(_CITYSCAPES_IDS)}})
# BDD100K's masks already hold train ids
BDD_LUT = _lookup_table({**{t: t for t in range(len(CITYSCAPES_CLASSES))}, IGNORE: IGNORE})


def output_size(width: int, height: int, image_size: int) -> tuple[int, int]:
    """(height, width) of a source image of ``width``×``height`` at height ``image_size``, the width
    rounded to a multiple of 8."""
    return image_size, max(8, int(round(width * image_size / height / 8)) * 8)


def _read_pair(image_path: Path, label_path: Path, size: tuple[int, int], lut: np.ndarray):
    """One image as (3, H, W) uint8 and its mask as (H, W) uint8 train ids, both resized to ``size``."""
    from PIL import Image

    h, w = size
    try:
        with Image.open(image_path) as img:
            source_size = img.size
            img.draft("RGB", (w, h))  # a JPEG decodes at 1/2, 1/4 or 1/8 scale, never below (w, h)
            rgb = np.asarray(img.convert("RGB").resize((w, h), Image.Resampling.BILINEAR))  # (H, W, 3)
        with Image.open(label_path) as lbl:
            label_size, mode = lbl.size, lbl.mode
            raw = np.asarray(lbl.resize((w, h), Image.Resampling.NEAREST))  # (H, W) stored values
    except OSError as e:  # Pillow's errors for unreadable, truncated or unknown files
        raise ValueError(f"cannot decode {image_path} or {label_path} ({e})") from e
    if label_size != source_size:
        raise ValueError(f"{label_path} is {label_size[0]}×{label_size[1]} but its image {image_path} is "
                         f"{source_size[0]}×{source_size[1]}")
    if raw.dtype != np.uint8 or raw.ndim != 2:
        raise ValueError(f"{label_path}: expected a single-channel 8-bit label image, got mode {mode}")
    mask = lut[raw]
    if (mask < 0).any():
        raise ValueError(f"{label_path}: unexpected label values {np.unique(raw[mask < 0])[:10].tolist()}")
    return rgb.transpose(2, 0, 1), mask.astype(np.uint8)


def _decode_pairs(pairs: list[tuple[Path, Path]], size: tuple[int, int], lut: np.ndarray,
                  workers: Optional[int]) -> Split:
    """Decode (image, label) file pairs into one Split, in the order given, with parallel threads
    (Pillow releases the GIL while decoding and resizing)."""
    h, w = size
    images = np.empty((len(pairs), 3, h, w), dtype=np.uint8)
    masks = np.empty((len(pairs), h, w), dtype=np.uint8)

    def decode(i):
        images[i], masks[i] = _read_pair(*pairs[i], size, lut)

    with ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1)) as pool:
        for _ in pool.map(decode, range(len(pairs))):
            pass  # iterating re-raises the first decoding error
    return Split(torch.from_numpy(images), torch.from_numpy(masks))


def _common_size(first_image: Path, image_size: int) -> tuple[int, int]:
    """Every image of a data set is resized to the size its first image gets, so that the splits stack
    into tensors (all Cityscapes images are 2048×1024, all BDD100K images 1280×720)."""
    from PIL import Image

    if image_size % 8:
        raise ValueError(f"image_size={image_size} must be a multiple of 8 (the DRN's output stride)")
    with Image.open(first_image) as img:
        return output_size(*img.size, image_size)


def _first_holding(searched: list[Path], folders: list[str]) -> Optional[Path]:
    """The first directory of ``searched`` that holds all ``folders``, or None."""
    return next((d for d in searched if all((d / f).is_dir() for f in folders)), None)


def _load_pairs(name: str, found: Path, pairs: dict[str, list[tuple[Path, Path]]], lut: np.ndarray,
                image_size: int, workers: Optional[int]) -> DataSet:
    """The DataSet of ``pairs["train"]`` and ``pairs["val"]`` (the test split: neither data set has
    public test labels, so the paper evaluates on the validation set)."""
    for split, p in pairs.items():
        if not p:
            raise ValueError(f"{name}: the {split} split under {found} holds no images")
    size = _common_size(pairs["train"][0][0], image_size)
    return DataSet(name, _decode_pairs(pairs["train"], size, lut, workers),
                   _decode_pairs(pairs["val"], size, lut, workers), num_classes=len(CITYSCAPES_CLASSES),
                   class_names=list(CITYSCAPES_CLASSES), source=str(found))


# ----------------------------------------------------------------------------------------------
# Cityscapes: torchvision's layout of the official leftImg8bit and gtFine archives

@register("cityscapes")
def load_cityscapes(root: Path | None = None, image_size: int = 128, workers: Optional[int] = None) -> DataSet:
    """Cityscapes fine annotations: 2,975 train and 500 validation street scenes of 2048×1024 pixels.

    Reads ``leftImg8bit/{train,val}/<city>/<name>_leftImg8bit.png`` and the matching
    ``gtFine/{train,val}/<city>/<name>_gtFine_labelIds.png`` from ``root`` or ``root/cityscapes``. The
    34 label ids are mapped to the 19 train ids (every other id → 255). The validation set is the test
    split. An image without its label file is an error naming the missing file.
    """
    searched = [] if root is None else [root, root / "cityscapes"]
    found = _first_holding(searched, [f"{top}/{split}" for top in ("leftImg8bit", "gtFine")
                                      for split in ("train", "val")])
    if found is None:
        raise not_found("cityscapes", "leftImg8bit/{train,val} and gtFine/{train,val} folders", searched,
                       "Cityscapes needs a login at https://www.cityscapes-dataset.com: download "
                       "leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip and extract both into the "
                       "data_root (they unpack to leftImg8bit/ and gtFine/).")
    suffix = "_leftImg8bit.png"
    pairs = {}
    for split in ("train", "val"):
        pairs[split] = []
        for image in sorted((found / "leftImg8bit" / split).glob(f"*/*{suffix}")):
            name = image.name[:-len(suffix)] + "_gtFine_labelIds.png"
            label = found / "gtFine" / split / image.parent.name / name
            if not label.is_file():
                raise FileNotFoundError(f"cityscapes: {label} is missing (the label of {image})")
            pairs[split].append((image, label))
    return _load_pairs("cityscapes", found, pairs, CITYSCAPES_LUT, image_size, workers)


# ----------------------------------------------------------------------------------------------
# BDD100K: the 10K images with semantic-segmentation masks

@register("bdd100k")
def load_bdd100k(root: Path | None = None, image_size: int = 128, workers: Optional[int] = None) -> DataSet:
    """BDD100K semantic segmentation: 7,000 train and 1,000 validation driving scenes of 1280×720 pixels.

    Reads ``images/10k/{train,val}/*.jpg`` and ``labels/sem_seg/masks/{train,val}/<stem>.png`` (already
    train ids 0..18 of the Cityscapes classes, 255 = ignore) from ``root`` or ``root/bdd100k``, paired
    by file stem. The validation set is the test split. An image without its mask is an error naming
    the missing file.
    """
    searched = [] if root is None else [root, root / "bdd100k"]
    found = _first_holding(searched, [f"{top}/{split}" for top in ("images/10k", "labels/sem_seg/masks")
                                      for split in ("train", "val")])
    if found is None:
        raise not_found("bdd100k", "images/10k/{train,val} and labels/sem_seg/masks/{train,val} folders",
                       searched,
                       "BDD100K needs a login at https://bdd-data.berkeley.edu: download the 10K images "
                       "(bdd100k_images_10k.zip) and the semantic segmentation labels "
                       "(bdd100k_sem_seg_labels_trainval.zip) and extract both into the data_root.")
    pairs = {}
    for split in ("train", "val"):
        pairs[split] = []
        for image in sorted((found / "images" / "10k" / split).glob("*.jpg")):
            mask = found / "labels" / "sem_seg" / "masks" / split / (image.stem + ".png")
            if not mask.is_file():
                # older 10K image archives held a few images without masks (bdd100k/bdd100k issue 103)
                raise FileNotFoundError(f"bdd100k: {mask} is missing (the mask of {image}); if the image "
                                        "archive is an old one, download the current bdd100k_images_10k.zip")
            pairs[split].append((image, mask))
    return _load_pairs("bdd100k", found, pairs, BDD_LUT, image_size, workers)


@register("street_scenes", version=VERSION)
def load_street_scenes(root: Path | None = None, image_size: int = 64, n_train: int = 2000, n_test: int = 500,
                       seed: int = 0) -> DataSet:
    """Synthetic street scenes generated in memory (no files; ``root`` is ignored), for CPU presets and
    tests of the segmentation code (:mod:`.scenes`: not real data, no stand-in for Cityscapes or BDD100K)."""
    if image_size % 8:
        raise ValueError(f"image_size={image_size} must be a multiple of 8 (the DRN's output stride)")
    train = Split(*make_street_scenes(n_train, image_size, seed, stream=0))
    test = Split(*make_street_scenes(n_test, image_size, seed, stream=1))
    return DataSet("street_scenes", train, test, num_classes=len(STREET_CLASSES),
                   class_names=list(STREET_CLASSES),
                   source=f"generated (vaal_core.data.scenes version {VERSION}, seed={seed})")
