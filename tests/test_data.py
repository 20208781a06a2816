"""Tests of vaal_core.data: every loader reads tiny files written here in the real on-disk format."""
from __future__ import annotations

import gzip
import pickle
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vaal_core import data
from vaal_core.data import DataSetNotFound, Split, load_dataset, read_idx

REAL_FASHION = Path("/usr/share/datasets/fashion-mnist")


def test_registry_lists_every_loader_and_rejects_unknown_names():
    assert {"digits", "fashion_mnist", "cifar10", "cifar100", "caltech256", "imagenet"} <= set(
        data.available_datasets())
    with pytest.raises(ValueError, match="dataset='nope'"):
        load_dataset("nope")


def test_split_rejects_mismatched_coarse_targets():
    with pytest.raises(ValueError, match="coarse targets"):
        Split(torch.zeros(3, 1, 2, 2, dtype=torch.uint8), torch.zeros(3, dtype=torch.int64),
              torch.zeros(2, dtype=torch.int64))


# ----------------------------------------------------------------------------------------------
# digits

def test_digits_counts_split_and_pixel_replication():
    from sklearn.datasets import load_digits

    ds = load_dataset("digits")
    sk = load_digits()
    assert len(ds.train) + len(ds.test) == 1797
    assert ds.num_classes == 10 and ds.channels == 1 and ds.image_size == 32
    x = torch.cat([ds.train.images, ds.test.images])
    y = torch.cat([ds.train.targets, ds.test.targets])
    assert x.dtype == torch.uint8 and x.shape == (1797, 1, 32, 32)
    # every 4×4 block is one replicated source pixel
    blocks = x.view(1797, 8, 4, 8, 4)
    assert torch.equal(blocks.amax(dim=(2, 4)), blocks.amin(dim=(2, 4)))
    # and the 8×8 images are sklearn's, scaled 0..16 → 0..255
    small = x[:, 0, ::4, ::4].numpy()
    expected = np.round(sk.images * 255 / 16).astype(np.uint8)
    assert sorted(a.tobytes() for a in small) == sorted(a.tobytes() for a in expected)
    assert small.max() == 255
    # stratified: each class's test share is 25 % up to rounding
    assert Counter(y.tolist()) == Counter(sk.target.tolist())
    test_counts = Counter(ds.test.targets.tolist())
    for c, n in Counter(sk.target.tolist()).items():
        assert abs(test_counts[c] - 0.25 * n) <= 1


def test_digits_image_size():
    assert load_dataset("digits", image_size=16).train.images.shape[1:] == (1, 16, 16)
    with pytest.raises(ValueError, match="multiple of 8"):
        load_dataset("digits", image_size=12)


# ----------------------------------------------------------------------------------------------
# IDX / Fashion-MNIST

def idx_bytes(arr: np.ndarray, type_code: int) -> bytes:
    """An IDX file by the format's definition: 0, 0, element type, ndim, big-endian dims, values."""
    header = bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.tobytes()


def write_fashion(directory: Path, n_train=6, n_test=4, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(1, 256, size=(n, 28, 28), dtype=np.uint8)  # no zeros: padding is visible
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        arrays[prefix] = (images, labels)
        for kind, arr, magic_type in (("images-idx3", images, 0x08), ("labels-idx1", labels, 0x08)):
            name = f"{prefix}-{kind}-ubyte"
            raw = idx_bytes(arr, magic_type)
            if compress:
                (directory / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (directory / name).write_bytes(raw)
    return arrays


def test_idx_header_follows_the_spec():
    labels = np.array([3, 1, 4], dtype=np.uint8)
    raw = idx_bytes(labels, 0x08)
    assert raw[:4] == b"\x00\x00\x08\x01" and raw[4:8] == b"\x00\x00\x00\x03"
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    assert idx_bytes(images, 0x08)[:4] == b"\x00\x00\x08\x03"


def test_read_idx_plain_gzip_and_big_endian(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(a, 0x08))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(a, 0x08)))
    assert np.array_equal(read_idx(tmp_path / "a"), a)
    assert np.array_equal(read_idx(tmp_path / "a.gz"), a)
    b = np.array([1, -2, 70000], dtype=">i4")
    (tmp_path / "b").write_bytes(idx_bytes(b, 0x0C))
    assert read_idx(tmp_path / "b").tolist() == [1, -2, 70000]


