"""Sampling-time benchmark: ``python -m bench.sampling [--device auto] [--width W] [--repeats 5]``.

Two cases, each row printed as it is measured:
- classification: a pool of CIFAR-10's training size — 5,000 labeled and 45,000 unlabeled synthetic
  3×32×32 images (timing does not depend on the pixels) — a budget of 2,500, and Table 1's six methods;
- segmentation: a Cityscapes-sized pool (2,975 images, budget 150) with the DRN, for QBC, SA and the
  ablation samplers of Fig. 4.
Each method's query time is the median of ``--repeats`` after a warm-up, beside the floor (one batched
inference pass of the task model over the unlabeled pool) and the ratio to it. Models are freshly
initialised: how well they are trained does not change how long a query takes.
"""
from __future__ import annotations

import argparse

import pandas as pd
import torch

from vaal_core import presets
from vaal_core.loop import resized_for_vae
from vaal_core.runtime import ImageStore, resolve_device, seed_everything
from vaal_core.strategies import Context, check_method
from vaal_core.task import ClassificationTask, SegmentationTask
from vaal_core.timing import fit_strategies, floor_time, median_time

TABLE1 = ["vaal", "coreset", "ensembles", "mc_dropout", "dbal", "random"]  # the paper's Table 1
SEGMENTATION = ["qbc", "sa", "dis_only", "fixed_vae_dis", "vae_w2"]  # Fig. 3's and Fig. 4's own samplers


def _time_each(ctx: Context, methods: list, repeats: int) -> pd.DataFrame:
    """The floor, then each method fitted once and its query timed; each row printed as it is measured."""
    floor = floor_time(ctx, repeats)
    rows = [{"method": "floor", **floor, "fit_s": 0.0}]
    print(f"{'floor':>14}: {floor['median_s']:8.3f} s", flush=True)
    state = ctx.generator.get_state()
    for m in methods:
        (strat, fit_s), = fit_strategies(ctx, [m]).values()

        def query():
            ctx.generator.set_state(state)
            return strat.query(ctx)

        t = median_time(query, ctx.store.device, repeats)
        rows.append({"method": m, **t, "fit_s": fit_s})
        print(f"{m:>14}: {t['median_s']:8.3f} s = {t['median_s'] / floor['median_s']:6.2f}x the floor "
              f"(fit {fit_s:.1f} s)", flush=True)
    df = pd.DataFrame(rows)
    df["x_floor"] = df["median_s"] / floor["median_s"]
    return df


def classification_case(args, device, width) -> None:
    g = seed_everything(0)
    n = args.labeled + args.unlabeled
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    exp = presets.resolve("classification", "paper", device=args.device, overrides={
        "task": {"width": width, "epochs": 1}, "vaal": {"width": width, "iterations": 2}})
    store = ImageStore(images, device)
    task = ClassificationTask(exp.task, 3, 10)
    model = task.build(device)
    lab, unl = torch.arange(args.labeled), torch.arange(args.labeled, n)
    ctx = Context(store, lab, unl, args.budget, task, model, exp, g, labels[lab])
    print(f"classification: device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}), "
          f"width {width:g}, {args.labeled} labeled + {args.unlabeled} unlabeled 3x32x32, budget {args.budget}, "
          f"median of {args.repeats}", flush=True)
    _time_each(ctx, args.methods or TABLE1, args.repeats)
    floor = floor_time(ctx, args.repeats)["median_s"]
    # the textbook MC-Dropout: 10 full passes with dropout on (timed once: it is the slow reference)
    naive = median_time(lambda: [task.logits(model, store, unl, mc_dropout=True) for _ in range(10)], device,
                        repeats=1, warmup=0)
    print(f"for reference, 10 full MC-dropout passes (no trunk/head split): {naive['median_s']:.3f} s "
          f"= {naive['median_s'] / floor:.2f}x the floor", flush=True)


def segmentation_case(args, device, width) -> None:
    """A Cityscapes-sized pool (2,975 training images, budget 150 as in §4.2) of synthetic 3×H×2H images
    with masks, the DRN task learner, and the segmentation and ablation samplers."""
    g = seed_everything(0)
    h = args.seg_height
    n, n_lab = 2975, 298
    images = torch.randint(0, 256, (n, 3, h, 2 * h), dtype=torch.uint8, generator=g)
    masks = torch.randint(0, 19, (n, h, 2 * h), dtype=torch.uint8, generator=g)
    exp = presets.resolve("segmentation", "paper", device=args.device, overrides={
        "task": {"width": width, "epochs": 1}, "vaal": {"width": width, "iterations": 2, "image_size": 32},
        "strategies": {"members": args.members}})
    store = ImageStore(images, device)
    task = SegmentationTask(exp.task, 3, 19)
    model = task.build(device)
    lab, unl = torch.arange(n_lab), torch.arange(n_lab, n)
    vae_images = resized_for_vae(images, 32, device)
    ctx = Context(store, lab, unl, 150, task, model, exp, g, masks[lab], vae_images)
    print(f"segmentation: {n_lab} labeled + {n - n_lab} unlabeled 3x{h}x{2 * h}, budget 150, DRN width {width:g}, "
          f"committees of {args.members}, median of {args.repeats}", flush=True)
    _time_each(ctx, args.seg_methods or SEGMENTATION, args.repeats)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--width", type=float, default=None, help="task/VAE width (default: 1 on GPU, 1/8 on CPU)")
    ap.add_argument("--labeled", type=int, default=5000)
    ap.add_argument("--unlabeled", type=int, default=45000)
    ap.add_argument("--budget", type=int, default=2500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--methods", nargs="*", default=None, help=f"classification case (default: Table 1's, {TABLE1})")
    ap.add_argument("--seg-methods", nargs="*", default=None, help=f"segmentation case (default: {SEGMENTATION})")
    ap.add_argument("--seg-height", type=int, default=None,
                    help="segmentation image height (default: 128 on GPU, 32 on CPU)")
    ap.add_argument("--members", type=int, default=None, help="committee size (default: 5 on GPU, 2 on CPU)")
    ap.add_argument("--cases", nargs="+", choices=["classification", "segmentation"],
                    default=["classification", "segmentation"])
    args = ap.parse_args(argv)
    for m in (args.methods or []) + (args.seg_methods or []):
        check_method(m)
    device = resolve_device(args.device)
    gpu = device.type == "cuda"
    width = args.width or (1.0 if gpu else 0.125)
    args.seg_height = args.seg_height or (128 if gpu else 32)
    args.members = args.members or (5 if gpu else 2)
    if "classification" in args.cases:
        classification_case(args, device, width)
    if "segmentation" in args.cases:
        segmentation_case(args, device, width)


if __name__ == "__main__":
    main()
