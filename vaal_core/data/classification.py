"""Classification data sets: digits, Fashion-MNIST, CIFAR-10/100, Caltech-256, ImageNet."""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .formats import (
    decode_images,
    find_idx,
    image_files,
    pad_to,
    read_idx,
    stratified_split,
    subfolders,
    unpickle,
)
from .registry import DataSet, DataSetNotFound, Split, not_found, register

# ----------------------------------------------------------------------------------------------
# digits: scikit-learn's 1,797 real 8×8 handwritten digits (ships with scikit-learn)

@register("digits")
def load_digits(root: Path | None = None, image_size: int = 32, test_fraction: float = 0.25,
                split_seed: int = 0) -> DataSet:
    """scikit-learn's digits (values 0..16) scaled to 0..255 and enlarged by pixel replication.

    The 8×8 images are repeated ``image_size // 8`` times per axis (32 → each pixel becomes 4×4), so no
    information is invented. There is no official test split: a fixed stratified split
    (``test_fraction``, ``split_seed``) is used, the same on every machine.
    """
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    if image_size % 8:
        raise ValueError(f"image_size={image_size} must be a multiple of 8 for digits")
    d = sk_digits()
    x = torch.from_numpy((d.images * (255.0 / 16.0)).round().astype(np.uint8))[:, None]  # (N,1,8,8)
    k = image_size // 8
    x = x.repeat_interleave(k, dim=2).repeat_interleave(k, dim=3)
    y = torch.from_numpy(d.target.astype(np.int64))
    tr, te = train_test_split(np.arange(len(y)), test_size=test_fraction, random_state=split_seed,
                              stratify=d.target)
    tr, te = torch.from_numpy(np.sort(tr)), torch.from_numpy(np.sort(te))
    return DataSet("digits", Split(x[tr], y[tr]), Split(x[te], y[te]), num_classes=10,
                   class_names=[str(i) for i in range(10)], source="sklearn.datasets.load_digits")


# ----------------------------------------------------------------------------------------------
# Fashion-MNIST: IDX files, from the data root, Debian's package, or torchvision's download

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
_FASHION_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                  "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _fashion_dirs(root: Path | None) -> list[Path]:
    dirs = []
    if root is not None:
        # the data root itself, the layout of a plain copy, and torchvision's download layout
        dirs += [root, root / "fashion-mnist", root / "FashionMNIST" / "raw"]
    dirs.append(DEBIAN_FASHION_DIR)
    return dirs


@register("fashion_mnist")
def load_fashion_mnist(root: Path | None = None, image_size: int = 32, download: bool = False) -> DataSet:
    """The real Fashion-MNIST benchmark: 60,000 train and 10,000 test 28×28 images, padded to 32×32.

    Looked for in order: ``root``, ``root/fashion-mnist``, ``root/FashionMNIST/raw`` (torchvision's
    layout), Debian's package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``); with
    ``download=True``, torchvision downloads it into ``root`` when none holds it.
    """
    searched = _fashion_dirs(root)
    found = next((d for d in searched if all(find_idx(d, s) for pair in _FASHION_FILES.values()
                                                 for s in pair)), None)
    if found is None and download:
        if root is None:
            raise DataSetNotFound("fashion_mnist: download=True needs a data_root to download into")
        from torchvision.datasets import FashionMNIST
        for train in (True, False):
            FashionMNIST(str(root), train=train, download=True)
        found = root / "FashionMNIST" / "raw"
    if found is None:
        raise DataSetNotFound(
            "fashion_mnist: no IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
            "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) in any of: "
            + ", ".join(str(d) for d in searched)
            + ". Get them with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu) or pass "
              "download=True with a data_root (torchvision downloads them).")
    splits = {}
    for split, (img_stem, lbl_stem) in _FASHION_FILES.items():
        x = torch.from_numpy(read_idx(find_idx(found, img_stem)).copy())[:, None]  # (N,1,28,28)
        y = torch.from_numpy(read_idx(find_idx(found, lbl_stem)).astype(np.int64))
        splits[split] = Split(pad_to(x, image_size), y)
    return DataSet("fashion_mnist", splits["train"], splits["test"], num_classes=10,
                   class_names=FASHION_CLASSES, source=str(found))


