"""Sampling time (paper Table 1): how long each method takes to pick one budget from the unlabeled pool.

As the paper measures it: the same data, the same trained models where a method needs them, the same
inference batch size for every method; only the query is timed (VAAL's training, like the task model's,
happens before). Each time is the median of ``repeats`` calls after ``warmup`` calls, with the device
synchronised around each call. The floor is one batched inference pass of the task model over the
unlabeled pool: no method that looks at every unlabeled image can be faster.
"""
from __future__ import annotations

import hashlib
import json
import statistics
import time
from typing import Callable

import pandas as pd
import torch

from .config import Experiment
from .keys import run_key
from .loop import device_label, prepare, resized_for_vae, seed_initial_pool, unlabeled_of
from .results import ResultsStore, resolve_results_dir
from .runtime import ImageStore, derive_seed, resolve_device, seed_everything
from .strategies import Context, make_strategy


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_time(fn: Callable[[], object], device: torch.device, repeats: int = 5, warmup: int = 1) -> dict:
    """Median, min and max wall seconds of ``fn()`` over ``repeats`` calls after ``warmup`` calls."""
    if repeats < 1:
        raise ValueError(f"repeats={repeats} must be at least 1")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "repeats": repeats}


def floor_time(ctx: Context, repeats: int = 5, warmup: int = 1) -> dict:
    """One batched inference pass of the task model over the unlabeled pool."""
    return median_time(lambda: ctx.task.logits(ctx.task_model, ctx.store, ctx.unlabeled_idx),
                       ctx.store.device, repeats, warmup)


def fit_strategies(ctx: Context, methods: list) -> dict:
    """Build and fit each method once (untimed for Table 1; its seconds are kept as ``fit_s``)."""
    fitted = {}
    for m in methods:
        strat = make_strategy(m)
        t0 = time.perf_counter()
        strat.fit(ctx)
        fitted[m] = (strat, time.perf_counter() - t0)
    return fitted


def query_times(ctx: Context, fitted: dict, repeats: int = 5, warmup: int = 1) -> pd.DataFrame:
    """Per fitted method: the query time (median of ``repeats``) and its ratio to the floor.

    Each query draws from a fresh copy of the context's generator, so every repetition does the same work.
    """
    floor = floor_time(ctx, repeats, warmup)
    rows = [{"method": "floor", **floor, "fit_s": 0.0}]
    state = ctx.generator.get_state()
    for m, (strat, fit_s) in fitted.items():
        def query():
            ctx.generator.set_state(state)
            return strat.query(ctx)

        rows.append({"method": m, **median_time(query, ctx.store.device, repeats, warmup), "fit_s": fit_s})
    df = pd.DataFrame(rows)
    df["x_floor"] = df["median_s"] / floor["median_s"]
    return df


def sampling_times(ctx: Context, methods: list, repeats: int = 5, warmup: int = 1) -> pd.DataFrame:
    """:func:`fit_strategies` then :func:`query_times` on one context."""
    return query_times(ctx, fit_strategies(ctx, methods), repeats, warmup)


def timing_key(exp: Experiment, device: torch.device) -> tuple[str, dict]:
    """The key of a timing measurement in the results store (``tables/<key>/``) and what it hashes: the
    settings that change the times, and the device (a time belongs to a machine)."""
    base = run_key(exp, "timing", exp.seeds[0])[1]
    cfg = {**base, "methods": list(exp.methods), "timing": exp.timing.__dict__, "vaal": exp.vaal.__dict__,
           "device": device_label(device)}
    return "timing-" + hashlib.sha1(json.dumps(cfg, sort_keys=True, default=str).encode()).hexdigest()[:16], cfg


def run_timing(exp: Experiment, verbose: bool = True) -> dict:
    """The timing chapter's measurement: Table 1 on the experiment's pool, then the growth with pool size.

    The task model is trained on the seed's initial labeled pool (10 %), every method is fitted once on
    that pool, and the same fitted models are then queried on pools of ``timing.pool_sizes`` images
    drawn from the training split, each with a 10 % labeled share and a budget of ``budget_fraction``
    of it. Stored in the results store keyed by the settings *and the device*: a time belongs to a machine.
    Returns {"table": …, "scaling": …} (seconds, ratio to the floor).
    """
    seed = exp.seeds[0]
    key, cfg = timing_key(exp, resolve_device(exp.device))
    results = ResultsStore(resolve_results_dir(exp.results_dir))
    cached = results.load_tables(key)
    if cached is not None:
        return cached
    prep = prepare(exp)

    g = seed_everything(derive_seed(seed, "timing"))
    sizes = prep.sizes
    labeled = seed_initial_pool(prep, seed)
    unlabeled = unlabeled_of(prep.pool_size, labeled)
    labels = prep.pool_targets[labeled]
    model = prep.task.build(prep.device)
    prep.task.fit(model, prep.store, labeled, labels, g)
    ctx = Context(prep.store, labeled, unlabeled, sizes["budget"], prep.task, model, exp, g, labels, prep.vae_images)
    fitted = fit_strategies(ctx, exp.methods)
    t = exp.timing
    table = query_times(ctx, fitted, t.repeats, t.warmup)
    table.insert(0, "pool", prep.pool_size)
    table.insert(1, "budget", sizes["budget"])
    if verbose:
        print(f"  table on a pool of {prep.pool_size}: done", flush=True)

    train = prep.dataset.train
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(derive_seed(seed, "scaling")))
    frames = []
    for n in t.pool_sizes or [max(20, int(prep.pool_size * f)) for f in (0.1, 0.2, 0.5, 1.0)]:
        if n > len(train):
            raise ValueError(f"timing pool_sizes: {n} is larger than the training split ({len(train)})")
        pos = order[:n]
        store = ImageStore(train.images[pos], prep.device, prep.store.mean.flatten(), prep.store.std.flatten())
        n_lab = max(1, int(round(exp.loop.initial_fraction * n)))
        budget = max(1, int(round(exp.loop.budget_fraction * n)))
        lab, unl = torch.arange(n_lab), torch.arange(n_lab, n)
        ctx_n = Context(store, lab, unl, budget, prep.task, model, exp, g, train.targets[pos][:n_lab],
                        resized_for_vae(train.images[pos], exp.vaal.image_size, prep.device))
        df = query_times(ctx_n, fitted, t.scaling_repeats, t.warmup)
        df.insert(0, "pool", n)
        df.insert(1, "budget", budget)
        frames.append(df)
        if verbose:
            print(f"  growth: pool of {n}: done", flush=True)
    out = {"table": table, "scaling": pd.concat(frames, ignore_index=True)}
    for df in out.values():
        df["device"] = device_label(prep.device)
    results.save_tables(key, cfg, out)
    return out
