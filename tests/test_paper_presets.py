"""Every chapter's `paper` preset runs end to end, on tiny files in the real on-disk formats written here.

Only iteration counts, epochs, pool sizes and the last fraction (20 %: three cycles) are overridden
(``SHORT``), so the data set, the budget rule, the model widths, the optimizers and the variants are the
preset's; seed 0 only. Stated exceptions: the segmentation presets' 688-pixel inputs and fixed budgets of 150
/ 400 images are replaced by 32-pixel inputs and a budget of 2 (a full-width DRN at 688 × 1376 takes seconds
per image on a CPU, and a fixed budget of 150 needs a pool of over 1,000 images); the capacity chapter stops
at 15 % of the pool (one acquisition) with VAE batches of 16 (its VAE at twice the paper's width takes ~27 s
per step of 64 + 64 images on a CPU); and every method runs at its paper settings in the classification and
segmentation tests, so the robustness chapters run their variants with Random alone, the ablation chapter its
three ablations and the own-method chapter its example alone (to keep CI within its time).
"""
import math

import numpy as np
import pytest
import torch
from PIL import Image
from test_data import cifar_rows, dump, write_cifar10
from test_data_segmentation import _write_bdd, _write_cityscapes

from vaal_core import catalog, config, data, jobs, loop, presets, timing

SHORT = {"task": {"epochs": 1, "min_steps": 0}, "vaal": {"iterations": 2}, "strategies": {"mc_passes": 2},
         "loop": {"final_fraction": 0.2}}
SEG = {"data": {"image_size": 32}, "loop": {"budget": 2}, "task": {"infer_batch_size": 8},
       "vaal": {"image_size": 32, "score_batch_size": 16}}


def write_cifar100(directory, n_train=60, n_test=12):
    """CIFAR-100's python pickles (``train``, ``test``, ``meta``) with random images and labels."""
    rng = np.random.default_rng(3)
    directory.mkdir(parents=True, exist_ok=True)
    for name, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        fine = rng.integers(0, 100, size=n)
        dump(directory / name, {b"filenames": [b"x.png"] * n, b"batch_label": name.encode(),
                                b"fine_labels": fine.tolist(), b"coarse_labels": (fine // 5).tolist(),
                                b"data": cifar_rows(images)})
    dump(directory / "meta", {b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
                              b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)]})


def write_noisy_cityscapes(root, n_train=24, n_test=4):
    _write_cityscapes(root / "cityscapes", {"train": {"aachen": n_train}, "val": {"frankfurt": n_test}})
    rng = np.random.default_rng(4)  # images that differ, so that the methods have something to rank
    for p in sorted((root / "cityscapes" / "leftImg8bit").rglob("*.png")):
        Image.fromarray(rng.integers(0, 256, size=(32, 64, 3), dtype=np.uint8)).save(p)


def write_data(root, dataset):
    if dataset == "cifar10":
        write_cifar10(root / "cifar-10-batches-py", per_batch=12)  # 60 training, 12 test images
    elif dataset == "cifar100":
        write_cifar100(root / "cifar-100-python")
    elif dataset == "cityscapes":
        write_noisy_cityscapes(root)
    elif dataset == "bdd100k":
        _write_bdd(root / "bdd100k", {"train": [f"{i:08x}-train" for i in range(24)],
                                      "val": [f"{i:08x}-val" for i in range(4)]})


METHODS = {"bias": ["random"], "budget": ["random"], "noise": ["random"], "architecture": ["random"],
           "ablation": ["fixed_vae_dis", "dis_only", "vae_w2"], "own_method": [presets.OWN_EXAMPLE]}
OWN_BOUNDS = {"architecture": 2, "noise": 4}  # VGG16 / ResNet18; ε = 0, 10, 20, 30 %


def paper_experiment(chapter, tmp_path):
    exp = presets.resolve(chapter, "paper", results_dir=str(tmp_path / "results"))
    write_data(tmp_path / "data", exp.data.dataset)
    overrides = config._merge(SHORT, SEG) if exp.task.arch == "drn" else SHORT
    if chapter == "capacity":
        overrides = config._merge(overrides, {"loop": {"final_fraction": 0.15}, "vaal": {"batch_size": 16}})
    return presets.resolve(chapter, "paper", data_root=str(tmp_path / "data"), results_dir=str(tmp_path / "results"),
                          seeds=[0], methods=METHODS.get(chapter), device="cpu", overrides=overrides)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", [*catalog.CHAPTERS])
def test_paper_preset_runs_end_to_end(chapter, tmp_path):
    exp = paper_experiment(chapter, tmp_path)
    preset = presets.PRESETS[chapter]["paper"]
    assert exp.data.dataset == preset["data"]["dataset"] and exp.task.width == 1.0  # the preset's, full width
    variants = exp.variants or {"": {}}
    rows = jobs.run_variants(exp, variants, upper_bound=True, verbose=False, workers=1)
    progress = jobs.run_progress(exp, variants, upper_bound=True)
    # every variant lists its methods and its full-data bound (its own run, or the base one it shares)
    assert progress["finished"].all() and len(progress) == len(variants) * (len(exp.methods) + 1)
    # a variant that changes what the bound is trained with (the learner, the oracle's noise) has its own
    assert progress.loc[progress["method"] == "full", "key"].nunique() == OWN_BOUNDS.get(chapter, 1)
    metric = "miou" if exp.task.arch == "drn" else "accuracy"
    values = rows.loc[rows["metric"] == metric, "value"]
    assert len(values) and values.between(0, 100).all() and all(math.isfinite(v) for v in values)
    cycles = rows[rows["method"] != "full"].groupby("key")["cycle"].nunique()
    assert (cycles > 1).all()  # every run went through acquisition rounds
    if exp.data.dataset == "cifar10" and exp.loop.budget is None:  # 60 training images: 10 %, 15 %(, 20 %)
        want = {0.15: [6, 9], 0.2: [6, 9, 12]}[exp.loop.final_fraction]
        assert sorted(rows.loc[rows["method"] != "full", "n_labeled"].unique()) == want


@pytest.mark.slow
def test_timing_paper_preset_measures_every_method(tmp_path):
    exp = paper_experiment("timing", tmp_path)
    exp = config.with_overrides(exp, {"timing": {"pool_sizes": [20, 40], "repeats": 1, "scaling_repeats": 1}})
    out = timing.run_timing(exp, verbose=False)
    assert set(out["table"]["method"]) == {*exp.methods, "floor"}  # "floor": the cost every query pays
    assert (out["table"]["median_s"] > 0).all() and set(out["scaling"]["pool"]) == {20, 40}


def test_bad_paper_scale_input_fails_before_training(tmp_path, monkeypatch):
    """A data root without the data set, and a GPU asked for on a machine without one: each a message
    naming the parameter and the fix, before any training."""
    monkeypatch.setattr(loop, "_train_task", lambda *a, **k: pytest.fail("training started"))
    exp = presets.resolve("classification", "paper", data_root=str(tmp_path), results_dir=str(tmp_path / "r"))
    with pytest.raises(data.DataSetNotFound, match=f"cifar10: .*{tmp_path}.*data_root"):
        jobs.run_experiment(exp, verbose=False)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' but no CUDA device.*'auto' or 'cpu'"):
            jobs.run_experiment(config.with_overrides(exp, {"device": "cuda"}), verbose=False)