# ----------------------------------------------------------------------------------------------
# CIFAR-10 / CIFAR-100: the official "python version" pickles

CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR100_FOLDER = "cifar-100-python"
_CIFAR10_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
_CIFAR100_FILES = ["train", "test", "meta"]


def _names(values) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def _cifar_images(batch: dict, path: Path) -> torch.Tensor:
    data = np.asarray(batch["data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{path}: expected uint8 rows of 3072 values, got {data.dtype} {data.shape}")
    # each row is the 1024 red, then 1024 green, then 1024 blue values of one 32×32 image, row by row
    return torch.from_numpy(data.reshape(-1, 3, 32, 32))


def _labels(values, num_classes: int, path: Path, key: str) -> torch.Tensor:
    y = torch.as_tensor(np.asarray(values, dtype=np.int64))
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"{path}: {key} outside 0..{num_classes - 1}")
    return y


def _locate_cifar(name: str, root: Path | None, folder: str, files: list[str], download: bool,
                  downloader: Callable[[str], object], url: str) -> Path:
    """The first of ``root/folder`` and ``root`` that holds all ``files``, downloading on request."""
    searched = [] if root is None else [root / folder, root]

    def first_complete():
        return next((d for d in searched if all((d / f).is_file() for f in files)), None)

    found = first_complete()
    if found is None and download:
        if root is None:
            raise DataSetNotFound(f"{name}: download=True needs a data_root to download into")
        downloader(str(root))
        found = first_complete()
    if found is None:
        where = ", ".join(str(d) for d in searched) if searched else "nowhere (no data_root was given)"
        raise DataSetNotFound(
            f"{name}: no complete set of the python-version files ({', '.join(files)}) in any of: {where}. "
            f"Pass download=True with a data_root (torchvision downloads and extracts them there), or "
            f"download {url} and extract it into the data_root (it unpacks to {folder}/).")
    return found


def _check_native_size(name: str, image_size: int, native: int) -> None:
    """The CIFAR sets are used at their native size (the models take any multiple of 16, but resizing
    CIFAR would change the benchmark)."""
    if image_size != native:
        raise ValueError(f"{name}: image_size={image_size}, but its images are {native}×{native}; use {native}")


def _download_cifar10(root: str) -> None:
    from torchvision.datasets import CIFAR10
    CIFAR10(root, train=True, download=True)  # the one archive holds both splits


def _download_cifar100(root: str) -> None:
    from torchvision.datasets import CIFAR100
    CIFAR100(root, train=True, download=True)


@register("cifar10")
def load_cifar10(root: Path | None = None, download: bool = False, image_size: int = 32) -> DataSet:
    """CIFAR-10: 50,000 train and 10,000 test 32×32 RGB images in 10 classes.

    Reads the official python version (``data_batch_1`` … ``data_batch_5``, ``test_batch``,
    ``batches.meta``) from ``root/cifar-10-batches-py`` or ``root`` itself; with ``download=True``,
    torchvision downloads it into ``root`` when neither holds it.
    """
    found = _locate_cifar("cifar10", root, CIFAR10_FOLDER, _CIFAR10_FILES, download, _download_cifar10,
                          "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz")
    class_names = _names(unpickle(found / "batches.meta")["label_names"])

    def split(files):
        batches = [(found / f, unpickle(found / f)) for f in files]
        x = torch.cat([_cifar_images(b, p) for p, b in batches])
        y = torch.cat([_labels(b["labels"], len(class_names), p, "labels") for p, b in batches])
        return Split(x, y)

    _check_native_size("cifar10", image_size, 32)
    return DataSet("cifar10", split(_CIFAR10_FILES[:5]), split(["test_batch"]),
                   num_classes=len(class_names), class_names=class_names, source=str(found))


