"""Training-speed benchmark: ``python -m bench.train [--device auto] [--width W]``.

Prints VAAL training iterations per second (one VAE step and one discriminator step on a labeled and
an unlabeled batch, Algorithm 1) and task-learner steps per second, at batch 64 and 128, on synthetic
3×32×32 images on the current device.
"""
from __future__ import annotations

import argparse
import time

import torch

from vaal_core import config, presets
from vaal_core.runtime import ImageStore, resolve_device, seed_everything
from vaal_core.task import ClassificationTask
from vaal_core.vaal import build_vaal, train_vaal


def _rate(fn, steps: int, device) -> float:
    fn(max(2, steps // 10))  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--width", type=float, default=None, help="default: 1 on GPU, 1/16 (VAE) and 1/8 (task) on CPU")
    ap.add_argument("--steps", type=int, default=None)
    args = ap.parse_args(argv)
    device = resolve_device(args.device)
    gpu = device.type == "cuda"
    vae_w = args.width or (1.0 if gpu else 1 / 16)
    task_w = args.width or (1.0 if gpu else 1 / 8)
    steps = args.steps or (200 if gpu else 30)
    g = seed_everything(0)
    n = 8192
    store = ImageStore(torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g), device)
    labels = torch.randint(0, 10, (n,), generator=g)
    idx = torch.arange(n)
    print(f"device {device}{' (' + torch.cuda.get_device_name() + ')' if gpu else ''}, "
          f"VAE width {vae_w:g}, task width {task_w:g}, {steps} timed steps")
    for batch in (64, 128):
        exp = presets.resolve("classification", "paper", device=args.device, overrides={
            "vaal": {"width": vae_w, "batch_size": batch}, "task": {"width": task_w, "batch_size": batch}})
        vae, disc = build_vaal(exp.vaal, 3, 32, device)

        def vaal_steps(k):
            cfg = config.VAALConfig(**{**exp.vaal.__dict__, "iterations": k})
            train_vaal(vae, disc, store, idx[: n // 2], idx[n // 2:], cfg, g)

        task = ClassificationTask(exp.task, 3, 10)
        model = task.build(device)

        def task_steps(k):
            task.cfg = config.TaskConfig(**{**exp.task.__dict__, "epochs": 1})
            sub = idx[: k * batch]
            task.fit(model, store, sub, labels[sub], g)

        v = _rate(vaal_steps, steps, device)
        t = _rate(task_steps, steps, device)
        print(f"batch {batch:>3}: VAAL (VAE + D) {v:8.1f} it/s = {v * 2 * batch:9.0f} img/s | "
              f"task learner {t:8.1f} it/s = {t * batch:9.0f} img/s")


if __name__ == "__main__":
    main()
