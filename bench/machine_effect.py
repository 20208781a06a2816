"""How far a machine's rounding moves a committed curve: ``python -m bench.machine_effect``.

Recomputes one method's classification book runs (every seed, every cycle) on this machine into a
scratch store (``--scratch``, resumable: finished cycles are read back) and writes, per (seed, cycle,
metric), the committed value beside the recomputed one, with both machines' numerics fingerprints
(``runtime.numerics_fingerprint``; "not recorded" for rows stored before it existed), to
``results/tables/machine-effect/<method>.csv`` (read by the classification chapter). On a machine with
the committed rows' fingerprint the two columns agree to the last digit; elsewhere their difference is
what a machine kind alone does to the curve, the scale against which a difference between methods
computed on different machines has to be read. Single-threaded worker processes, one per core.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

OUT = "results/tables/machine-effect/{method}.csv"


def compare(committed: pd.DataFrame, here: pd.DataFrame) -> pd.DataFrame:
    """One row per (seed, cycle, metric) of the committed rows, with the value recomputed here."""
    cols = ["seed", "cycle", "n_labeled", "labeled_fraction", "metric"]
    want = committed[[*cols, "value"]].rename(columns={"value": "committed"})
    got = here[[*cols, "value"]].rename(columns={"value": "here"})
    out = want.merge(got, on=cols, how="outer", validate="one_to_one")
    if out[["committed", "here"]].isna().any().any():
        raise ValueError("the recomputed runs do not have the committed runs' cycles and metrics")
    fp = committed["numerics"].dropna() if "numerics" in committed else pd.Series(dtype=str)
    out["numerics_committed"] = ", ".join(sorted(set(fp))) or "not recorded"
    return out.sort_values(cols).reset_index(drop=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", default="random")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--scratch", default="/tmp/vaal-machine-effect", help="the scratch results store")
    ap.add_argument("--out", default=None, help=f"default: {OUT}")
    args = ap.parse_args(argv)

    from vaal_core import catalog, config, jobs, keys, strategies
    from vaal_core.results import ResultsStore, resolve_results_dir

    strategies.check_method(args.method)
    exp = catalog.chapter_experiment("classification")
    if args.method not in exp.methods:
        raise ValueError(f"method={args.method!r} is not a classification method ({exp.methods})")
    store = ResultsStore(resolve_results_dir(exp.results_dir))
    committed = store.table([keys.run_key(exp, args.method, s)[0] for s in exp.seeds])
    if committed.empty:
        raise RuntimeError(f"no committed {args.method} runs: `python -m vaal_core.catalog compute classification`")
    scratch = config.with_overrides(exp, {"results_dir": str(Path(args.scratch).resolve()), "methods": [args.method]})
    t0 = time.perf_counter()
    here = jobs.run_experiment(scratch, upper_bound=False, workers=args.workers)
    out = compare(committed, here)
    out["numerics_here"] = ", ".join(sorted(set(here["numerics"].dropna())))
    path = Path(args.out or OUT.format(method=args.method))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    d = out["here"] - out["committed"]
    print(f"{len(out)} values, {(d.abs() < 1e-6).sum()} identical, mean |difference| {d.abs().mean():.3f}, "
          f"{time.perf_counter() - t0:.0f} s; wrote {path}")


if __name__ == "__main__":
    main()
