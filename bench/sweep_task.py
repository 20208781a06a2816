"""The sweeps that chose the book preset's task-learner settings: ``python -m bench.sweep_task``.

For each candidate training recipe (optimizer, learning rate, schedule, epochs and the minimum number
of steps per cycle), train the classification book preset's VGG16 on random labeled sets of the pool
at the first, a middle and the last labeled fraction (10 %, 25 %, 40 %), two seeds each, and measure the accuracy on
a validation split taken from the training split *outside* the pool (never the test set); beside it,
the linear model on pixels trained on the same labeled sets. Writes
``results/tables/sweep-task/sweep.csv`` (read by the classification chapter) and prints each row as
it is measured. Runs in single-threaded worker processes, one per core.

``--group regularised`` runs the second sweep, the one behind the *regularised Random* baseline
(Munjal et al., CVPR 2022: random sampling with a well-regularised learner is hard to beat): the chosen
recipe with its regularisation turned up — weight decay, dropout, random translations, longer training
for the augmented ones — on the same labeled sets and validation split, into
``results/tables/sweep-regularised/sweep.csv``; the best mean validation accuracy is the
``regularised.task`` setting of the book preset.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import time

import pandas as pd
import torch

# label → a complete training recipe (every field a candidate may change is set, so a candidate does not
# inherit whatever the book preset currently holds)
_BASE = {"optimizer": "adam", "lr": 4e-3, "weight_decay": 0.0, "schedule": "onecycle", "epochs": 15,
         "min_steps": 500, "shift": 0, "width": 1 / 8, "dropout": 0.3}


def _recipe(**kw) -> dict:
    return {**_BASE, **kw}


CANDIDATES = {
    "adam 5e-4 constant, 15 ep": _recipe(lr=5e-4, schedule="constant", min_steps=0),  # the previous book recipe
    "adam 2e-3 onecycle, 15 ep, ≥500 steps": _recipe(lr=2e-3),
    "adam 4e-3 onecycle, 15 ep, ≥500 steps": _recipe(),
    "adam 8e-3 onecycle, 15 ep, ≥500 steps": _recipe(lr=8e-3),
    "adam 2e-3 onecycle, 25 ep, ≥800 steps": _recipe(lr=2e-3, epochs=25, min_steps=800),
    "sgd 0.05 wd 5e-4 onecycle, 15 ep, ≥500 steps": _recipe(optimizer="sgd", lr=0.05, weight_decay=5e-4),
    # random translations of ±2 pixels beside the flips (the paper uses flips only)
    "adam 4e-3 onecycle, 15 ep, ≥500 steps, shift 2": _recipe(shift=2),
    # half the width (1.6× the images per second here)
    "width 1/16, adam 4e-3 onecycle, 15 ep, ≥500 steps": _recipe(width=1 / 16),
}
# The regularised-Random sweep: the chosen recipe (first row) and its regularisation turned up. AdamW's
# decay is decoupled (lr × weight_decay per step); augmented recipes get twice the steps, since
# translated images take longer to fit.
_LONG = {"epochs": 30, "min_steps": 1000}
REGULARISED = {
    "book recipe (dropout 0.3, no decay)": _recipe(),
    "weight decay 0.05": _recipe(weight_decay=0.05),
    "weight decay 0.2": _recipe(weight_decay=0.2),
    "dropout 0.5": _recipe(dropout=0.5),
    "weight decay 0.05, 30 ep, ≥1000 steps": _recipe(weight_decay=0.05, **_LONG),
    "shift 1, weight decay 0.05, 30 ep, ≥1000 steps": _recipe(shift=1, weight_decay=0.05, **_LONG),
    "shift 2, 30 ep, ≥1000 steps": _recipe(shift=2, **_LONG),
    "shift 2, weight decay 0.05, dropout 0.5, 30 ep, ≥1000 steps": _recipe(shift=2, weight_decay=0.05,
                                                                         dropout=0.5, **_LONG),
}
# The noisy-oracle sweep (``--group noise``): the book recipe on labeled sets whose labels the noisy oracle
# gave (ε = 30 %, the measured super-classes of vaal_core.oracle), beside recipes that resist memorising
# wrong labels; each pass's training loss and clean validation accuracy go to trace.csv beside sweep.csv.
NOISE = {
    "book recipe": _recipe(),
    "weight decay 0.05": _recipe(weight_decay=0.05),
    "peak lr 1e-3": _recipe(lr=1e-3),
    "shift 1, weight decay 0.05, 30 ep, ≥1000 steps": _recipe(shift=1, weight_decay=0.05, **_LONG),
    "5 ep, ≥200 steps": _recipe(epochs=5, min_steps=200),
}
NOISE_RATE = 0.3
GROUPS = {"task": (CANDIDATES, "results/tables/sweep-task/sweep.csv", 0.0),
          "regularised": (REGULARISED, "results/tables/sweep-regularised/sweep.csv", 0.0),
          "noise": (NOISE, "results/tables/sweep-noise/sweep.csv", NOISE_RATE)}
VAL_SIZE = 5000


def _experiment():
    from vaal_core import presets

    exp = presets.resolve("classification", "book", overrides={"data": {"val_size": VAL_SIZE}})
    return exp


def _job(group: str, label: str, seed: int, fraction: float) -> dict:
    torch.set_num_threads(1)
    from vaal_core import config, loop
    from vaal_core.runtime import derive_seed, seed_everything

    candidates, _, noise = GROUPS[group]
    exp = config.with_overrides(_experiment(), {"task": candidates[label], "loop": {"noise_rate": noise}})
    prep = loop.prepare(exp)
    n = int(round(fraction * prep.pool_size))
    g = seed_everything(derive_seed(seed, n, "sweep-task"))
    idx = torch.randperm(prep.pool_size, generator=g)[:n]
    labels = loop.oracle_labels(prep, seed)[idx]  # the truth, or the noisy oracle's answers
    t0 = time.perf_counter()
    model = prep.task.build(prep.device)
    trace = [] if noise else None
    fit = prep.task.fit(model, prep.store, idx, labels, g, monitor=(prep.val_store, prep.val_targets), trace=trace)
    acc = prep.task.evaluate(model, prep.val_store, prep.val_targets)["accuracy"]
    dt = time.perf_counter() - t0
    from vaal_core.linear import linear_reference_accuracy

    lin = linear_reference_accuracy(prep.store.images[idx], labels, prep.val_store.images, prep.val_targets,
                                    prep.dataset.num_classes)
    return {"recipe": label, "seed": seed, "n_labeled": n, "val_accuracy": acc, "linear_val_accuracy": lin,
            "steps": fit["steps"], "train_s": dt, "trace": trace}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.10, 0.25, 0.40])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--group", choices=list(GROUPS), default="task",
                    help="task: the learner's recipe; regularised: the regularised-Random baseline's")
    ap.add_argument("--out", default=None, help="default: the group's CSV under results/tables/")
    ap.add_argument("--candidates", nargs="+", default=None,
                    help="only these recipes (default: all); their rows replace theirs in an existing --out")
    args = ap.parse_args(argv)
    candidates, default_out, _ = GROUPS[args.group]
    args.out = args.out or default_out
    chosen = args.candidates or list(candidates)
    unknown = set(chosen) - set(candidates)
    if unknown:
        ap.error(f"unknown candidate(s) {sorted(unknown)}")
    jobs = [(c, s, f) for c in chosen for f in args.fractions for s in args.seeds]
    rows = []
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        futures = [pool.submit(_job, args.group, *j) for j in jobs]
        for f in cf.as_completed(futures):
            r = f.result()
            rows.append(r)
            print(f"{r['recipe']:<48} seed {r['seed']} n={r['n_labeled']:>5}: val {r['val_accuracy']:.2f} "
                  f"(linear {r['linear_val_accuracy']:.2f}), {r['steps']} steps, {r['train_s']:.0f} s", flush=True)
    from pathlib import Path

    from vaal_core.results import atomic_write_text

    traces = [{"recipe": r["recipe"], "seed": r["seed"], "n_labeled": r["n_labeled"], "pass": i + 1, **t}
              for r in rows for i, t in enumerate(r.pop("trace") or [])]
    df = pd.DataFrame(rows)
    if args.candidates and Path(args.out).exists():
        old = pd.read_csv(args.out)
        df = pd.concat([old[~old["recipe"].isin(chosen)], df], ignore_index=True)
    df = df.sort_values(["recipe", "n_labeled", "seed"])
    atomic_write_text(Path(args.out), df.to_csv(index=False))
    if traces:
        trace_out = Path(args.out).with_name("trace.csv")
        tr = pd.DataFrame(traces)
        if args.candidates and trace_out.exists():
            old = pd.read_csv(trace_out)
            tr = pd.concat([old[~old["recipe"].isin(chosen)], tr], ignore_index=True)
        atomic_write_text(trace_out, tr.sort_values(["recipe", "n_labeled", "seed", "pass"]).to_csv(index=False))
    from vaal_core import findings

    print(findings.task_sweep_table(df).round(2).to_string())


if __name__ == "__main__":
    main()
