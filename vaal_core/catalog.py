"""Every run the book's chapters read, and the command that computes them: ``python -m vaal_core.catalog``.

The book preset's results are computed once and committed (``results/runs/``); ``make book`` reads them
back. This module knows which runs each chapter's preset asks for, so that

- ``python -m vaal_core.catalog missing`` lists the runs that the store lacks (the fast check that
  ``make test`` runs, through ``tests/test_catalog.py``, fails on any);
- ``python -m vaal_core.catalog cost`` prints, per chapter, the worker hours its finished runs took and
  an estimate for the rest (what the README's recompute time comes from);
- ``python -m vaal_core.catalog keys`` prints the key of every run the chapters read (what belongs in
  the committed store; smoke and paper runs written to the same folder do not);
- ``python -m vaal_core.catalog compute [CHAPTER ...]`` computes what is missing, chapter by chapter
  (classification first: the robustness chapters reuse its runs), in single-threaded worker
  processes; a killed computation resumes after its last finished cycle. From an empty store this is
  the command that recomputes everything (its wall time on a 2-core CPU is in the README).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

import pandas as pd

from . import presets
from .config import Experiment
from .jobs import run_jobs, run_variants, variant_jobs
from .keys import content_hash, run_key
from .loop import prepare
from .results import ResultsStore, resolve_results_dir
from .runtime import resolve_device
from .strategies import strategy_class
from .timing import run_timing, timing_key

# In the order they are computed; each with whether its chapter draws the full-data bound.
# "capacity" is the diagnostics chapter's VAAL-capacity check (variants of the classification setting),
# "own_method" the "Add your own method" page (a method from book/chapters/my_methods.py).
CHAPTERS = {"classification": True, "segmentation": True, "ablation": True, "bias": True, "budget": True,
            "noise": True, "architecture": True, "capacity": False, "own_method": True}

# A method of a reader's own lives beside the chapters (book/chapters/my_methods.py), where the notebooks
# import it from; the catalog, run from the repository root, finds it there too.
_CHAPTER_DIR = Path(__file__).resolve().parents[1] / "book" / "chapters"
if _CHAPTER_DIR.is_dir() and str(_CHAPTER_DIR) not in sys.path:
    sys.path.append(str(_CHAPTER_DIR))


def chapter_experiment(chapter: str, preset: str = "book", results_dir: Optional[str] = None) -> Experiment:
    """The experiment a chapter's notebook resolves with its default parameters."""
    return presets.resolve(chapter, preset, results_dir=results_dir)


def chapter_jobs(chapter: str, preset: str = "book", results_dir: Optional[str] = None) -> list:
    """The (experiment, method, seed) jobs a chapter's preset runs (its variants', when it has any)."""
    exp = chapter_experiment(chapter, preset, results_dir)
    return variant_jobs(exp, exp.variants or {"": {}}, CHAPTERS[chapter])[1]


def chapter_rows(chapter: str, preset: str = "book", **resolve_kwargs):
    """A chapter's experiment, its prepared data and every row its preset reads (computing what the store
    lacks), with a ``variant`` column ("" without variants; "full data" for the full-pool bound)."""
    exp = presets.resolve(chapter, preset, **resolve_kwargs)
    prep = prepare(exp)
    rows = run_variants(exp, exp.variants or {"": {}}, CHAPTERS[chapter], verbose=False, prep=prep)
    return exp, prep, rows


def last_cycle(exp: Experiment, method: str, pool_size: Optional[int] = None) -> int:
    """The last cycle of a run (0 for the full-data bound); the pool size is the preset's when it sets one."""
    if method == "full":
        return 0
    n = pool_size or exp.data.pool_size
    if n is None:
        n = prepare(exp).pool_size
    return exp.sizes(n)["cycles"] - 1


# Chapters that read measured tables rather than runs (the timing chapter's Table 1 and growth curve).
TABLE_CHAPTERS = ("timing",)


def missing(chapters=None, preset: str = "book", results_dir: Optional[str] = None) -> list:
    """(chapter, method, seed, key, cycles done / cycles) of every run a chapter asks for that the store
    has not finished; for the timing chapter, its table on this machine's device ("tables", "-")."""
    out = []
    for ch in chapters or (*CHAPTERS, *TABLE_CHAPTERS):
        if ch in TABLE_CHAPTERS:
            exp = chapter_experiment(ch, preset, results_dir)
            key = timing_key(exp, resolve_device(exp.device))[0]
            if ResultsStore(resolve_results_dir(exp.results_dir)).load_tables(key) is None:
                out.append((ch, "tables", "-", key, "0/1"))
            continue
        for exp, m, s in chapter_jobs(ch, preset, results_dir):
            key = run_key(exp, m, s)[0]
            last = last_cycle(exp, m)
            done = ResultsStore(resolve_results_dir(exp.results_dir)).finished_cycles(key, last)
            if last not in done:
                out.append((ch, m, s, key, f"{len(done)}/{last + 1}"))
    return out


