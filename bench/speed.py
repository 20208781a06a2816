"""What makes one cycle of the classification setting faster, measured side by side: ``python -m bench.speed``.

On the book preset's data and networks (Fashion-MNIST, VGG16 at 1/8 width, the 1/16-wide VAE + D), each
candidate runs the same work after a warm-up and is timed in CPU seconds of this process
(``time.process_time``: robust to other processes sharing the machine, which wall time is not), and every
ratio is printed against the book's way (eager PyTorch, channels-last images, scoring batches of 1,024):

- the task learner's training steps: channels-last vs contiguous images, and ``torch.compile`` of the model;
- Algorithm 1's iterations (VAE + D): eager vs ``torch.compile`` of both networks;
- Algorithm 2's scoring of the unlabeled pool: batches of 256, 1,024 and 4,096;
- the worker layout: the CPU seconds one training step costs in a single-threaded process and in a
  two-threaded one (a two-threaded process spin-waits when the other core is busy).

Whether the faster variants change the numbers is printed too (the largest difference of the losses after
the same steps): a variant that changes them can serve new runs only with a results-version bump.
Writes ``results/tables/speed/speed.csv``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch

OUT = Path("results/tables/speed/speed.csv")


def _cpu(fn, repeats: int = 1) -> float:
    fn()  # warm-up (and compilation)
    t0 = time.process_time()
    for _ in range(repeats):
        fn()
    return (time.process_time() - t0) / repeats


def task_steps(prep, steps: int, compiled: bool = False, contiguous: bool = False) -> tuple[float, float]:
    """CPU seconds of ``steps`` training steps on 1,000 labels, and the final loss."""
    import dataclasses

    from vaal_core.runtime import seed_everything

    cfg = dataclasses.replace(prep.task.cfg, epochs=1, min_steps=steps, schedule="constant")
    task = type(prep.task)(cfg, prep.task.in_channels, prep.task.num_classes)
    store = prep.store
    if contiguous:
        store = store.like(store.images)
        store.memory_format = torch.contiguous_format
    idx = torch.arange(1000)
    out = {}
    seed_everything(0)
    model = task.build(prep.device)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    model = torch.compile(model) if compiled else model  # compiled once: the warm-up pays the compilation

    def run():
        g = seed_everything(0)
        getattr(model, "_orig_mod", model).load_state_dict(start)  # a compiled module wraps the original
        out["loss"] = task.fit(model, store, idx, prep.pool_targets[idx], g)["final_loss"]

    return _cpu(run), out["loss"]


def vaal_iterations(prep, iterations: int, compiled: bool = False) -> tuple[float, float]:
    import dataclasses

    from vaal_core.runtime import seed_everything
    from vaal_core.vaal import build_vaal, train_vaal

    cfg = dataclasses.replace(prep.exp.vaal, iterations=iterations)
    out = {}

    seed_everything(0)
    vae, disc = build_vaal(cfg, prep.store.images.shape[1], prep.store.images.shape[-1], prep.device)
    start = [{k: v.clone() for k, v in m.state_dict().items()} for m in (vae, disc)]
    if compiled:  # compiled once: the warm-up pays the compilation
        vae, disc = torch.compile(vae), torch.compile(disc)

    def run():
        g = seed_everything(0)
        getattr(vae, "_orig_mod", vae).load_state_dict(start[0])
        getattr(disc, "_orig_mod", disc).load_state_dict(start[1])
        out["loss"] = train_vaal(vae, disc, prep.vae_images, torch.arange(1000), torch.arange(1000, 10000), cfg,
                                 g)["vae_trd"]

    return _cpu(run), out["loss"]


def scoring(prep, batch: int) -> float:
    from vaal_core.runtime import seed_everything
    from vaal_core.vaal import build_vaal, discriminator_scores

    seed_everything(0)
    vae, disc = build_vaal(prep.exp.vaal, prep.store.images.shape[1], prep.store.images.shape[-1], prep.device)
    return _cpu(lambda: discriminator_scores(vae, disc, prep.vae_images, torch.arange(1000, 10000), batch), 3)


def layout(threads: int, steps: int) -> float:
    """CPU seconds per training step in a fresh process with ``threads`` intra-op threads."""
    code = (f"import torch; torch.set_num_threads({threads}); from bench.speed import _prep, task_steps; "
            f"print(task_steps(_prep(), {steps})[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"OMP_NUM_THREADS": str(threads), "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    return float(out.stdout.strip().splitlines()[-1]) / steps


def _prep():
    from vaal_core import loop, presets

    return loop.prepare(presets.resolve("classification", "book"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile (it needs a C++ compiler)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    prep = _prep()
    rows = []

    def add(part, variant, seconds, base, loss=None, base_loss=None):
        rows.append({"part": part, "variant": variant, "cpu_s": seconds, "speed-up": base / seconds,
                     "loss change": None if loss is None else abs(loss - base_loss)})
        print(f"{part:<22} {variant:<32} {seconds:8.3f} CPU s  {base / seconds:5.2f}×"
              + ("" if loss is None else f"  |Δ loss| {abs(loss - base_loss):.2e}"), flush=True)

    base, base_loss = task_steps(prep, args.steps)
    add("task training", "book: eager, channels-last", base, base, base_loss, base_loss)
    s, loss = task_steps(prep, args.steps, contiguous=True)
    add("task training", "contiguous (NCHW) images", s, base, loss, base_loss)
    if not args.no_compile:
        s, loss = task_steps(prep, args.steps, compiled=True)
        add("task training", "torch.compile", s, base, loss, base_loss)
    vbase, vloss = vaal_iterations(prep, args.iterations)
    add("VAE + D (Algorithm 1)", "book: eager", vbase, vbase, vloss, vloss)
    if not args.no_compile:
        s, loss = vaal_iterations(prep, args.iterations, compiled=True)
        add("VAE + D (Algorithm 1)", "torch.compile", s, vbase, loss, vloss)
    sbase = scoring(prep, 1024)
    for b in (256, 1024, 4096):
        add("scoring (Algorithm 2)", f"batches of {b}", sbase if b == 1024 else scoring(prep, b), sbase)
    one = layout(1, args.steps)
    add("worker layout", "1 thread per process (book)", one, one)
    add("worker layout", "2 threads in one process", layout(2, args.steps), one)
    from vaal_core.results import atomic_write_text

    atomic_write_text(OUT, pd.DataFrame(rows).to_csv(index=False))


if __name__ == "__main__":
    main()