def test_read_idx_rejects_bad_magic_and_truncation(tmp_path):
    good = idx_bytes(np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28), 0x08)
    cases = {"magic": b"\x01\x00" + good[2:], "type": good[:2] + b"\x07" + good[3:],
             "values": good[:-10], "header": good[:10]}
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(ValueError):
            read_idx(tmp_path / name)
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-20])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(tmp_path / "cut.gz")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "magic")


@pytest.mark.parametrize("layout,compress", [("fashion-mnist", True), ("", False),
                                             ("FashionMNIST/raw", True)])
def test_fashion_mnist_reads_idx_from_the_root(tmp_path, layout, compress):
    arrays = write_fashion(tmp_path / layout if layout else tmp_path, compress=compress)
    ds = load_dataset("fashion_mnist", tmp_path)
    assert ds.source == str(tmp_path / layout if layout else tmp_path)
    for split, prefix in ((ds.train, "train"), (ds.test, "t10k")):
        images, labels = arrays[prefix]
        assert split.images.dtype == torch.uint8 and split.images.shape == (len(images), 1, 32, 32)
        # 28×28 padded by 2 on each side: pixel (r, c) lands at (r + 2, c + 2), the border is zero
        assert int(split.images[1, 0, 5 + 2, 7 + 2]) == int(images[1, 5, 7])
        assert torch.equal(split.images[:, 0, 2:30, 2:30], torch.from_numpy(images))
        assert int(split.images[:, :, :2].sum()) == 0 and int(split.images[:, :, :, 30:].sum()) == 0
        assert split.targets.dtype == torch.int64 and split.targets.tolist() == labels.tolist()
    assert ds.num_classes == 10 and ds.class_names[9] == "Ankle boot"


def test_fashion_mnist_missing_names_every_place(tmp_path, monkeypatch):
    monkeypatch.setattr(data.classification, "DEBIAN_FASHION_DIR", tmp_path / "no-debian")
    with pytest.raises(DataSetNotFound) as e:
        load_dataset("fashion_mnist", tmp_path)
    msg = str(e.value)
    for d in (tmp_path, tmp_path / "fashion-mnist", tmp_path / "FashionMNIST" / "raw", tmp_path / "no-debian"):
        assert str(d) in msg
    assert "apt-get install dataset-fashion-mnist" in msg


@pytest.mark.skipif(not REAL_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist(tmp_path):
    ds = load_dataset("fashion_mnist", tmp_path)  # an empty root: falls through to the Debian package
    assert ds.source == str(REAL_FASHION)
    assert len(ds.train) == 60000 and len(ds.test) == 10000
    assert ds.train.images.shape == (60000, 1, 32, 32) and ds.train.images.dtype == torch.uint8
    assert set(ds.train.targets.tolist()) == set(range(10))
    assert Counter(ds.train.targets.tolist()) == {c: 6000 for c in range(10)}
    assert Counter(ds.test.targets.tolist()) == {c: 1000 for c in range(10)}


# ----------------------------------------------------------------------------------------------
# CIFAR

def cifar_rows(images_hwc: np.ndarray) -> np.ndarray:
    """The CIFAR python-version row of each (32, 32, 3) image: 1024 red, 1024 green, 1024 blue values."""
    return np.concatenate([images_hwc[..., ch].reshape(len(images_hwc), 1024) for ch in range(3)], axis=1)


def dump(path: Path, obj) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f)


CIFAR10_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship",
                 b"truck"]


def write_cifar10(directory: Path, per_batch=3, skip=()):
    rng = np.random.default_rng(1)
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=per_batch).tolist()
        out[name] = (images, labels)
        if name not in skip:
            dump(directory / name, {b"batch_label": name.encode(), b"labels": labels,
                                    b"data": cifar_rows(images), b"filenames": [b"x.png"] * per_batch})
    dump(directory / "batches.meta", {b"num_cases_per_batch": per_batch, b"label_names": CIFAR10_NAMES,
                                      b"num_vis": 3072})
    return out