@register("cifar100")
def load_cifar100(root: Path | None = None, download: bool = False, image_size: int = 32) -> DataSet:
    """CIFAR-100: 50,000 train and 10,000 test 32×32 RGB images in 100 classes.

    Reads the official python version (``train``, ``test``, ``meta``) from ``root/cifar-100-python`` or
    ``root`` itself; with ``download=True``, torchvision downloads it into ``root`` when neither holds it.
    ``targets`` are the 100 fine labels, ``coarse_targets`` the 20 super-classes; ``class_names`` and
    ``coarse_names`` come from ``meta``.
    """
    found = _locate_cifar("cifar100", root, CIFAR100_FOLDER, _CIFAR100_FILES, download, _download_cifar100,
                          "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz")
    meta = unpickle(found / "meta")
    fine, coarse = _names(meta["fine_label_names"]), _names(meta["coarse_label_names"])

    def split(file):
        path = found / file
        b = unpickle(path)
        return Split(_cifar_images(b, path), _labels(b["fine_labels"], len(fine), path, "fine_labels"),
                     _labels(b["coarse_labels"], len(coarse), path, "coarse_labels"))

    _check_native_size("cifar100", image_size, 32)
    return DataSet("cifar100", split("train"), split("test"), num_classes=len(fine), class_names=fine,
                   coarse_names=coarse, source=str(found))


# ----------------------------------------------------------------------------------------------
# Caltech-256: the official 256_ObjectCategories folders

@register("caltech256")
def load_caltech256(root: Path | None = None, image_size: int = 64, test_fraction: float = 0.2,
                    split_seed: int = 0, include_clutter: bool = False,
                    workers: int | None = None) -> DataSet:
    """Caltech-256: 30,607 photographs in 256 object categories (plus a clutter class), of many sizes.

    Reads ``root/256_ObjectCategories`` (the official archive) or ``root/caltech256/256_ObjectCategories``
    (torchvision's layout), one folder per category, ``001.ak47`` … ``256.toad``, holding JPEG files.
    ``257.clutter`` is background, not an object category, so it is left out unless
    ``include_clutter=True`` (it then becomes the last class). Class names are the folder names
    without the number prefix; ``num_classes`` is the number of category folders found.

    Every image is converted to RGB, its shorter side resized to ``image_size`` and centre-cropped to
    ``image_size``×``image_size``. There is no official split: a fixed stratified split
    (``test_fraction`` of every class, ``split_seed``) over the files sorted by name is used, the same
    on every machine.
    """
    searched = [] if root is None else [root / "256_ObjectCategories",
                                        root / "caltech256" / "256_ObjectCategories"]
    found, folders = None, []
    for d in searched:
        if d.is_dir():
            folders = [f for f in subfolders(d) if f.name.partition(".")[0].isdigit()]
            if folders:
                found = d
                break
    if found is None:
        raise not_found("caltech256", "category folders (001.ak47 … 256.toad)", searched,
                       "Download https://data.caltech.edu/records/nyy15-4j048/files/256_ObjectCategories.tar "
                       "and extract it into the data_root, or run "
                       "torchvision.datasets.Caltech256(data_root, download=True).")
    if not include_clutter:
        folders = [f for f in folders if f.name.partition(".")[2] != "clutter"]
    files, labels = [], []
    for c, folder in enumerate(folders):
        images = image_files(folder)
        if not images:
            raise ValueError(f"caltech256: {folder} holds no images; the extraction looks incomplete")
        files += images
        labels += [c] * len(images)
    labels = np.asarray(labels, dtype=np.int64)
    tr, te = stratified_split(labels, test_fraction, split_seed)
    # decode train then test files into one tensor, so the two splits are views with no copy
    order = np.concatenate([tr, te])
    x = decode_images([files[i] for i in order], image_size, workers)
    y = torch.from_numpy(labels[order])
    n = len(tr)
    return DataSet("caltech256", Split(x[:n], y[:n]), Split(x[n:], y[n:]), num_classes=len(folders),
                   class_names=[f.name.partition(".")[2] for f in folders], source=str(found))


# ----------------------------------------------------------------------------------------------
# ImageNet (ILSVRC-2012): ImageFolder layout, decoded once and cached

_CACHE_VERSION = 1


