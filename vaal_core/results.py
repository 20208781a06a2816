"""The results store (ARCHITECTURE.md §3): tidy rows per finished cycle, a config and the selections per run.

Layout, one folder per run, named by the run's content hash (:func:`keys.run_key`)::

    <results_dir>/runs/<key>/config.json     what the run is (everything its numbers depend on)
    <results_dir>/runs/<key>/rows.csv        tidy rows, one per (cycle, metric)
    <results_dir>/runs/<key>/selected.json   {cycle: [pool positions picked after that cycle]}
    <results_dir>/runs/<key>/released.json   the initial pool and every cycle's picks in the data set's
                                             own indices (training split), for reuse outside this code
    <results_dir>/runs/<key>/history.json    {cycle: [loss snapshots of the sampler's training]} (VAAL)
    <results_dir>/runs/<key>/state.pt        only with warm start: the models after the last cycle

Every file is written to a temporary name and renamed, so a killed run never leaves half a file. A
cycle counts as finished once its rows are written; its selection is written just before, so a run
restarted after a kill resumes at the first unfinished cycle with the same labeled set.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

import pandas as pd

ROW_COLUMNS = ["key", "dataset", "method", "seed", "cycle", "labeled_fraction", "n_labeled",
               "metric", "value", "train_s", "fit_s", "select_s", "wall_s", "device", "numerics",
               "vaal_core_version", "git_commit"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The repository's commit, with ``+dirty`` when tracked files differ from it; ``unknown`` outside git."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def find_repo_root(start: Optional[Path] = None) -> Optional[Path]:
    """The folder above ``start`` (default: the working directory) holding the book's ``_config.yml``."""
    p = (start or Path.cwd()).resolve()
    for d in (p, *p.parents):
        if (d / "_config.yml").is_file() and (d / "vaal_core").is_dir():
            return d
    return None


def resolve_results_dir(results_dir: str) -> Path:
    """An absolute results folder: relative paths are taken from the repository root when the notebook
    runs inside the book (chapters run in book/chapters/), from the working directory otherwise."""
    p = Path(os.path.expanduser(results_dir))
    if p.is_absolute():
        return p
    root = find_repo_root()
    return (root or Path.cwd()) / p


