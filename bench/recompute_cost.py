"""How long the whole committed store would take to recompute on this machine: ``python -m bench.recompute_cost``.

The stored seconds (``wall_s`` of every cycle, ``python -m vaal_core.catalog cost``) were measured on the
machines that computed the runs, some of them with more worker processes than cores. This script
recomputes the first cycle of one run of each kind — each (data set, architecture, method, the settings
the method declares: the capacity check's wider VAE is a kind of its own) of the book's store — into a
scratch store, in single-threaded workers (``--workers``, one per core, on an otherwise idle machine), and
scales every stored run of that kind by the ratio of the recomputed first cycle's seconds to the mean
stored first cycle of the kind. A run not finished yet counts with its stored cycles and the estimate for
the rest (``catalog.with_left``; the ``estimated`` column counts those runs). Writes
``results/tables/recompute-cost/kinds.csv`` (per kind: the ratio) and ``chapters.csv`` (per chapter: the
stored worker hours, the estimate for this machine, and the wall hours with that many workers), and
prints both. An estimate, not a recomputation: it assumes a run's later cycles scale like its first.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import time
from pathlib import Path

import pandas as pd

OUT = "results/tables/recompute-cost"


def stored_runs(results_dir: str = "results") -> pd.DataFrame:
    """Every run of the book's store once (``catalog.stored_runs``), with its stored seconds — those of a
    run not finished yet completed by the estimate for its missing cycles (``catalog.with_left``) — and
    those of its first cycle (NaN while it has none). Fails when a kind has no stored cycle at all."""
    from vaal_core import catalog

    runs = catalog.with_left(catalog.stored_runs(results_dir=results_dir))
    gone = runs[runs["left_s"].isna()]
    if len(gone):
        r = gone.iloc[0]
        raise RuntimeError(f"no run of {r.method} on {r.dataset}/{r.arch} (settings {r.settings}) has a stored "
                           f"cycle: compute one of its runs first (e.g. {r.key}, {r.chapter}, seed {r.seed})")
    runs["estimated"] = runs["done"] < runs["cycles"]
    return runs.assign(stored_s=runs["seconds"] + runs["left_s"]).rename(columns={"cycle0_s": "stored_cycle0_s"})


def _first_cycle(exp, method: str, seed: int, scratch: str) -> float:
    """Recompute cycle 0 of one run into ``scratch`` (single-threaded); its stored seconds there."""
    from vaal_core import config, jobs, loop
    from vaal_core.results import ResultsStore

    exp = config.with_overrides(exp, {"results_dir": scratch})
    prep = loop.prepare(exp)
    store = ResultsStore(scratch)
    with jobs.cpu_threads(prep.device):
        if method == "full":
            rows = loop.run_upper_bound(prep, seed, store, verbose=False)
        else:
            rows = loop.run_method(prep, method, seed, store, verbose=False, stop_after=0)
    return float(rows.loc[rows["cycle"] == 0, "wall_s"].iloc[0])


def estimate(runs: pd.DataFrame, kinds: pd.DataFrame, workers: int) -> pd.DataFrame:
    """Per chapter: its runs, how many of them are partly estimated (``estimated``), stored worker hours,
    the estimate for this machine (each run's stored seconds × its kind's ratio) and the wall hours with
    ``workers`` single-threaded workers."""
    from vaal_core.catalog import KIND

    r = runs.merge(kinds[[*KIND, "ratio"]], on=KIND, how="left")
    if r["ratio"].isna().any():
        raise ValueError("a run's kind was not measured")
    r["here_s"] = r["stored_s"] * r["ratio"]
    g = r.groupby("chapter", sort=False).agg(runs=("key", "size"), estimated=("estimated", "sum"),
                                             stored_worker_h=("stored_s", "sum"), here_worker_h=("here_s", "sum"))
    g[["stored_worker_h", "here_worker_h"]] /= 3600
    g.loc["all"] = g.sum()
    g[f"here_wall_h ({workers} workers)"] = g["here_worker_h"] / workers
    return g.round(2)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--scratch", default="/tmp/vaal-recompute-cost", help="the scratch results store")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)

    from vaal_core.catalog import KIND as kind

    runs = stored_runs()
    # the ratio's denominator is the kind's mean stored first cycle: one run's own may have shared its core
    runs["kind_cycle0_s"] = runs.groupby(kind)["stored_cycle0_s"].transform("mean")
    first = runs[runs["stored_cycle0_s"].notna()].sort_values("seed").drop_duplicates(kind)
    scratch = str(Path(args.scratch).resolve())
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_first_cycle, r.exp, r.method, int(r.seed), scratch): r for r in first.itertuples()}
        measured = []
        for f in cf.as_completed(futures):
            r = futures[f]
            s = f.result()
            measured.append({"dataset": r.dataset, "arch": r.arch, "method": r.method, "settings": r.settings,
                             "seed": r.seed,
                             "stored_cycle0_s": r.stored_cycle0_s, "kind_cycle0_s": r.kind_cycle0_s,
                             "here_cycle0_s": s, "ratio": s / r.kind_cycle0_s})
            print(f"{r.dataset}/{r.arch}/{r.method}: cycle 0 {s:.1f} s here, {r.stored_cycle0_s:.1f} s stored "
                  f"(its kind's mean {r.kind_cycle0_s:.1f} s)", flush=True)
    kinds = pd.DataFrame(measured).sort_values(kind).reset_index(drop=True)
    table = estimate(runs, kinds, args.workers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kinds.to_csv(out / "kinds.csv", index=False)
    table.to_csv(out / "chapters.csv")
    print(kinds.round(2).to_string(index=False))
    print(table.to_string())
    print(f"measured in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
