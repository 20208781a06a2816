"""Tests of vaal_core.data.segmentation: the Cityscapes and BDD100K loaders read tiny files written here in the
real layouts; the synthetic street scenes are checked for determinism, content and class balance."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vaal_core import data
from vaal_core.data import DataSetNotFound, load_dataset
from vaal_core.data import scenes as scene_gen
from vaal_core.data.segmentation import (
    CITYSCAPES_CLASSES,
    STREET_CLASSES,
    load_bdd100k,
    load_cityscapes,
    load_street_scenes,
    make_street_scenes,
    output_size,
)

# a label image of 4 × 8 blocks, each holding one Cityscapes label id: the 19 evaluated ids and some
# that are ignored (0 unlabeled, 1 ego vehicle, 6 ground, 9 parking, 14 guard rail, 16 tunnel,
# 29 caravan, 30 trailer, 255 = the license plate's -1)
CITYSCAPES_BLOCK_IDS = np.array([7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33,
                                 0, 1, 6, 9, 14, 16, 29, 30, 255, 7, 26, 0, 33]).reshape(4, 8)
CITYSCAPES_TRAIN_IDS = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11,
                        25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}


def test_segmentation_sets_are_registered():
    assert {"cityscapes", "bdd100k", "street_scenes"} <= set(data.available_datasets())


def test_output_size_keeps_the_aspect_ratio_on_a_multiple_of_8():
    assert output_size(2048, 1024, 128) == (128, 256)   # Cityscapes
    assert output_size(1280, 720, 128) == (128, 224)    # BDD100K: 227.6 rounds to 224
    assert output_size(1280, 720, 256) == (256, 456)
    assert output_size(100, 100, 64) == (64, 64)


# ----------------------------------------------------------------------------------------------
# Cityscapes

def _blocks(ids: np.ndarray, block: tuple[int, int]) -> np.ndarray:
    return np.kron(ids, np.ones(block, dtype=np.int64)).astype(np.uint8)


def _write_cityscapes(root: Path, cities: dict[str, dict[str, int]]) -> None:
    """Images 64×32 (Cityscapes' 2:1) whose colour encodes the file index, and block label images."""
    labels = _blocks(CITYSCAPES_BLOCK_IDS, (8, 8))  # (32, 64)
    k = 0
    for split, per_city in cities.items():
        for city, n in per_city.items():
            for i in range(n):
                name = f"{city}_{i:06d}_000019"
                image_dir = root / "leftImg8bit" / split / city
                label_dir = root / "gtFine" / split / city
                image_dir.mkdir(parents=True, exist_ok=True)
                label_dir.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (64, 32), (10 * k, 100, 200)).save(image_dir / f"{name}_leftImg8bit.png")
                Image.fromarray(labels).save(label_dir / f"{name}_gtFine_labelIds.png")
                # files of other kinds in the same folders must not be picked up
                Image.fromarray(labels).save(label_dir / f"{name}_gtFine_color.png")
                k += 1


@pytest.fixture
def cityscapes_root(tmp_path):
    _write_cityscapes(tmp_path / "cityscapes", {"train": {"aachen": 2, "bremen": 1}, "val": {"frankfurt": 1}})
    return tmp_path


def test_cityscapes_shapes_splits_and_label_mapping(cityscapes_root):
    ds = load_cityscapes(cityscapes_root, image_size=16)
    assert ds.name == "cityscapes" and ds.num_classes == 19 and ds.class_names == CITYSCAPES_CLASSES
    assert ds.source == str(cityscapes_root / "cityscapes")
    assert len(ds.train) == 3 and len(ds.test) == 1  # train = train, test = val
    assert ds.train.images.dtype == torch.uint8 and ds.train.images.shape == (3, 3, 16, 32)
    assert ds.train.targets.dtype == torch.uint8 and ds.train.targets.shape == (3, 16, 32)
    # files in sorted order (aachen, aachen, bremen); a constant image stays constant when resized
    assert ds.train.images[:, 0, 0, 0].tolist() == [0, 10, 20]
    assert (ds.train.images[1] == torch.tensor([10, 100, 200]).view(3, 1, 1)).all()
    # each 8×8 source block is 4×4 at half size: its label is the train id of its label id, or 255
    mask = ds.test.targets[0].numpy()
    for (r, c), label_id in np.ndenumerate(CITYSCAPES_BLOCK_IDS):
        assert (mask[4 * r:4 * r + 4, 4 * c:4 * c + 4] == CITYSCAPES_TRAIN_IDS.get(label_id, 255)).all()
    assert set(np.unique(mask)) == set(range(19)) | {255}