class RunLocked(RuntimeError):
    """Another process is computing the same run (its lock file names which)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ResultsStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @contextlib.contextmanager
    def lock(self, key: str):
        """Hold ``runs/<key>/.lock`` while computing a run, so that writers of *different* runs share one
        results folder safely (every file is written atomically) and a second writer of the *same* run —
        another worker, another machine on a shared folder — fails at once instead of interleaving cycles.
        A lock left by a dead process on this host is taken over; one from another host must be removed by
        hand once that machine is known to have stopped (the error says which file)."""
        path = self.run_dir(key) / ".lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        me = {"host": socket.gethostname(), "pid": os.getpid()}
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    holder = json.loads(path.read_text())
                except (OSError, ValueError):
                    holder = {}
                if holder.get("host") == me["host"] and not _alive(int(holder.get("pid", -1))):
                    path.unlink(missing_ok=True)  # stale: its process is gone
                    continue
                raise RunLocked(f"run {key} is being computed by {holder or 'another process'} ({path}); "
                                "wait for it, or delete the lock file if that process is gone") from None
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            break
        try:
            yield
        finally:
            path.unlink(missing_ok=True)

    def run_dir(self, key: str) -> Path:
        return self.root / "runs" / key

    # ------------------------------------------------------------------ writing
    def begin(self, key: str, config: dict) -> None:
        """Write the run's config once; an existing config must match (a hash collision otherwise)."""
        path = self.run_dir(key) / "config.json"
        text = json.dumps(config, indent=1, sort_keys=True, default=str)
        if path.exists():
            if json.loads(path.read_text()) != json.loads(text):
                raise RuntimeError(f"{path} holds a different config under the same key")
            return
        atomic_write_text(path, text)

    def save_cycle(self, key: str, rows: list[dict], selected: Optional[list[int]] = None,
                   cycle: Optional[int] = None, state: Optional[bytes] = None, history: Optional[list] = None,
                   released: Optional[dict] = None) -> None:
        """Record one finished cycle: its selection (warm-start state, sampler history, released picks)
        first, its rows last."""
        d = self.run_dir(key)
        if history:
            hist = self.history(key)
            hist[str(int(cycle))] = history
            atomic_write_text(d / "history.json", json.dumps(hist, sort_keys=True))
        if released is not None:
            atomic_write_text(d / "released.json", json.dumps(released))
        if selected is not None:
            sel = self.selections(key)
            sel[int(cycle)] = [int(i) for i in selected]
            atomic_write_text(d / "selected.json", json.dumps({str(k): v for k, v in sorted(sel.items())}))
        if state is not None:
            atomic_write_bytes(d / "state.pt", state)
        old = self.rows(key)
        new = pd.DataFrame(rows, columns=ROW_COLUMNS)
        if len(old):
            old = old[~old["cycle"].isin(new["cycle"].unique())]
        table = pd.concat([old, new], ignore_index=True) if len(old) else new
        atomic_write_text(d / "rows.csv", table.to_csv(index=False))

    # ------------------------------------------------------------------ reading
    def rows(self, key: str) -> pd.DataFrame:
        path = self.run_dir(key) / "rows.csv"
        if not path.exists():
            return pd.DataFrame(columns=ROW_COLUMNS)
        return pd.read_csv(path, dtype={"key": str, "git_commit": str, "numerics": str})

    def selections(self, key: str) -> dict[int, list[int]]:
        path = self.run_dir(key) / "selected.json"
        if not path.exists():
            return {}
        return {int(k): v for k, v in json.loads(path.read_text()).items()}

    def history(self, key: str) -> dict:
        path = self.run_dir(key) / "history.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def released(self, key: str) -> dict:
        path = self.run_dir(key) / "released.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def state(self, key: str) -> Optional[bytes]:
        path = self.run_dir(key) / "state.pt"
        return path.read_bytes() if path.exists() else None

    def finished_cycles(self, key: str, last_cycle: int) -> list[int]:
        """Cycles whose rows are written and, except for the last cycle, whose selection is written."""
        done = set(self.rows(key)["cycle"].astype(int))
        sel = self.selections(key)
        return sorted(c for c in done if c == last_cycle or c in sel)

    # ------------------------------------------------------------------ whole tables (timing, …)
    def save_tables(self, key: str, config: dict, tables: dict) -> None:
        """Store measured tables (e.g. sampling times) under ``tables/<key>/``: the config and each
        table's CSV first, a ``done`` marker last, so a half-written set is never read back."""
        d = self.root / "tables" / key
        atomic_write_text(d / "config.json", json.dumps(config, indent=1, sort_keys=True, default=str))
        for name, df in tables.items():
            atomic_write_text(d / f"{name}.csv", df.to_csv(index=False))
        atomic_write_text(d / "done", ",".join(sorted(tables)))

    def load_tables(self, key: str) -> Optional[dict]:
        d = self.root / "tables" / key
        if not (d / "done").exists():
            return None
        return {name: pd.read_csv(d / f"{name}.csv") for name in (d / "done").read_text().split(",")}

    def table(self, keys: Optional[list[str]] = None) -> pd.DataFrame:
        """All rows of the given runs (all runs when None), one tidy DataFrame."""
        if keys is None:
            base = self.root / "runs"
            keys = sorted(p.name for p in base.iterdir()) if base.exists() else []
        frames = [self.rows(k) for k in keys]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=ROW_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def summarize(df: pd.DataFrame, metric: str, by: tuple = ("method",)) -> pd.DataFrame:
    """Mean ± std over seeds of ``metric`` per method and labeled fraction (the curves of Fig. 2)."""
    d = df[df["metric"] == metric]
    g = d.groupby([*by, "labeled_fraction", "n_labeled"])["value"]
    out = g.agg(mean="mean", std="std", runs="count").reset_index()
    out["std"] = out["std"].fillna(0.0)
    return out
