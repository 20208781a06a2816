"""Sampling-time benchmark: ``python -m bench.sampling [--device auto] [--width W] [--repeats 5]``.

A pool of CIFAR-10's training size on the current device — 5,000 labeled and 45,000 unlabeled
synthetic 3×32×32 images (timing does not depend on the pixels) — and a budget of 2,500. Prints each
method's query time (median of ``--repeats`` after a warm-up), the floor (one batched inference pass of
the task model over the unlabeled pool) and the ratio to it. Models are freshly initialised: how well
they are trained does not change how long a query takes. Targets (issue 3): VAAL ≤ 1.5× the floor,
Core-set ≤ 5× on CPU, MC-Dropout ≤ 12×.
"""
from __future__ import annotations

import argparse

import torch

from vaal_core import config
from vaal_core.runtime import ImageStore, resolve_device, seed_everything
from vaal_core.strategies import REGISTRY, Context
from vaal_core.task import ClassificationTask
from vaal_core.timing import median_time, sampling_times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--width", type=float, default=None, help="task/VAE width (default: 1 on GPU, 1/8 on CPU)")
    ap.add_argument("--labeled", type=int, default=5000)
    ap.add_argument("--unlabeled", type=int, default=45000)
    ap.add_argument("--budget", type=int, default=2500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--methods", nargs="*", default=sorted(REGISTRY))
    args = ap.parse_args(argv)

    device = resolve_device(args.device)
    width = args.width or (1.0 if device.type == "cuda" else 0.125)
    g = seed_everything(0)
    n = args.labeled + args.unlabeled
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    exp = config.resolve("classification", "paper", device=args.device, overrides={
        "task": {"width": width, "epochs": 1}, "vaal": {"width": width, "iterations": 2}})
    store = ImageStore(images, device)
    task = ClassificationTask(exp.task, 3, 10)
    model = task.build(device)
    lab, unl = torch.arange(args.labeled), torch.arange(args.labeled, n)
    ctx = Context(store, lab, unl, args.budget, task, model, exp, g, labels[lab])
    print(f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}), "
          f"width {width:g}, {args.labeled} labeled + {args.unlabeled} unlabeled 3x32x32, budget {args.budget}, "
          f"median of {args.repeats}")
    df = sampling_times(ctx, args.methods, args.repeats)
    # the textbook MC-Dropout: 10 full passes with dropout on (timed once: it is the slow reference)
    naive = median_time(lambda: [task.logits(model, store, unl, mc_dropout=True) for _ in range(10)], device,
                        repeats=1, warmup=0)
    print(df[["method", "median_s", "min_s", "max_s", "x_floor", "fit_s"]].to_string(index=False,
                                                                                     float_format="%.3f"))
    floor = df.loc[df.method == "floor", "median_s"].item()
    print(f"for reference, 10 full MC-dropout passes (no trunk/head split): {naive['median_s']:.3f} s "
          f"= {naive['median_s'] / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