def _cached_decode(cache_file: Path, files: list[Path], targets: np.ndarray, base: Path, image_size: int,
                   workers: int | None, use_cache: bool) -> Split:
    """Decode ``files`` into a Split, reusing ``cache_file`` when it was made from the same file list.

    The cache records a hash of the relative file names and their targets: adding, removing or renaming
    images (or changing the class list) makes it stale, and it is rebuilt. It is written to a temporary
    file first and then renamed, so an interrupted run never leaves a half-written cache behind.
    """
    h = hashlib.sha256(f"v{_CACHE_VERSION} {image_size}\n".encode())
    for f, t in zip(files, targets):
        h.update(f"{f.relative_to(base).as_posix()}\t{t}\n".encode())
    fingerprint = h.hexdigest()
    if use_cache and cache_file.is_file():
        try:
            saved = torch.load(cache_file, weights_only=True)
        except Exception as e:  # an unreadable cache is rebuilt, not fatal
            warnings.warn(f"imagenet: ignoring unreadable cache {cache_file} ({e}); decoding again")
        else:
            if saved.get("fingerprint") == fingerprint:
                return Split(saved["images"], saved["targets"])
    split = Split(decode_images(files, image_size, workers), torch.from_numpy(targets))
    if use_cache:
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                torch.save({"fingerprint": fingerprint, "images": split.images, "targets": split.targets}, f)
            os.replace(tmp, cache_file)
        except (OSError, RuntimeError) as e:  # torch reports write failures (a full disk) as RuntimeError
            # e.g. a read-only data set directory: the data are loaded, only slower next time
            tmp.unlink(missing_ok=True)
            warnings.warn(f"imagenet: could not write the cache {cache_file} ({e})")
    return split


@register("imagenet")
def load_imagenet(root: Path | None = None, image_size: int = 64, cache: bool = True,
                  workers: int | None = None) -> DataSet:
    """ImageNet (ILSVRC-2012): 1,281,167 train and 50,000 validation images in 1,000 classes.

    Reads the ImageFolder layout ``train/<wnid>/*.JPEG`` and ``val/<wnid>/*.JPEG`` (the validation images
    already sorted into class folders) from ``root`` or ``root/imagenet``. The classes are the sorted
    wnid folders of ``train`` (``class_names`` are the wnids); a ``val`` folder of any other class is an
    error. The validation set is the test split.

    Every image is converted to RGB, its shorter side resized to ``image_size`` and centre-cropped to
    ``image_size``×``image_size``. Decoding all images takes a long time, so with ``cache=True`` the
    decoded arrays are saved as ``vaal_cache_{train,val}_<image_size>px.pt`` in the data set directory
    and reused while the file list is unchanged.

    Memory: N×3×image_size² bytes per split, held in RAM: at 64 px about 15.7 GB for train and 0.6 GB
    for val (at 32 px, 3.9 GB and 0.15 GB); building the cache needs the same again on disk.
    """
    searched = [] if root is None else [root, root / "imagenet"]
    found = next((d for d in searched if (d / "train").is_dir() and (d / "val").is_dir()), None)
    if found is None:
        raise not_found("imagenet", "train/ and val/ class folders", searched,
                       "ImageNet needs a login at https://image-net.org: download ILSVRC2012_img_train.tar, "
                       "ILSVRC2012_img_val.tar and ILSVRC2012_devkit_t12.tar.gz into the data_root and run "
                       "torchvision.datasets.ImageNet(data_root, split='train') and split='val' once, which "
                       "unpacks them into train/<wnid>/ and val/<wnid>/.")
    classes = [d.name for d in subfolders(found / "train")]
    if not classes:
        raise ValueError(f"imagenet: {found / 'train'} holds no class folders")
    if image_files(found / "val"):
        raise ValueError(f"imagenet: {found / 'val'} holds loose images; sort them into val/<wnid>/ folders "
                         "(torchvision.datasets.ImageNet(data_root, split='val') does this)")
    index = {wnid: c for c, wnid in enumerate(classes)}
    val_classes = [d.name for d in subfolders(found / "val")]
    unknown = [w for w in val_classes if w not in index]
    if unknown:
        raise ValueError(f"imagenet: val classes {unknown[:10]} are not among the {len(classes)} train classes")

    splits = {}
    for split, wnids in (("train", classes), ("val", val_classes)):
        files, targets = [], []
        for wnid in wnids:
            images = image_files(found / split / wnid)
            if split == "train" and not images:
                raise ValueError(f"imagenet: {found / split / wnid} holds no images")
            files += images
            targets += [index[wnid]] * len(images)
        splits[split] = _cached_decode(found / f"vaal_cache_{split}_{image_size}px.pt", files,
                                       np.asarray(targets, dtype=np.int64), found, image_size, workers, cache)
    return DataSet("imagenet", splits["train"], splits["val"], num_classes=len(classes),
                   class_names=classes, source=str(found))