def test_cityscapes_mask_resizing_invents_no_labels(tmp_path):
    rng = np.random.default_rng(0)
    _write_cityscapes(tmp_path, {"train": {"a": 1}, "val": {"b": 1}})
    # replace the train label by per-pixel noise of three ids: every resized pixel must be one of them
    labels = rng.choice(np.array([7, 26, 0], dtype=np.uint8), size=(32, 64))
    (label,) = (tmp_path / "gtFine" / "train" / "a").glob("*_labelIds.png")
    Image.fromarray(labels).save(label)
    for size in (8, 24):  # shrinking and enlarging, at a non-integer scale
        ds = load_cityscapes(tmp_path, image_size=size)
        assert ds.train.targets.shape == (1, size, 2 * size)
        assert set(ds.train.targets.unique().tolist()) <= {0, 13, 255}


def test_cityscapes_missing_label_file_is_named(cityscapes_root):
    missing = next((cityscapes_root / "cityscapes" / "gtFine" / "train" / "bremen").glob("*_labelIds.png"))
    missing.unlink()
    with pytest.raises(FileNotFoundError, match=missing.name) as e:
        load_cityscapes(cityscapes_root, image_size=16)
    assert not isinstance(e.value, DataSetNotFound)  # the data set is there but incomplete


def test_cityscapes_label_of_another_size_is_an_error(cityscapes_root):
    label = next((cityscapes_root / "cityscapes" / "gtFine" / "val").glob("*/*_labelIds.png"))
    Image.new("L", (32, 16), 7).save(label)
    with pytest.raises(ValueError, match="32×16 but its image"):
        load_cityscapes(cityscapes_root, image_size=16)


def test_missing_data_sets_name_the_places_searched(tmp_path):
    for name, where in (("cityscapes", [tmp_path, tmp_path / "cityscapes"]),
                        ("bdd100k", [tmp_path, tmp_path / "bdd100k"])):
        with pytest.raises(DataSetNotFound) as e:
            load_dataset(name, data_root=tmp_path)
        message = str(e.value)
        assert all(str(d) in message for d in where), message
        assert "login" in message  # and how to get the files
    with pytest.raises(DataSetNotFound, match="no data_root was given"):
        load_cityscapes(None)


def test_image_size_must_be_a_multiple_of_8(cityscapes_root):
    with pytest.raises(ValueError, match="multiple of 8"):
        load_cityscapes(cityscapes_root, image_size=20)


# ----------------------------------------------------------------------------------------------
# BDD100K

BDD_BLOCK_IDS = np.array(list(range(19)) + [255] * 5 + [0, 5, 13, 18, 255, 2, 11, 10]).reshape(4, 8)


def _write_bdd(root: Path, stems: dict[str, list[str]]) -> None:
    """JPEG images 128×72 (BDD's 16:9) and PNG masks of 4 × 8 blocks of train ids."""
    masks = _blocks(BDD_BLOCK_IDS, (18, 16))  # (72, 128)
    for split, names in stems.items():
        image_dir = root / "images" / "10k" / split
        mask_dir = root / "labels" / "sem_seg" / "masks" / split
        image_dir.mkdir(parents=True)
        mask_dir.mkdir(parents=True)
        for stem in names:
            Image.new("RGB", (128, 72), (90, 60, 30)).save(image_dir / f"{stem}.jpg", quality=95)
            Image.fromarray(masks).save(mask_dir / f"{stem}.png")


@pytest.fixture
def bdd_root(tmp_path):
    _write_bdd(tmp_path / "bdd100k", {"train": ["0a0a0b1a-7c39d841", "0a0c3694-24b5193a"],
                                      "val": ["7d06fefd-f7be05a6"]})
    return tmp_path