def stored_runs(chapters=None, preset: str = "book", results_dir: Optional[str] = None) -> pd.DataFrame:
    """Every run the chapters ask for, once (a run shared with an earlier chapter counts for the first):
    its chapter, method, seed, key and experiment, its data set and architecture, its cycles and how many
    have finished, and the stored seconds (``wall_s``) in all, per cycle on average and of its first cycle
    (NaN while none is stored); ``settings``, a short hash of the settings sections the method declares
    (runs of one method that differ there, e.g. the capacity check's wider VAE, cost differently)."""
    store = ResultsStore(resolve_results_dir(results_dir or "results"))
    seen, runs = set(), []
    for ch in chapters or CHAPTERS:
        for exp, m, s in chapter_jobs(ch, preset, results_dir):
            key, hashed = run_key(exp, m, s)
            if key in seen:
                continue
            seen.add(key)
            sections = () if m == "full" else (*strategy_class(m).settings, "source")  # source: one's own method
            declared = {k: hashed[k] for k in sections if k in hashed}
            rows = store.rows(key).drop_duplicates("cycle")
            last = last_cycle(exp, m)
            first = rows.loc[rows["cycle"] == 0, "wall_s"]
            runs.append({"chapter": ch, "method": m, "seed": s, "key": key, "exp": exp, "dataset": exp.data.dataset,
                         "arch": exp.task.arch, "settings": content_hash(declared, 8), "cycles": last + 1,
                         "done": len(store.finished_cycles(key, last)),
                         "seconds": float(rows["wall_s"].sum()), "per_cycle": rows["wall_s"].mean(),
                         "cycle0_s": float(first.iloc[0]) if len(first) else float("nan")})
    return pd.DataFrame(runs)


# One kind of run, for what a run costs: its method, data set, architecture and the settings the method
# declares (stored_runs' ``settings``)
KIND = ["method", "dataset", "arch", "settings"]


def with_left(runs: pd.DataFrame) -> pd.DataFrame:
    """:func:`stored_runs` with ``left_s``: each run's missing cycles at the mean stored seconds per cycle
    of the runs of its kind (method, data set, architecture, declared settings) that have any; NaN where
    no run of the kind has one."""
    rate = runs[runs["done"] > 0].groupby(KIND)["per_cycle"].mean()
    r = runs.copy()
    r["left_s"] = [(c - d) * rate.get(k, float("nan")) if d < c else 0.0
                   for k, c, d in zip(r[KIND].itertuples(index=False, name=None), r["cycles"], r["done"])]
    return r


def cost(chapters=None, preset: str = "book", results_dir: Optional[str] = None) -> pd.DataFrame:
    """Per chapter: its runs (a run shared with an earlier chapter counts for the first), how many have
    finished, the worker seconds they took (the stored ``wall_s`` of every cycle: one single-threaded
    worker each, slower when more workers than cores ran) and an estimate for the rest — each missing
    cycle at the mean seconds per cycle of the stored runs of its kind (:func:`with_left`; runs without
    such a rate are counted in ``left_unestimated``)."""
    r = with_left(stored_runs(chapters, preset, results_dir))
    r["finished"] = r["done"] == r["cycles"]
    r["unestimated"] = r["left_s"].isna()
    out = r.groupby("chapter", sort=False).agg(
        runs=("method", "size"), finished=("finished", "sum"), worker_h=("seconds", "sum"),
        left_worker_h=("left_s", "sum"), left_unestimated=("unestimated", "sum"))
    out[["worker_h", "left_worker_h"]] /= 3600
    return out


def compute(chapters=None, preset: str = "book", results_dir: Optional[str] = None,
            workers: Optional[int] = None, methods: Optional[list] = None) -> dict:
    """Compute every missing run (of ``methods`` only, when given), chapter by chapter; returns the wall
    seconds each chapter took."""
    seconds = {}
    for ch in chapters or (*CHAPTERS, *TABLE_CHAPTERS):
        t0 = time.perf_counter()
        print(f"== {ch}", flush=True)
        if ch in TABLE_CHAPTERS:
            # as the chapter would measure it in its kernel (all threads): run it on an otherwise idle machine
            run_timing(chapter_experiment(ch, preset, results_dir))
            seconds[ch] = time.perf_counter() - t0
            continue
        run_jobs([j for j in chapter_jobs(ch, preset, results_dir) if methods is None or j[1] in methods], workers)
        seconds[ch] = time.perf_counter() - t0
        print(f"== {ch}: {seconds[ch]:.0f} s", flush=True)
    return seconds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["missing", "compute", "keys", "cost"])
    ap.add_argument("chapters", nargs="*", help=f"default: all of {[*CHAPTERS, *TABLE_CHAPTERS]}")
    ap.add_argument("--preset", default="book")
    ap.add_argument("--results-dir", default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--methods", nargs="+", default=None, help="compute: only these methods (and 'full')")
    args = ap.parse_args(argv)
    unknown = set(args.chapters) - set(CHAPTERS) - set(TABLE_CHAPTERS)
    if unknown:
        ap.error(f"unknown chapter(s) {sorted(unknown)}; choose from {[*CHAPTERS, *TABLE_CHAPTERS]}")
    if args.command == "keys":
        keys = {run_key(e, m, s)[0] for ch in (args.chapters or CHAPTERS)
                for e, m, s in chapter_jobs(ch, args.preset, args.results_dir)}
        print("\n".join(sorted(keys)))
        return
    if args.command == "cost":
        print(cost(args.chapters or None, args.preset, args.results_dir).round(2).to_string())
        return
    if args.command == "missing":
        rows = missing(args.chapters or None, args.preset, args.results_dir)
        for r in rows:
            print(*r)
        print(f"{len(rows)} run(s) missing")
        raise SystemExit(1 if rows else 0)
    compute(args.chapters or None, args.preset, args.results_dir, args.workers, args.methods)


if __name__ == "__main__":
    main()
