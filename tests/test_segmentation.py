"""The segmentation set-up: task, VAE input resizing, and one cycle of every method."""
import pytest
import torch

from vaal_core import config, jobs, loop, presets
from vaal_core.runtime import ImageStore
from vaal_core.task import SegmentationTask, make_task


def seg_exp(tmp_path, **kw):
    return presets.resolve("segmentation", "smoke", results_dir=str(tmp_path), **kw)


def test_masks_make_a_segmentation_task(tmp_path):
    prep = loop.prepare(seg_exp(tmp_path))
    assert isinstance(prep.task, SegmentationTask) and prep.task.metric == "miou"
    assert prep.pool_targets.dim() == 3


def test_vae_sees_resized_images_and_the_task_its_own(tmp_path):
    exp = seg_exp(tmp_path, overrides={"data": {"image_size": 64}, "vaal": {"image_size": 32}})
    prep = loop.prepare(exp)
    assert tuple(prep.store.images.shape[-2:]) == (64, 64)
    assert tuple(prep.vae_images.images.shape[-2:]) == (32, 32)
    assert len(prep.vae_images) == len(prep.store) and prep.vae_images is not prep.store


def test_flipped_masks_stay_aligned_with_flipped_images():
    imgs = torch.zeros(2, 3, 8, 8, dtype=torch.uint8)
    imgs[:, :, :, :3] = 200  # a bright left band
    masks = (imgs[:, 0] > 100).to(torch.uint8)  # its mask
    st = ImageStore(imgs, torch.device("cpu"))
    task = make_task(config.TaskConfig(arch="drn"), type("D", (), {
        "train": type("S", (), {"targets": masks})(), "channels": 3, "num_classes": 2, "class_names": None})())
    flip = torch.tensor([True, False])
    x = st.batch(torch.arange(2), flip)
    y = task.flip_targets(masks, flip)
    assert torch.equal((x[:, 0] > 0).to(torch.uint8), y)  # bright pixels are exactly the mask's pixels


def test_segmentation_evaluate_reports_miou_and_classes(tmp_path):
    prep = loop.prepare(seg_exp(tmp_path))
    model = prep.task.build(prep.device)
    out = prep.task.evaluate(model, prep.test_store, prep.test_targets)
    assert 0 <= out["miou"] <= 100
    assert {k for k in out if k.startswith("iou/")} == {f"iou/{c}" for c in prep.dataset.class_names}


@pytest.mark.parametrize("method", list(presets.SEGMENTATION_METHODS) + ["fixed_vae_dis", "dis_only", "vae_w2"])
def test_one_cycle_of_every_segmentation_method(tmp_path, method):
    exp = seg_exp(tmp_path, methods=[method], overrides={"task": {"epochs": 1}, "vaal": {"iterations": 3}})
    rows = jobs.run_experiment(exp, upper_bound=False, verbose=False)
    miou = rows[rows.metric == "miou"].sort_values("cycle")
    assert list(miou["n_labeled"]) == [20, 30]  # 10 % and 15 % of 200
    assert miou["value"].between(0, 100).all()