def test_bdd100k_shapes_splits_and_masks(bdd_root):
    ds = load_dataset("bdd100k", data_root=bdd_root, image_size=16)
    assert ds.num_classes == 19 and ds.class_names == CITYSCAPES_CLASSES
    assert len(ds.train) == 2 and len(ds.test) == 1
    # 128×72 at height 16: 28.4 wide, rounded to 32
    assert ds.train.images.shape == (2, 3, 16, 32) and ds.test.targets.shape == (1, 16, 32)
    assert ds.train.images.dtype == torch.uint8 and ds.train.targets.dtype == torch.uint8
    # a flat JPEG stays close to its colour
    assert (ds.train.images.float().mean(dim=(2, 3))[0] - torch.tensor([90.0, 60, 30])).abs().max() < 4
    # the masks already hold train ids: kept as they are (blocks are 4 × 4 at this size)
    mask = ds.test.targets[0].numpy()
    for (r, c), train_id in np.ndenumerate(BDD_BLOCK_IDS):
        assert (mask[4 * r + 1:4 * r + 3, 4 * c + 1:4 * c + 3] == train_id).all()
    assert set(np.unique(mask)) <= set(range(19)) | {255}


def test_bdd100k_missing_mask_and_bad_values_are_errors(bdd_root):
    masks = bdd_root / "bdd100k" / "labels" / "sem_seg" / "masks" / "train"
    (masks / "0a0c3694-24b5193a.png").unlink()
    with pytest.raises(FileNotFoundError, match="0a0c3694-24b5193a.png"):
        load_bdd100k(bdd_root, image_size=16)
    Image.fromarray(np.full((72, 128), 40, dtype=np.uint8)).save(masks / "0a0c3694-24b5193a.png")
    with pytest.raises(ValueError, match=r"0a0c3694-24b5193a.png: unexpected label values \[40\]"):
        load_bdd100k(bdd_root, image_size=16)


# ----------------------------------------------------------------------------------------------
# street_scenes (synthetic)

@pytest.fixture(scope="module")
def scenes():
    # the loader's default size, also the speed check: 2,000 scenes must take seconds, not minutes
    return make_street_scenes(2000, 64, seed=0)


def test_street_scenes_are_deterministic_and_stable_per_index(scenes):
    images, masks = scenes
    assert images.shape == (2000, 3, 64, 64) and images.dtype == torch.uint8
    assert masks.shape == (2000, 64, 64) and masks.dtype == torch.uint8
    small_images, small_masks = make_street_scenes(25, 64, seed=0)
    assert torch.equal(small_images, images[:25]) and torch.equal(small_masks, masks[:25])
    other, _ = make_street_scenes(25, 64, seed=1)
    assert not torch.equal(other, small_images)
    assert len({bytes(i.numpy()) for i in images[:100]}) == 100  # no two scenes alike


def test_street_scenes_hold_every_class_in_a_reasonable_balance(scenes):
    _, masks = scenes
    masks = masks[:200]
    assert int(masks.max()) < len(STREET_CLASSES)
    share = torch.bincount(masks.flatten(), minlength=len(STREET_CLASSES)).double() / masks.numel()
    assert (share > 0.001).all(), share  # every class appears, the small ones too
    assert share[scene_gen.SKY] < 0.7 and share.max() < 0.5, share
    present = torch.stack([(masks == k).flatten(1).any(1) for k in range(len(STREET_CLASSES))])
    assert (present.double().mean(1) > 0.5).all()  # and most classes in most images


def test_colour_alone_does_not_separate_the_classes(scenes):
    images, masks = scenes
    pixels = images[:100].permute(0, 2, 3, 1).reshape(-1, 3).float()
    labels = masks[:100].flatten().long()
    means = torch.stack([pixels[labels == k].mean(0) for k in range(len(STREET_CLASSES))])
    nearest_mean = torch.cdist(pixels, means).argmin(1)
    assert (nearest_mean == labels).double().mean() < 0.8


def test_street_scenes_loader():
    ds = load_dataset("street_scenes", image_size=32, n_train=12, n_test=4, seed=3)
    assert ds.name == "street_scenes" and ds.num_classes == len(STREET_CLASSES) == 9
    assert ds.class_names == STREET_CLASSES and "generated" in ds.source
    assert ds.train.images.shape == (12, 3, 32, 32) and ds.test.targets.shape == (4, 32, 32)
    assert torch.equal(ds.train.images, make_street_scenes(12, 32, seed=3)[0])
    assert not torch.equal(ds.test.images, ds.train.images[:4])  # test scenes are other scenes
    with pytest.raises(ValueError, match="multiple of 8"):
        load_street_scenes(image_size=36)
