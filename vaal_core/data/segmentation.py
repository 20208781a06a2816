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


# ----------------------------------------------------------------------------------------------
# street_scenes: generated, synthetic street scenes for CPU presets and tests

STREET_CLASSES = ["sky", "road", "sidewalk", "building", "vegetation", "pole", "sign", "car", "person"]
SKY, ROAD, SIDEWALK, BUILDING, VEGETATION, POLE, SIGN, CAR, PERSON = range(len(STREET_CLASSES))


class _Canvas:
    """One scene being painted: an (S, S, 3) float32 image and its (S, S) uint8 mask.

    A shape is tested at the pixel centres of its bounding box only, so an object costs time in
    proportion to its area. Painting overwrites image and mask alike: later objects occlude earlier ones.
    """

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng = size, rng
        self.image = np.empty((size, size, 3), np.float32)
        self.mask = np.empty((size, size), np.uint8)

    def _box(self, top, bottom, left, right):
        """(slices, ys (h, 1), xs (1, w)) of the pixels that may lie in [top, bottom) × [left, right),
        the coordinates being pixel centres; None when the box misses the image."""
        y0, y1 = max(0, int(np.floor(top))), min(self.size, int(np.ceil(bottom)))
        x0, x1 = max(0, int(np.floor(left))), min(self.size, int(np.ceil(right)))
        if y0 >= y1 or x0 >= x1:
            return None
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
        return (slice(y0, y1), slice(x0, x1)), ys, xs

    def rect(self, cls, top, bottom, left, right, colour, noise=0.0):
        """A rectangle; ``colour`` is (3,) or a function of the box's ys, xs giving (h, w, 3).
        A side of at least one pixel always covers at least one pixel centre."""
        box = self._box(top, bottom, left, right)
        if box is not None:
            sl, ys, xs = box
            inside = (ys >= top) & (ys < bottom) & (xs >= left) & (xs < right)
            self._paint(cls, sl, inside, colour(ys, xs) if callable(colour) else colour, noise)

    def ellipse(self, cls, cy, cx, ry, rx, colour, noise=0.0):
        """An axis-aligned ellipse; ``colour`` is (3,) or a function of the normalised radius (h, w)."""
        box = self._box(cy - ry, cy + ry, cx - rx, cx + rx)
        if box is not None:
            sl, ys, xs = box
            r = np.sqrt(((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2)  # (h, w), 1 on the outline
            self._paint(cls, sl, r <= 1, colour(r) if callable(colour) else colour, noise)

    def _paint(self, cls, sl, inside, colour, noise):
        region = self.image[sl]  # a view (h, w, 3)
        colour = np.broadcast_to(np.asarray(colour, np.float32), region.shape)
        if noise:  # per-pixel luminance noise: a texture, unlike the colour itself
            colour = colour + self.rng.normal(0, noise, region.shape[:2] + (1,)).astype(np.float32)
        np.copyto(region, colour, where=inside[..., None])
        self.mask[sl][inside] = cls


def _jitter(rng, base, spread):
    """A colour drawn around ``base`` (3,) with per-channel std ``spread``."""
    return np.asarray(base, np.float32) + rng.normal(0, spread, 3).astype(np.float32)


# Drawers of the street-scene objects: each paints one object standing on the ground at row y.

def _building(c: _Canvas, box, windows, colours):
    """A rectangular facade (top, bottom, left, right) with a grid of windows (row and column period)."""
    top, bottom, left, right = box
    py, px = windows
    wall, glass = colours

    def facade(ys, xs):  # (h, w, 3)
        win = (((ys - top) % py) < 0.5 * py) & (((xs - left) % px) < 0.5 * px)
        return np.where(win[..., None], glass, wall)

    c.rect(BUILDING, top, bottom, left, right, facade, noise=5)


def _tree(c: _Canvas, y, x, k, trunk_h, ry, rx, leaves):
    """A thin brown trunk under a leafy elliptic crown; both count as vegetation (as in Cityscapes)."""
    half = max(0.5, 0.02 * k)
    c.rect(VEGETATION, y - trunk_h - ry, y, x - half, x + half, (90, 70, 50))
    c.ellipse(VEGETATION, y - trunk_h - 0.8 * ry, x, ry, rx, leaves, noise=22)


def _pole(c: _Canvas, y, x, h, half, grey, sign_shape, r, sign):
    """A thin grey bar of height h, topped by a round sign (a coloured ring around a white disc), a
    square sign, or nothing (``sign_shape`` "round", "square" or None)."""
    c.rect(POLE, y - h, y, x - half, x + half, grey, noise=4)
    if sign_shape == "round":
        c.ellipse(SIGN, y - h, x, r, r, lambda rr: np.where(rr[..., None] < 0.6, 230.0, sign))
    elif sign_shape == "square":
        c.rect(SIGN, y - h - r, y - h + r, x - r, x + r, sign, noise=6)


def _car(c: _Canvas, y, x, w, h, paint):
    """A car seen from behind or ahead: a dark glass cabin on a body of width w, two dark wheels."""
    c.rect(CAR, y - 1.7 * h, y - h, x - 0.3 * w, x + 0.3 * w, paint * 0.4 + 30, noise=4)
    c.rect(CAR, y - h, y - 0.25 * h, x - 0.5 * w, x + 0.5 * w, paint, noise=4)
    for wx in (x - 0.3 * w, x + 0.3 * w):
        c.ellipse(CAR, y - 0.25 * h, wx, max(0.8, 0.3 * h), max(0.8, 0.1 * w), (25, 25, 25))


def _person(c: _Canvas, y, x, h, w, colours):
    """A small tall figure of height h: legs, a wider torso and a round head."""
    trousers, shirt, skin = colours
    c.rect(PERSON, y - 0.45 * h, y, x - 0.4 * w, x + 0.4 * w, trousers, noise=4)
    c.rect(PERSON, y - 0.8 * h, y - 0.45 * h, x - 0.5 * w, x + 0.5 * w, shirt, noise=4)
    c.ellipse(PERSON, y - 0.9 * h, x, max(0.8, 0.1 * h), max(0.8, 0.1 * h), skin)


def _street_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """One scene: (S, S, 3) uint8 image and (S, S) uint8 mask of STREET_CLASSES ids.

    Sky above a horizon, a road narrowing to a vanishing point below it, sidewalk beside the road, then
    objects painted far to near (by the row where they touch the ground), so nearer ones occlude farther
    ones; objects shrink towards the horizon. Each class has its own colour distribution, wide enough to
    overlap others' (cars take any colour; poles, road and buildings share greys), so shape and context
    are needed, not colour alone.
    """
    S, c = size, _Canvas(size, rng)
    horizon = S * rng.uniform(0.35, 0.5)
    vanish = S * rng.uniform(0.35, 0.65)                 # the road's vanishing point on the horizon
    road_half = S * rng.uniform(0.3, 0.6)                # the road's half-width at the bottom row
    ys = np.arange(S, dtype=np.float32)[:, None] + 0.5   # (S, 1) pixel-centre rows
    xs = np.arange(S, dtype=np.float32)[None, :] + 0.5   # (1, S) pixel-centre columns

    def depth(y):  # 0 at the horizon, 1 at the bottom row: the perspective scale of an object standing at y
        return max(0.0, (y - horizon) / (S - horizon))

    row_depth = np.clip((ys - horizon) / (S - horizon), 0, None)  # (S, 1), depth() of every row

    def beside_road(y):  # a column on the sidewalk at row y, left or right of the road
        offset = road_half * depth(y) + S * rng.uniform(0.02, 0.3)
        return vanish + offset if rng.random() < 0.5 else vanish - offset

    # sky: a vertical gradient, blue or overcast
    top = _jitter(rng, (70, 120, 200), 20) if rng.random() < 0.7 else _jitter(rng, (150, 150, 155), 25)
    low = top + rng.uniform(20, 60)
    c.image[:] = top + (low - top) * np.clip(ys / horizon, 0, 1)[..., None]  # (S, 1, 3) → (S, S, 3)
    c.mask[:] = SKY
    # sidewalk: the whole ground, textured with paving joints that get denser towards the horizon
    ground = ys >= horizon                                                   # (S, 1)
    joints = (np.sqrt(row_depth) * S * 0.3) % 1 < 0.2                        # (S, 1)
    pave = _jitter(rng, (150, 140, 130), 20)
    c.image[:] = np.where(ground[..., None], pave - 30 * joints[..., None], c.image)
    c.mask[np.broadcast_to(ground, (S, S))] = SIDEWALK
    # road: a triangle from the vanishing point, dark asphalt with per-pixel noise and a dashed centre line
    road = ground & (np.abs(xs - vanish) < road_half * row_depth)             # (S, S)
    asphalt = _jitter(rng, (80, 80, 85), 15) + rng.normal(0, 8, (S, S, 1)).astype(np.float32)
    line = (np.abs(xs - vanish) < 0.5 + 0.01 * S * row_depth) & ((np.sqrt(row_depth) * 6) % 1 < 0.5)
    asphalt = np.where(line[..., None], _jitter(rng, (220, 210, 150), 15), asphalt)
    c.image[:] = np.where(road[..., None], asphalt, c.image)
    c.mask[road] = ROAD

    objects = []  # (row where the object meets the ground, drawer, its arguments): painted far to near

    for _ in range(rng.integers(2, 6)):  # buildings: rectangles standing on the horizon, with windows
        left, w = S * rng.uniform(-0.1, 1.0), S * rng.uniform(0.1, 0.35)
        box = (horizon * rng.uniform(0.05, 0.6), horizon + S * rng.uniform(0, 0.04), left, left + w)
        windows = (S * rng.uniform(0.05, 0.09), S * rng.uniform(0.04, 0.08))
        colours = (_jitter(rng, (140, 125, 110), 30), _jitter(rng, (50, 60, 80), 20))  # wall, glass
        objects.append((horizon - rng.random(), _building, (box, windows, colours)))

    for _ in range(rng.integers(1, 4)):  # trees beside the road
        y = horizon + (S - horizon) * rng.uniform(0.05, 1.0)
        k = S * (0.25 + 0.75 * depth(y))  # the object's scale in pixels
        ry = max(1.0, k * rng.uniform(0.1, 0.2))
        leaves = _jitter(rng, (60, 120, 40), 25) if rng.random() < 0.85 else _jitter(rng, (170, 110, 40), 25)
        objects.append((y, _tree, (y, beside_road(y), k, k * rng.uniform(0.1, 0.2), ry,
                                   ry * rng.uniform(0.7, 1.3), leaves)))

    for _ in range(rng.integers(1, 4)):  # poles beside the road, most carrying a sign
        y = horizon + (S - horizon) * rng.uniform(0.1, 1.0)
        k = S * (0.25 + 0.75 * depth(y))
        grey = _jitter(rng, (120, 120, 120), 30)
        sign = _jitter(rng, [(200, 30, 30), (30, 60, 180), (220, 190, 30), (40, 140, 60)][rng.integers(4)], 20)
        shape = ("round", "square", None)[rng.choice(3, p=[0.45, 0.25, 0.3])]
        objects.append((y, _pole, (y, beside_road(y), k * rng.uniform(0.35, 0.6), max(0.5, 0.012 * k), grey,
                                   shape, max(1.2, 0.05 * k), sign)))

    for _ in range(rng.integers(1, 5)):  # cars on the road, some partly below the bottom edge
        y = horizon + (S - horizon) * rng.uniform(0.15, 1.1)
        k = S * (0.2 + 0.8 * depth(y))
        x = vanish + rng.uniform(-0.8, 0.8) * road_half * depth(y)
        paint = rng.uniform(20, 235, 3).astype(np.float32)  # any colour: overlaps every other class
        objects.append((y, _car, (y, x, k * rng.uniform(0.25, 0.4), k * rng.uniform(0.1, 0.14), paint)))

    for _ in range(rng.integers(1, 4)):  # persons, mostly on the sidewalk, some crossing the road
        y = horizon + (S - horizon) * rng.uniform(0.1, 1.0)
        x = beside_road(y) if rng.random() < 0.8 else vanish + rng.uniform(-1, 1) * road_half * depth(y)
        k = S * (0.25 + 0.75 * depth(y))
        colours = (rng.uniform(20, 120, 3), rng.uniform(20, 235, 3), _jitter(rng, (200, 160, 130), 25))
        objects.append((y, _person, (y, x, k * rng.uniform(0.18, 0.26), max(1.0, k * rng.uniform(0.05, 0.08)),
                                     colours)))

    for _, draw, args in sorted(objects, key=lambda o: o[0]):
        draw(c, *args)

    # camera: brightness and contrast, a colour cast, and sensor noise over the whole image
    gain = rng.uniform(0.7, 1.25) * (1 + rng.normal(0, 0.05, 3))
    image = c.image * gain.astype(np.float32) + rng.uniform(-15, 15)
    image += rng.normal(0, rng.uniform(2, 10), (S, S, 3)).astype(np.float32)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), c.mask


def make_street_scenes(n: int, image_size: int = 64, seed: int = 0, stream: int = 0):
    """``n`` synthetic street scenes: images uint8 (n, 3, S, S) and masks uint8 (n, S, S).

    Scene i comes from its own generator seeded by (``seed``, ``stream``, i), so it does not depend on
    ``n``: a larger set extends a smaller one, and the same call gives the same bytes. ``stream``
    separates the train (0) and test (1) scenes.
    """
    if image_size < 16:
        raise ValueError(f"image_size={image_size} is too small for a street scene (at least 16)")
    images = np.empty((n, 3, image_size, image_size), np.uint8)
    masks = np.empty((n, image_size, image_size), np.uint8)
    for i in range(n):
        image, masks[i] = _street_scene(np.random.default_rng([seed, stream, i]), image_size)
        images[i] = image.transpose(2, 0, 1)
    return torch.from_numpy(images), torch.from_numpy(masks)


@register("street_scenes")
def load_street_scenes(root: Path | None = None, image_size: int = 64, n_train: int = 2000, n_test: int = 500,
                       seed: int = 0) -> DataSet:
    """Synthetic street scenes generated in memory (no files; ``root`` is ignored), for CPU presets and
    tests of the segmentation code. Not real data and no stand-in for Cityscapes or BDD100K: a scene
    has 9 classes (STREET_CLASSES) drawn as simple shapes with coloured, textured fills."""
    if image_size % 8:
        raise ValueError(f"image_size={image_size} must be a multiple of 8 (the DRN's output stride)")
    train = Split(*make_street_scenes(n_train, image_size, seed, stream=0))
    test = Split(*make_street_scenes(n_test, image_size, seed, stream=1))
    return DataSet("street_scenes", train, test, num_classes=len(STREET_CLASSES),
                   class_names=list(STREET_CLASSES), source=f"generated (vaal_core.data.segmentation, seed={seed})")
