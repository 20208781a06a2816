"""How much one training run varies: ``python -m bench.retrain``.

Takes the classification book run whose task learner fell furthest below the linear model trained on
the same labeled set (``report.below_linear`` on the committed store), rebuilds that exact labeled set
(the seed's initial pool and the run's stored picks), and trains the book preset's VGG16 on it
``--repeats`` times with different training seeds under each recipe (the book's one-cycle peak of 4e-3,
and 2e-3), scoring each on the test set like the run did. Writes ``results/tables/retrain/retrain.csv``
(read by the classification chapter) and prints each row as it is measured. Single-threaded worker
processes, one per core.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import time
from pathlib import Path

import pandas as pd
import torch

RECIPES = {"book: adam, one-cycle peak 4e-3": {}, "adam, one-cycle peak 2e-3": {"lr": 2e-3}}
OUT = "results/tables/retrain/retrain.csv"


def worst_run(results_dir: str = "results") -> dict:
    """The (method, seed, n_labeled) of the classification book preset's largest shortfall below the
    linear model, with the run's own accuracy."""
    from vaal_core import catalog, config, jobs, loop, report

    exp = config.with_overrides(catalog.chapter_experiment("classification", results_dir=results_dir),
                                {"compute": "stored"})
    rows = jobs.run_variants(exp, {"": {}}, upper_bound=False, prep=loop.prepare(exp))
    (method, seed, n), r = next(report.below_linear(rows, "accuracy").iterrows())
    return {"method": method, "seed": int(seed), "n_labeled": int(n), "run_accuracy": r["task learner"],
            "linear_accuracy": r["linear on pixels"]}


def _job(recipe: str, repeat: int, case: dict, results_dir: str) -> dict:
    torch.set_num_threads(1)
    from vaal_core import catalog, config, loop
    from vaal_core.keys import run_key
    from vaal_core.results import ResultsStore, resolve_results_dir
    from vaal_core.runtime import derive_seed, seed_everything

    exp = catalog.chapter_experiment("classification", results_dir=results_dir)
    key = run_key(exp, case["method"], case["seed"])[0]
    prep = loop.prepare(config.with_overrides(exp, {"task": RECIPES[recipe]}))
    picks = ResultsStore(resolve_results_dir(results_dir)).selections(key)
    labeled = [loop.seed_initial_pool(prep, case["seed"])]
    cycle = 0
    while sum(len(x) for x in labeled) < case["n_labeled"]:
        labeled.append(torch.tensor(picks[cycle]))
        cycle += 1
    idx = torch.cat(labeled)
    assert len(idx) == case["n_labeled"]
    g = seed_everything(derive_seed(repeat, "bench-retrain"))
    t0 = time.perf_counter()
    model = prep.task.build(prep.device)
    prep.task.fit(model, prep.store, idx, prep.pool_targets[idx], g)
    acc = prep.task.evaluate(model, prep.test_store, prep.test_targets)["accuracy"]
    return {"recipe": recipe, "repeat": repeat, **case, "test_accuracy": acc, "train_s": time.perf_counter() - t0}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--results-dir", default="results")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    if args.repeats < 2:
        ap.error("--repeats must be at least 2 (a spread needs two runs)")
    case = worst_run(args.results_dir)
    print(f"worst case: {case}", flush=True)
    rows = []
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        futures = [pool.submit(_job, r, k, case, args.results_dir) for r in RECIPES for k in range(args.repeats)]
        for f in cf.as_completed(futures):
            r = f.result()
            rows.append(r)
            print(f"{r['recipe']:<36} repeat {r['repeat']}: test {r['test_accuracy']:.2f} ({r['train_s']:.0f} s)",
                  flush=True)
    from vaal_core.results import atomic_write_text

    df = pd.DataFrame(rows).sort_values(["recipe", "repeat"])
    atomic_write_text(Path(args.out), df.to_csv(index=False))
    print(df.groupby("recipe")["test_accuracy"].agg(["mean", "std", "min", "max"]).round(2).to_string())


if __name__ == "__main__":
    main()
