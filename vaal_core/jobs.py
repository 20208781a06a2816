"""Running many experiments: which (experiment, method, seed) jobs a chapter needs, and where they run —
in this process or in worker processes (``python -m vaal_core.worker``): single-threaded, one per CPU
core, or one per visible GPU, the longest first. A single run is :mod:`loop`'s; this module only schedules them.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import time
from typing import Optional

import pandas as pd
import torch

from .config import Experiment, regularised_task, with_overrides
from .keys import run_key
from .loop import Prepared, prepare, run_method, run_upper_bound
from .results import ResultsStore, RunLocked, resolve_results_dir
from .strategies import import_root, strategy_class

LOCKED_ELSEWHERE = 3  # a worker's exit status when its run is held by another process (vaal_core.worker)


def relative_cost(method: str) -> float:
    """A run's rough cost (``Strategy.relative_cost``; 1 for the full-data bound), so the longest runs
    start first and the pool of workers drains evenly."""
    return 1.0 if method == "full" else strategy_class(method).relative_cost


def resolve_workers(workers: Optional[int], device: torch.device, jobs: int) -> int:
    """Parallel runs: ``None`` means one run per CPU core on the CPU, and one run per visible GPU on CUDA
    (``device="cuda"``; one GPU named, ``cuda:N``, runs one at a time). Each worker process then sees
    only its GPU (:func:`worker_gpus`).

    On the CPU every run is single-threaded wherever it runs (:func:`cpu_threads`): its numbers then do
    not depend on how many runs share the machine (oneDNN's results change with the thread count), two
    single-threaded runs on 2 cores did ~1.3× the work of one 2-thread run, and a 2-thread run slowed
    down ~50× whenever another process held a core (OpenMP spin-waiting; measured here)."""
    if workers is None:
        workers = len(worker_gpus(device)) if device.type == "cuda" else (os.cpu_count() or 1)
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer or None")
    return max(1, min(workers, jobs))


def worker_gpus(device: torch.device) -> list[str]:
    """The GPUs that worker processes are placed on (``CUDA_VISIBLE_DEVICES`` ids): every visible one for
    ``cuda``, the one named for ``cuda:N``; empty on the CPU."""
    if device.type != "cuda":
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = [v.strip() for v in visible.split(",") if v.strip()] if visible else \
        [str(i) for i in range(torch.cuda.device_count())]
    return [ids[device.index]] if device.index is not None else ids


@contextlib.contextmanager
def cpu_threads(device: torch.device):
    """One intra-op thread for a run on the CPU (see :func:`resolve_workers`); untouched on a GPU."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_job(exp: Experiment, method: str, seed: int, prep: Optional[Prepared] = None, verbose: bool = True):
    """One run (a method × seed, or ``"full"`` for the full-data bound), single-threaded on the CPU, holding
    the run's lock (:meth:`ResultsStore.lock`): the entry point of every chapter and worker process."""
    prep = prep or prepare(exp)
    results = ResultsStore(resolve_results_dir(exp.results_dir))
    with cpu_threads(prep.device), results.lock(run_key(exp, method, seed)[0]):
        if method == "full":
            return run_upper_bound(prep, seed, results, verbose)
        return run_method(prep, method, seed, results, verbose)


def _run_in_subprocesses(todo: list, n_workers: int, verbose: bool, gpus: Optional[list] = None) -> None:
    """Each (experiment, method, seed) job in its own ``python -m vaal_core.worker`` process, at most
    ``n_workers`` at a time. With ``gpus`` (ids, :func:`worker_gpus`), worker slot i sees only GPU
    ``gpus[i % len(gpus)]`` (``CUDA_VISIBLE_DEVICES``) and runs on it as ``cuda``: one run per GPU.

    Separate interpreters rather than a fork()ed pool: forking a process whose OpenMP threads have run
    deadlocked here, and "spawn" needs the caller's main module to be importable, which a script
    without a ``__main__`` guard is not. A failed job stops the experiment with its output.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "VAAL_PROGRESS": "0"}
    # a user's own method imports in the workers as it does here (its module's folder on their path)
    roots = sorted({r for _, m, _ in todo if m != "full" and (r := import_root(m))})
    if roots:
        env["PYTHONPATH"] = os.pathsep.join([*roots, *filter(None, [env.get("PYTHONPATH")])])
    pending, running = list(todo), []
    while pending or running:
        while pending and len(running) < n_workers:
            exp, m, s = pending.pop(0)
            slot = min(set(range(n_workers)) - {job[4] for job in running})
            d, slot_env = exp.to_dict(), env
            if gpus:
                d["device"] = "cuda"
                slot_env = {**env, "CUDA_VISIBLE_DEVICES": gpus[slot % len(gpus)]}
            proc = subprocess.Popen([sys.executable, "-m", "vaal_core.worker", m, str(s)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=slot_env)
            proc.stdin.write(json.dumps(d, default=str))
            proc.stdin.close()
            running.append((m, s, proc, time.perf_counter(), slot))
        time.sleep(0.2)
        for job in list(running):
            m, s, proc, t0, _ = job
            if proc.poll() is None:
                continue
            running.remove(job)
            out = proc.stdout.read()
            if proc.returncode == LOCKED_ELSEWHERE:  # another process computes this run: leave it to that one
                if verbose:
                    print(f"  {m:>13} seed {s}: being computed by another process, skipped", flush=True)
                continue
            if proc.returncode != 0:
                for other in running:
                    other[2].kill()
                raise RuntimeError(f"run {m} seed {s} failed (exit {proc.returncode}):\n{out}")
            if verbose:
                print(f"  {m:>13} seed {s}: done in {time.perf_counter() - t0:.0f} s", flush=True)


def run_jobs(jobs: list, workers: Optional[int] = None, verbose: bool = True, preps: Optional[dict] = None) -> None:
    """Run every unfinished (experiment, method, seed) job: in parallel worker processes when
    :func:`resolve_workers` says so, in this process otherwise. ``preps`` maps ``id(experiment)`` to its
    prepared data, reused (and filled) for the checks and in-process runs."""
    preps = {} if preps is None else preps

    def prep_of(e):
        if id(e) not in preps:
            preps[id(e)] = prepare(e)
        return preps[id(e)]

    if not jobs:
        return
    base = prep_of(jobs[0][0])  # variants share the data: one load tells every run's cycles

    def pool_size(e):
        return base.pool_size if e.data == base.exp.data else prep_of(e).pool_size

    todo = [(e, m, s) for e, m, s in jobs if not _finished(e, m, s, pool_size(e))]
    if not todo:
        return
    first = todo[0][0]
    n_workers = resolve_workers(workers if workers is not None else first.workers, prep_of(first).device, len(todo))
    if n_workers > 1:
        todo.sort(key=lambda j: -relative_cost(j[1]))
        _run_in_subprocesses(todo, n_workers, verbose, worker_gpus(prep_of(first).device))
    else:
        for e, m, s in todo:
            try:
                run_job(e, m, s, prep_of(e), verbose)
            except RunLocked as err:  # another process (another computation of a chapter) holds this run
                if verbose:
                    print(f"  {m} seed {s}: skipped — {err}", flush=True)


def run_experiment(exp: Experiment, upper_bound: bool = True, verbose: bool = True,
                   prep: Optional[Prepared] = None, workers: Optional[int] = None) -> pd.DataFrame:
    """Every method × seed of ``exp`` (plus the full-data bound): the tidy rows of all its runs.

    Finished cycles are read from the results store, never recomputed. With more than one worker the
    runs go to single-threaded worker processes (:func:`resolve_workers`); each run's numbers do not
    depend on which process ran it, only on its settings and seed.
    """
    return run_variants(exp, {"": {}}, upper_bound, verbose, workers, prep).drop(columns="variant")


def run_variants(exp: Experiment, variants: dict, upper_bound: bool = True, verbose: bool = True,
                 workers: Optional[int] = None, prep: Optional[Prepared] = None) -> pd.DataFrame:
    """Every method × seed of ``exp`` under each variant (label → nested overrides, e.g.
    ``{"b=10%": {"loop": {"budget_fraction": 0.1}}}``), all through one pool of workers; the rows get a
    ``variant`` column; each variant's full-data bound (when asked for) has method ``"full"``.

    With ``exp.compute == "stored"`` nothing is computed: only the runs the store has finished are read
    (:func:`run_progress` says which), so a chapter whose runs are still being computed renders in minutes."""
    _, jobs = variant_jobs(exp, variants, upper_bound)
    preps = {id(exp): prep or prepare(exp)}
    if exp.compute != "stored":
        run_jobs(jobs, workers, verbose, preps)
    done = run_progress(exp, variants, upper_bound, preps[id(exp)])
    done = done[done["finished"]]
    results = ResultsStore(resolve_results_dir(exp.results_dir))
    frames = [results.rows(key).assign(variant=label) for label, key in zip(done["variant"], done["key"])]
    if not frames:
        raise NothingFinished(f"{exp.chapter}: the results store {resolve_results_dir(exp.results_dir)} has no "
                              f"finished run of this preset yet; compute them with "
                              f"`python -m vaal_core.catalog compute {exp.chapter}` or set compute='missing'")
    return pd.concat(frames, ignore_index=True)


class NothingFinished(RuntimeError):
    """A chapter read in ``compute="stored"`` mode whose runs have not one finished yet."""


def run_progress(exp: Experiment, variants: dict, upper_bound: bool = True,
                 prep: Optional[Prepared] = None) -> pd.DataFrame:
    """One row per run that :func:`run_variants` reads (variant, method, seed, key, cycles finished, cycles,
    finished): each variant's methods, then its full-data bound (method ``"full"``) — a run of its own
    where the variant changes what the bound is trained with (the task learner, the oracle's noise), else
    the base experiment's, listed under every variant that shares it (``shared``: the key appears under
    an earlier variant too; count runs by unique key)."""
    exps, _ = variant_jobs(exp, variants, upper_bound)
    pool_size = (prep or prepare(exp)).pool_size
    results = ResultsStore(resolve_results_dir(exp.results_dir))
    out, seen = [], set()
    runs = [(label, e, m, s) for label, e in exps.items() for s in e.seeds for m in e.methods]
    if upper_bound:
        bounds = {label: bound_experiment(e) for label, e in exps.items()}
        runs += [(label, b, "full", s) for label, b in bounds.items() for s in exp.seeds]
    for label, e, m, s in runs:
        key = run_key(e, m, s)[0]
        n = 1 if m == "full" else e.sizes(pool_size)["cycles"]
        done = len(results.finished_cycles(key, n - 1))
        out.append({"variant": label, "method": m, "seed": s, "key": key, "cycles finished": done,
                    "cycles": n, "finished": done == n, "shared": key in seen})
        seen.add(key)
    return pd.DataFrame(out)


def bound_experiment(e: Experiment) -> Experiment:
    """The experiment a setting's full-data bound trains: the setting itself, or — where every method of it
    trains the regularised learner (the book's noise chapter) — the setting with that learner
    (``regularised.task`` applied to ``task``), so that the bound is of the learner the curves use. The
    bound's key follows (it hashes ``task``); the other chapters' bounds keep theirs."""
    if e.methods and all("regularised" in strategy_class(m).settings for m in e.methods):
        return with_overrides(e, {"task": dataclasses.asdict(regularised_task(e))})
    return e


def variant_jobs(exp: Experiment, variants: dict, upper_bound: bool = True) -> tuple[dict, list]:
    """The experiments of ``variants`` (label → overrides; {} is ``exp`` itself) and the jobs
    (experiment, method, seed) that :func:`run_variants` runs for them, each run once (variants share
    runs whose settings they do not change), the full-data bounds last (one per distinct key: the base
    experiment's seeds, in each variant's setting)."""
    exps = {label: (with_overrides(exp, over) if over else exp) for label, over in variants.items()}
    jobs = [(e, m, s) for e in exps.values() for s in e.seeds for m in e.methods]
    if upper_bound:
        bounds = [bound_experiment(e) for e in exps.values()]
        jobs += [(b, "full", s) for b in bounds for s in exp.seeds]
    seen, unique = set(), []
    for e, m, s in jobs:
        key = run_key(e, m, s)[0]
        if key not in seen:
            seen.add(key)
            unique.append((e, m, s))
    return exps, unique


def _finished(exp: Experiment, method: str, seed: int, pool_size: int) -> bool:
    results = ResultsStore(resolve_results_dir(exp.results_dir))
    last = 0 if method == "full" else exp.sizes(pool_size)["cycles"] - 1
    return last in results.finished_cycles(run_key(exp, method, seed)[0], last)