@pytest.mark.parametrize("sub", ["cifar-10-batches-py", ""])
def test_cifar10_round_trip(tmp_path, sub):
    written = write_cifar10(tmp_path / sub if sub else tmp_path)
    ds = load_dataset("cifar10", tmp_path)
    assert ds.num_classes == 10 and ds.class_names[0] == "airplane" and ds.class_names[9] == "truck"
    assert ds.train.images.shape == (15, 3, 32, 32) and ds.test.images.shape == (3, 3, 32, 32)
    assert ds.train.images.dtype == torch.uint8 and ds.train.targets.dtype == torch.int64
    train_hwc = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    assert torch.equal(ds.train.images, torch.from_numpy(train_hwc.transpose(0, 3, 1, 2)))
    assert ds.train.targets.tolist() == sum((written[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    test_hwc, test_labels = written["test_batch"]
    assert torch.equal(ds.test.images, torch.from_numpy(test_hwc.transpose(0, 3, 1, 2)))
    assert ds.test.targets.tolist() == test_labels
    # one pixel by hand: red of row 3, column 5 of the second image of data_batch_2 (train index 4)
    assert int(ds.train.images[4, 0, 3, 5]) == int(written["data_batch_2"][0][1, 3, 5, 0])
    assert int(ds.train.images[4, 2, 31, 0]) == int(written["data_batch_2"][0][1, 31, 0, 2])


def test_cifar10_known_pixel_in_each_channel(tmp_path):
    d = tmp_path / "cifar-10-batches-py"
    write_cifar10(d)
    rows = np.zeros((2, 3072), dtype=np.uint8)
    rows[1, 0 * 1024 + 3 * 32 + 5] = 201  # red, row 3, column 5
    rows[1, 1 * 1024 + 0 * 32 + 31] = 202  # green, row 0, column 31
    rows[1, 2 * 1024 + 31 * 32 + 0] = 203  # blue, row 31, column 0
    dump(d / "test_batch", {b"labels": [7, 2], b"data": rows})
    x = load_dataset("cifar10", tmp_path).test.images
    assert int(x[1, 0, 3, 5]) == 201 and int(x[1, 1, 0, 31]) == 202 and int(x[1, 2, 31, 0]) == 203
    assert int(x.sum()) == 201 + 202 + 203


def test_cifar10_incomplete_or_missing(tmp_path):
    write_cifar10(tmp_path / "cifar-10-batches-py", skip=("data_batch_5",))
    with pytest.raises(DataSetNotFound) as e:
        load_dataset("cifar10", tmp_path)
    msg = str(e.value)
    assert str(tmp_path / "cifar-10-batches-py") in msg and str(tmp_path) in msg
    assert "data_batch_5" in msg and "download=True" in msg and "cifar-10-python.tar.gz" in msg
    with pytest.raises(DataSetNotFound, match="no data_root"):
        load_dataset("cifar10")


def test_cifar10_rejects_out_of_range_labels(tmp_path):
    d = tmp_path / "cifar-10-batches-py"
    write_cifar10(d)
    dump(d / "test_batch", {b"labels": [10], b"data": np.zeros((1, 3072), dtype=np.uint8)})
    with pytest.raises(ValueError, match="labels outside"):
        load_dataset("cifar10", tmp_path)


def write_cifar100(directory: Path):
    rng = np.random.default_rng(2)
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, n in (("train", 6), ("test", 4)):
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        fine = rng.integers(0, 100, size=n).tolist()
        coarse = rng.integers(0, 20, size=n).tolist()
        out[name] = (images, fine, coarse)
        dump(directory / name, {b"filenames": [b"x.png"] * n, b"batch_label": name.encode(),
                                b"fine_labels": fine, b"coarse_labels": coarse, b"data": cifar_rows(images)})
    dump(directory / "meta", {b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
                              b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)]})
    return out


def test_cifar100_fine_and_coarse(tmp_path):
    written = write_cifar100(tmp_path / "cifar-100-python")
    ds = load_dataset("cifar100", tmp_path)
    assert ds.num_classes == 100 and len(ds.class_names) == 100 and len(ds.coarse_names) == 20
    assert ds.class_names[42] == "fine42" and ds.coarse_names[19] == "coarse19"
    for split, name in ((ds.train, "train"), (ds.test, "test")):
        images, fine, coarse = written[name]
        assert split.images.shape == (len(images), 3, 32, 32) and split.images.dtype == torch.uint8
        assert torch.equal(split.images, torch.from_numpy(images.transpose(0, 3, 1, 2)))
        assert split.targets.tolist() == fine and split.coarse_targets.tolist() == coarse
        assert split.coarse_targets.dtype == torch.int64
    assert int(ds.test.images[2, 0, 10, 20]) == int(written["test"][0][2, 10, 20, 0])


def test_cifar100_missing(tmp_path):
    with pytest.raises(DataSetNotFound) as e:
        load_dataset("cifar100", tmp_path)
    assert str(tmp_path / "cifar-100-python") in str(e.value) and "cifar-100-python.tar.gz" in str(e.value)


# ----------------------------------------------------------------------------------------------
# photographs: decoding, Caltech-256, ImageNet

def save_jpeg(path: Path, img: Image.Image) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="JPEG", quality=95)


