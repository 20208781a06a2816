"""The street-scene generator's object sizes, chosen on validation scenes: ``python -m bench.scenes``.

Segmentation can rank samplers only if every class is learnable: with version 1 of the generator, car,
person, pole and sign had IoU 0.0 for every method and at full data. For each candidate
:class:`vaal_core.data.scenes.SceneStyle`, this script generates the book preset's pool (800 scenes of
64×64, stream 0) and 200 validation scenes (stream 2: neither the pool nor the test scenes), trains the
book preset's DRN on all of the pool and on a random 10 % of it (one seed each), and measures per-class
IoU on the validation scenes, beside each class's share of the pixels. Writes
``results/tables/scenes/sweep.csv`` (one row per candidate, size and class), read by the segmentation
chapter. The chosen style is the smallest enlargement whose full-pool IoU is above 0 for every class.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch

from vaal_core.data.scenes import STREET_CLASSES, STYLES, SceneStyle

CANDIDATES = {
    "version 1": STYLES[1],
    "objects ×1.5": SceneStyle(car=1.5, person=1.5, pole_half=(1.0, 0.025), sign_r=(2.0, 0.08)),
    "objects ×2": SceneStyle(car=2.0, person=2.0, pole_half=(1.5, 0.035), sign_r=(3.0, 0.1)),
    "objects ×2, more of them": SceneStyle(car=2.0, person=2.0, pole_half=(1.5, 0.035), sign_r=(3.0, 0.1),
                                           cars=(2, 6), persons=(2, 6), poles=(2, 5)),
    # the DRN's output stride is 8: on a 64×64 scene its logits are an 8×8 grid, so an object narrower than
    # about one cell (8 pixels) is never the majority of a cell
    "objects ×3": SceneStyle(car=2.0, person=3.0, pole_half=(3.0, 0.05), sign_r=(4.0, 0.12)),
    # poles and persons about one logit cell (8 pixels) wide
    "objects ×4": SceneStyle(car=2.0, person=4.0, pole_half=(4.0, 0.07), sign_r=(5.0, 0.15)),
    # poles a darker grey than road and walls (at ×4 they are a cell wide and still never found)
    "objects ×3, dark poles": STYLES[2],  # version 2 of the generator
}
# (style, task-learner overrides): the DRN wider than the book's 1/16 (its first levels have 4 channels)
LEARNERS = {
    "objects ×2, DRN 1/8": ("objects ×2", {"width": 1 / 8}),
    "objects ×2, DRN 1/4": ("objects ×2", {"width": 1 / 4}),
    "version 1, DRN 1/4": ("version 1", {"width": 1 / 4}),
}
OUT = Path("results/tables/scenes/sweep.csv")
N_VAL = 200


def measure(label: str, fractions: list, seed: int = 0) -> list[dict]:
    from vaal_core import presets
    from vaal_core.data.registry import DataSet, Split
    from vaal_core.data.scenes import make_street_scenes
    from vaal_core.runtime import ImageStore, derive_seed, seed_everything
    from vaal_core.task import make_task

    style_name, task = LEARNERS.get(label, (label, {}))
    style = CANDIDATES[style_name]
    exp = presets.resolve("segmentation", "book", overrides={"task": task})
    size, n_pool = exp.data.image_size, exp.data.pool_size
    pool = Split(*make_street_scenes(n_pool, size, 0, 0, style))
    val = Split(*make_street_scenes(N_VAL, size, 0, 2, style))
    ds = DataSet("street_scenes", pool, val, num_classes=len(STREET_CLASSES), class_names=list(STREET_CLASSES))
    device = torch.device("cpu")
    store = ImageStore(pool.images, device)
    val_store = store.like(val.images)
    task = make_task(exp.task, ds)
    share = torch.bincount(val.targets.flatten().long(), minlength=ds.num_classes).double()
    share = (100 * share / share.sum()).tolist()
    rows = []
    for frac in fractions:
        g = seed_everything(derive_seed(seed, frac, "scenes"))
        idx = torch.randperm(n_pool, generator=g)[:int(round(frac * n_pool))]
        t0 = time.perf_counter()
        model = task.build(device)
        task.fit(model, store, idx, pool.targets[idx], g)
        scores = task.evaluate(model, val_store, val.targets)
        dt = time.perf_counter() - t0
        print(f"{label:<28} {100 * frac:>4.0f} %: mIoU {scores['miou']:.2f} ({dt:.0f} s) "
              + " ".join(f"{c} {scores[f'iou/{c}']:.1f}" for c in STREET_CLASSES), flush=True)
        rows += [{"candidate": label, "labeled_fraction": frac, "class": c, "iou": scores[f"iou/{c}"],
                  "pixel_share": share[k], "miou": scores["miou"], "train_s": dt} for k, c in enumerate(STREET_CLASSES)]
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidates", nargs="+", default=[*CANDIDATES, *LEARNERS])
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.1, 1.0])
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    from vaal_core.results import atomic_write_text

    rows = [r for c in args.candidates for r in measure(c, args.fractions)]
    df = pd.DataFrame(rows)
    if OUT.exists():
        old = pd.read_csv(OUT)
        df = pd.concat([old[~old["candidate"].isin(args.candidates)], df], ignore_index=True)
    atomic_write_text(OUT, df.to_csv(index=False))
    print(df.pivot_table(index="class", columns=["candidate", "labeled_fraction"], values="iou").round(1).to_string())


if __name__ == "__main__":
    main()
