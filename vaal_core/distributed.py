"""One run trained data-parallel on several processes (``torchrun``): ImageNet at the paper's scale.

Launch (one process per GPU; on the CPU ``--nproc_per_node`` processes with the gloo backend)::

    torchrun --nproc_per_node=8 -m vaal_core.distributed classification vaal 0 \\
        --preset paper --dataset imagenet --data-root /data --results-dir results

How it works (docs/ARCHITECTURE.md, "Data-parallel runs"):

- every process holds the whole pool (the on-device :class:`runtime.ImageStore`); each training starts
  from process 0's weights (:func:`broadcast_from_main`);
- every optimizer step's batch is drawn once from the cycle's generator, identically in every process;
  process ``r`` of ``W`` trains on positions ``r, r + W, r + 2W, …`` of it (:func:`shard`), and the
  gradients are averaged over the processes before the step (:func:`average_gradients`, one all-reduce of
  the flattened gradients), so every process applies the same update and the models stay identical. The
  update is the whole batch's, as one process computes it, up to BatchNorm's batch statistics (per shard, as
  with DistributedDataParallel without SyncBatchNorm), dropout masks and the order of floating-point sums;
- BatchNorm's running statistics are averaged over the processes before every evaluation
  (:func:`sync_buffers`), and :func:`check_same` fails a run whose replicas differ;
- acquisition (scores, features, picks) runs in process 0, in fp32, with the single-process code, and its
  picks are broadcast (:func:`picks_from_main`): the selection is what one process selects from the same models;
- process 0 holds the run's lock and writes the results store; the others only read it (:class:`Follower`).

The helpers that training and acquisition call are :mod:`parallel`'s (the bottom layer); this module is the
entry point, at the top.

Why not the ``DistributedDataParallel`` wrapper: VAAL's VAE step back-propagates through the discriminator
with D's weights frozen (``requires_grad`` toggled every iteration), and the ablations call the same modules
in different graphs; DDP fixes its gradient hooks when it wraps a module and rejects both. The explicit
all-reduce is what DDP computes, without overlapping the communication with the backward pass.

With one process (every chapter, every worker of :mod:`jobs`) each function here returns at once and
changes nothing: the single-process numbers and the stored results are those of the code without it.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os

import torch
import torch.distributed as dist

from . import config, loop, presets
from .jobs import cpu_threads
from .keys import run_key
from .parallel import is_main
from .results import ResultsStore, resolve_results_dir
from .runtime import resolve_device


class Follower:
    """The results store as a process other than 0 sees it: reads what is stored (to resume at the same
    cycle), writes nothing (process 0 writes)."""

    def __init__(self, store):
        self.store = store

    def begin(self, key: str, config: dict) -> None:
        pass

    def save_cycle(self, *args, **kwargs) -> None:
        pass

    def rows(self, key: str):
        return self.store.rows(key)

    def selections(self, key: str) -> dict:
        return self.store.selections(key)

    def state(self, key: str):
        return self.store.state(key)

    def finished_cycles(self, key: str, last_cycle: int) -> list:
        return self.store.finished_cycles(key, last_cycle)


def check_batch_sizes(exp, processes: int) -> None:
    """Every batch must split into shares of at least two samples (BatchNorm)."""
    for name, size in (("task.batch_size", exp.task.batch_size), ("vaal.batch_size", exp.vaal.batch_size)):
        if size < 2 * processes:
            raise ValueError(f"{name}={size} is too small for {processes} processes: each process needs at "
                             f"least 2 samples of every batch; use at least {2 * processes} or fewer processes")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="One (method, seed) run of a chapter, data-parallel under torchrun.")
    ap.add_argument("chapter")
    ap.add_argument("method")
    ap.add_argument("seed", type=int)
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--variant", default=None, help="one of the chapter's variants (its label), e.g. 'm=10'")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--results-dir", default=None)
    ap.add_argument("--device", default="auto", help="auto | cpu | cuda (each process takes cuda:LOCAL_RANK)")
    ap.add_argument("--overrides", default=None, help="nested settings as JSON, e.g. '{\"task\": {\"epochs\": 50}}'")
    args = ap.parse_args(argv)

    overrides = json.loads(args.overrides) if args.overrides else None
    exp = presets.resolve(args.chapter, args.preset, dataset=args.dataset, methods=None if args.method == "full"
                         else [args.method], seeds=[args.seed], data_root=args.data_root,
                         results_dir=args.results_dir, device=args.device, overrides=overrides)
    if args.variant is not None:
        if args.variant not in exp.variants:
            raise ValueError(f"variant={args.variant!r}: chapter {args.chapter} has {list(exp.variants)}")
        exp = config.with_overrides(exp, exp.variants[args.variant])
    if "WORLD_SIZE" not in os.environ:
        raise RuntimeError("run this under torchrun (e.g. `torchrun --nproc_per_node=2 -m vaal_core.distributed "
                           "...`); a single process runs the chapter itself")
    check_batch_sizes(exp, int(os.environ["WORLD_SIZE"]))
    device = resolve_device(exp.device)
    if device.type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        exp = config.with_overrides(exp, {"device": f"cuda:{local}"})
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        prep = loop.prepare(exp)
        results = ResultsStore(resolve_results_dir(exp.results_dir))
        main_process = is_main()
        # process 0 holds the run's lock and writes; the others read the same store and write nothing
        store = results if main_process else Follower(results)
        lock = results.lock(run_key(exp, args.method, args.seed)[0]) if main_process else contextlib.nullcontext()
        with cpu_threads(prep.device), lock:
            dist.barrier()
            if args.method == "full":
                rows = loop.run_upper_bound(prep, args.seed, store, verbose=main_process)
            else:
                rows = loop.run_method(prep, args.method, args.seed, store, verbose=main_process)
            dist.barrier()
        if main_process:
            print(rows[rows["metric"] == prep.task.metric][["cycle", "n_labeled", "value"]].to_string(index=False),
                  flush=True)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