def test_decode_resizes_shorter_side_then_centre_crops(tmp_path):
    # 64 wide, 32 tall: four 16-column stripes red | blue | green | red
    a = np.zeros((32, 64, 3), dtype=np.uint8)
    a[:, :16, 0] = a[:, 48:, 0] = 255
    a[:, 16:32, 2] = 255
    a[:, 32:48, 1] = 255
    save_jpeg(tmp_path / "wide.jpg", Image.fromarray(a))
    x = data.decode_images([tmp_path / "wide.jpg"], 16).numpy().astype(int)
    assert x.shape == (1, 3, 16, 16)
    # resized to 32×16 and cropped to the middle 16 columns: the blue and green stripes, no red
    left, right = x[0, :, :, 1:6], x[0, :, :, 10:15]
    assert left[2].min() > 200 and left[0].max() < 60 and left[1].max() < 60
    assert right[1].min() > 200 and right[0].max() < 60 and right[2].max() < 60


def test_decode_converts_grayscale_and_cmyk_to_rgb(tmp_path):
    save_jpeg(tmp_path / "gray.jpg", Image.new("L", (20, 30), 90))
    save_jpeg(tmp_path / "cmyk.jpg", Image.new("CMYK", (30, 20), (0, 255, 255, 0)))  # pure red
    x = data.decode_images([tmp_path / "gray.jpg", tmp_path / "cmyk.jpg"], 8).numpy().astype(int)
    assert x.shape == (2, 3, 8, 8) and x.dtype == np.int64
    assert np.abs(x[0] - 90).max() <= 3
    assert x[1, 0].min() > 200 and x[1, 1:].max() < 60


def test_decode_reports_the_bad_file(tmp_path):
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="bad.jpg"):
        data.decode_images([tmp_path / "bad.jpg"], 8)


CALTECH = {"001.ak47": 10, "002.american-flag": 5, "003.backpack": 6, "257.clutter": 4}


def write_caltech(base: Path) -> dict:
    """Category folders of solid-colour JPEGs; image k has red value 10 + 8k, so it can be recognised."""
    ids, k = {}, 0
    for folder, n in CALTECH.items():
        for j in range(n):
            v = 10 + 8 * k
            size = (40 + 3 * j, 30 + 2 * j) if j % 2 else (30, 50)
            name = f"{folder[:3]}_{j + 1:04d}.jpg"
            if folder == "003.backpack" and j == 0:
                save_jpeg(base / folder / name, Image.new("L", size, v))  # grayscale, as some Caltech photos
            else:
                save_jpeg(base / folder / name, Image.new("RGB", size, (v, 255 - v, 128)))
            ids[v] = folder
            k += 1
    (base / "003.backpack" / "RENAME2").write_text("a stray non-image file, as in the real archive")
    return ids


def image_ids(images: torch.Tensor) -> list[int]:
    """The red value 10 + 8k of each solid-colour test image, snapped to the grid."""
    red = images[:, 0].float().mean(dim=(1, 2)).numpy()
    return [int(10 + 8 * round((r - 10) / 8)) for r in red]


@pytest.fixture(scope="module")
def caltech_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("caltech")
    return root, write_caltech(root / "256_ObjectCategories")


def test_caltech256_classes_shapes_and_clutter(caltech_root):
    root, _ = caltech_root
    ds = load_dataset("caltech256", root, image_size=16)
    assert ds.num_classes == 3 and ds.class_names == ["ak47", "american-flag", "backpack"]
    assert len(ds.train) + len(ds.test) == 21  # clutter and the stray file left out
    for split in (ds.train, ds.test):
        assert split.images.dtype == torch.uint8 and split.images.shape[1:] == (3, 16, 16)
        assert split.targets.dtype == torch.int64
    assert set(ds.train.targets.tolist()) == {0, 1, 2}
    with_clutter = load_dataset("caltech256", root, image_size=16, include_clutter=True)
    assert with_clutter.num_classes == 4 and with_clutter.class_names[-1] == "clutter"
    assert len(with_clutter.train) + len(with_clutter.test) == 25
    assert Counter(torch.cat([with_clutter.train.targets, with_clutter.test.targets]).tolist())[3] == 4


def test_caltech256_split_is_stratified_disjoint_and_deterministic(caltech_root):
    root, ids = caltech_root
    ds = load_dataset("caltech256", root, image_size=16)
    assert Counter(ds.test.targets.tolist()) == {0: 2, 1: 1, 2: 1}  # 20 % of 10, 5, 6, at least one
    train_ids, test_ids = image_ids(ds.train.images), image_ids(ds.test.images)
    assert not set(train_ids) & set(test_ids)
    expected = {v for v, folder in ids.items() if folder != "257.clutter"}
    assert set(train_ids) | set(test_ids) == expected and len(train_ids) + len(test_ids) == len(expected)
    folders = sorted(f for f in CALTECH if f != "257.clutter")
    for split, split_ids in ((ds.train, train_ids), (ds.test, test_ids)):
        assert [folders[t] for t in split.targets.tolist()] == [ids[v] for v in split_ids]
    again = load_dataset("caltech256", root, image_size=16)
    assert torch.equal(again.train.images, ds.train.images) and torch.equal(again.test.targets, ds.test.targets)
    other = [set(image_ids(load_dataset("caltech256", root, image_size=16, split_seed=s).test.images))
             for s in (1, 2, 3)]
    assert any(o != set(test_ids) for o in other)


def test_caltech256_grayscale_becomes_three_equal_channels(caltech_root):
    root, _ = caltech_root
    ds = load_dataset("caltech256", root, image_size=16)
    x = torch.cat([ds.train.images, ds.test.images]).int()
    gray = [(i, xi) for i, xi in enumerate(x) if (xi[0] - xi[1]).abs().max() <= 2]
    assert len(gray) == 1
    assert int((gray[0][1][0] - gray[0][1][2]).abs().max()) <= 2


def test_stratified_split_rules():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 1 + [3] * 2)
    tr, te = data.stratified_split(labels, 0.2, 0)
    assert Counter(labels[te].tolist()) == {0: 2, 1: 1, 3: 1}  # a single image stays in train
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(len(labels)))
    tr2, te2 = data.stratified_split(labels, 0.2, 0)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    with pytest.raises(ValueError, match="test_fraction"):
        data.stratified_split(labels, 1.0, 0)


def test_caltech256_torchvision_layout_and_missing(tmp_path):
    base = tmp_path / "caltech256" / "256_ObjectCategories"
    for folder in ("001.ak47", "002.american-flag"):
        for j in range(2):
            save_jpeg(base / folder / f"{j}.jpg", Image.new("RGB", (20, 20), (50 * j, 0, 0)))
    ds = load_dataset("caltech256", tmp_path, image_size=8)
    assert ds.num_classes == 2 and ds.source == str(base)
    with pytest.raises(DataSetNotFound) as e:
        load_dataset("caltech256", tmp_path / "empty")
    msg = str(e.value)
    assert str(tmp_path / "empty" / "256_ObjectCategories") in msg
    assert str(tmp_path / "empty" / "caltech256" / "256_ObjectCategories") in msg
    assert "Caltech256" in msg


IMAGENET_TRAIN = {"n01440764": 3, "n01443537": 2, "n01484850": 3}
IMAGENET_VAL = {"n01440764": 2, "n01484850": 1}


def write_imagenet(base: Path) -> None:
    v = 0
    for split, counts in (("train", IMAGENET_TRAIN), ("val", IMAGENET_VAL)):
        for wnid, n in counts.items():
            for j in range(n):
                v += 20
                img = Image.new("L", (24, 18), v) if j == 1 else Image.new("RGB", (18, 30), (v, 0, 255 - v))
                save_jpeg(base / split / wnid / f"{wnid}_{j}.JPEG", img)


def test_imagenet_layout_classes_and_targets(tmp_path):
    write_imagenet(tmp_path)
    ds = load_dataset("imagenet", tmp_path, image_size=16, cache=False)
    assert ds.class_names == sorted(IMAGENET_TRAIN) and ds.num_classes == 3
    assert ds.train.images.shape == (8, 3, 16, 16) and ds.test.images.shape == (3, 3, 16, 16)
    assert ds.train.images.dtype == torch.uint8
    assert ds.train.targets.tolist() == [0, 0, 0, 1, 1, 2, 2, 2]
    assert ds.test.targets.tolist() == [0, 0, 2]
    assert not list(tmp_path.glob("*.pt"))  # cache=False writes nothing


def test_imagenet_cache_is_written_and_reused(tmp_path):
    write_imagenet(tmp_path / "imagenet")
    first = load_dataset("imagenet", tmp_path, image_size=16)
    base = tmp_path / "imagenet"
    assert first.source == str(base)
    assert {p.name for p in base.iterdir()} == {"train", "val", "vaal_cache_train_16px.pt",
                                                "vaal_cache_val_16px.pt"}  # no temp files left
    # corrupt one JPEG: a load that decoded would fail, the cached load does not look at it
    (base / "train" / "n01443537" / "n01443537_0.JPEG").write_bytes(b"corrupted")
    with pytest.raises(ValueError, match="n01443537_0.JPEG"):
        load_dataset("imagenet", tmp_path, image_size=16, cache=False)
    second = load_dataset("imagenet", tmp_path, image_size=16)
    for a, b in ((first.train, second.train), (first.test, second.test)):
        assert torch.equal(a.images, b.images) and torch.equal(a.targets, b.targets)
    # the cache is keyed by image size: another size decodes, and meets the corrupt file
    with pytest.raises(ValueError, match="n01443537_0.JPEG"):
        load_dataset("imagenet", tmp_path, image_size=8)


def test_imagenet_cache_goes_stale_when_files_change(tmp_path):
    write_imagenet(tmp_path)
    assert len(load_dataset("imagenet", tmp_path, image_size=8).train) == 8
    save_jpeg(tmp_path / "train" / "n01443537" / "extra.JPEG", Image.new("RGB", (10, 10), (1, 2, 3)))
    again = load_dataset("imagenet", tmp_path, image_size=8)
    assert len(again.train) == 9 and again.train.targets.tolist().count(1) == 3


def test_imagenet_rejects_bad_val_folders(tmp_path):
    write_imagenet(tmp_path)
    save_jpeg(tmp_path / "val" / "n99999999" / "x.JPEG", Image.new("RGB", (10, 10)))
    with pytest.raises(ValueError, match="n99999999"):
        load_dataset("imagenet", tmp_path, image_size=8, cache=False)
    loose = tmp_path / "loose"
    write_imagenet(loose)
    save_jpeg(loose / "val" / "ILSVRC2012_val_00000001.JPEG", Image.new("RGB", (10, 10)))
    with pytest.raises(ValueError, match="loose images"):
        load_dataset("imagenet", loose, image_size=8, cache=False)


def test_imagenet_missing(tmp_path):
    (tmp_path / "train").mkdir()  # train without val is not a data set
    with pytest.raises(DataSetNotFound) as e:
        load_dataset("imagenet", tmp_path)
    msg = str(e.value)
    assert f"{tmp_path}," in msg and str(tmp_path / "imagenet") in msg and "image-net.org" in msg


def test_imagenet_unreadable_cache_is_rebuilt(tmp_path):
    write_imagenet(tmp_path)
    first = load_dataset("imagenet", tmp_path, image_size=8)
    (tmp_path / "vaal_cache_train_8px.pt").write_bytes(b"half a file")
    with pytest.warns(UserWarning, match="unreadable cache"):
        again = load_dataset("imagenet", tmp_path, image_size=8)
    assert torch.equal(again.train.images, first.train.images)
    assert torch.load(tmp_path / "vaal_cache_train_8px.pt", weights_only=True)["images"].shape == (8, 3, 8, 8)
