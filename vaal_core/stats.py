"""Statistics every chapter reads its curves with (ARCHITECTURE.md §4): paired differences, the area under the
budget curve, labels needed to reach a target, and the pairwise penalty matrix.

Seeds share their initial labeled pool across methods (and the test set is the same), so two methods are
compared *paired*: per seed, the difference of their metric at the same labeled fraction. Intervals are
95 % two-sided Student-t intervals over seeds (n − 1 degrees of freedom) of those per-seed values; with
one seed there is no interval (NaN) and nothing counts as significant.

Input everywhere: tidy rows of the results store (columns ``method``, ``seed``, ``labeled_fraction``,
``metric``, ``value``).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd
from scipy import stats as sps

LEVEL = 0.95


def t_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, low, high) of a Student-t interval of the mean of ``values`` (NaN bounds below 2 values)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(v.mean())
    if len(v) < 2:
        return m, float("nan"), float("nan")
    sd = float(v.std(ddof=1))
    if sd == 0.0:
        return m, m, m
    h = float(sps.t.ppf(0.5 + level / 2, len(v) - 1)) * sd / math.sqrt(len(v))
    return m, m - h, m + h


class DuplicateRows(ValueError):
    """Two rows for one (method, seed, labeled fraction, metric): rows of two runs mixed, never averaged."""


def _curves(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """(method, seed) × labeled_fraction table of ``metric`` (fractions rounded to 6 digits). Two rows for
    one cell are an error (:class:`DuplicateRows`), never averaged: they are two runs mixed up."""
    d = df[df["metric"] == metric].copy()
    d["labeled_fraction"] = d["labeled_fraction"].round(6)
    dup = d.duplicated(["method", "seed", "labeled_fraction"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise DuplicateRows(f"{int(dup.sum())} rows of {metric!r} share a (method, seed, labeled fraction), e.g. "
                            f"{first['method']} seed {first['seed']} at {first['labeled_fraction']:g}: rows of "
                            f"different runs are mixed (select one variant or key)")
    return d.pivot(index=["method", "seed"], columns="labeled_fraction", values="value")


def paired_differences(df: pd.DataFrame, metric: str, baseline: str = "random",
                       methods: Optional[list] = None) -> pd.DataFrame:
    """Per method and labeled fraction: the mean over seeds of (method − ``baseline``), its 95 % t
    interval, the seeds paired, and whether the interval excludes 0."""
    c = _curves(df, metric)
    if baseline not in c.index.get_level_values("method"):
        raise ValueError(f"baseline={baseline!r} has no rows of {metric!r}")
    base = c.loc[baseline]
    rows = []
    for m in methods or sorted(set(c.index.get_level_values("method")) - {baseline}):
        if m == baseline or m not in c.index.get_level_values("method"):
            continue
        diff = c.loc[m].sub(base).dropna(how="all")  # seed × fraction, only the seeds both ran
        for frac in diff.columns:
            mean, lo, hi = t_interval(diff[frac])
            rows.append({"method": m, "labeled_fraction": frac, "diff": mean, "low": lo, "high": hi,
                         "seeds": int(diff[frac].notna().sum()), "excludes_0": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows, columns=["method", "labeled_fraction", "diff", "low", "high", "seeds", "excludes_0"])


def aubc_per_seed(df: pd.DataFrame, metric: str, above: Optional[float] = None) -> pd.Series:
    """The area under each run's budget curve, normalised by the labeled-fraction range (the trapezoid mean
    height: in the metric's units, so 0–100 for accuracy and mIoU), per (method, seed). Every run is
    measured over the same span: the labeled fractions that *every* run of ``df`` has (an unfinished run
    would otherwise be averaged over fewer cycles than the others; the chapters read finished runs only).
    ``above``: only the fractions above it (the paper compares Fig. 2 "for data ratios above 15 %")."""
    c = _curves(df, metric)
    c = c.loc[:, c.notna().all(axis=0)]  # the fractions every run has
    if above is not None:
        c = c.loc[:, [f for f in c.columns if f > above + 1e-9]]
    x = np.asarray(c.columns, dtype=float)
    out = {}
    for idx, row in c.iterrows():
        ys = row.to_numpy(dtype=float)
        if len(x) < 2:
            out[idx] = float(ys[0]) if len(ys) else float("nan")
            continue
        out[idx] = float(np.trapezoid(ys, x) / (x[-1] - x[0]))
    return pd.Series(out, name="aubc", dtype=float).rename_axis(["method", "seed"])


def aubc(df: pd.DataFrame, metric: str, methods: Optional[list] = None) -> pd.DataFrame:
    """Per method: the mean AUBC over seeds with its 95 % t interval, and the seeds."""
    a = aubc_per_seed(df, metric)
    rows = []
    for m in methods or sorted(set(a.index.get_level_values("method"))):
        if m not in a.index.get_level_values("method"):
            continue
        mean, lo, hi = t_interval(a.loc[m])
        rows.append({"method": m, "aubc": mean, "low": lo, "high": hi, "seeds": int(a.loc[m].notna().sum())})
    return pd.DataFrame(rows, columns=["method", "aubc", "low", "high", "seeds"]).set_index("method")


def aubc_differences(df: pd.DataFrame, metric: str, reference: str, methods: Optional[list] = None) -> pd.DataFrame:
    """Per method: the paired difference of its AUBC to ``reference``'s (mean over seeds, 95 % t
    interval, whether it excludes 0)."""
    a = aubc_per_seed(df, metric).unstack("method")
    if reference not in a:
        raise ValueError(f"reference={reference!r} has no rows of {metric!r}")
    rows = []
    for m in methods or sorted(a.columns):
        if m not in a:
            continue
        d = (a[m] - a[reference]).dropna()
        mean, lo, hi = t_interval(d)
        rows.append({"method": m, "diff": mean, "low": lo, "high": hi, "seeds": len(d),
                     "excludes_0": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows, columns=["method", "diff", "low", "high", "seeds", "excludes_0"]).set_index("method")


def value_near(df: pd.DataFrame, metric: str, method: str, fraction: float) -> tuple[float, float]:
    """(mean value over seeds, the labeled fraction it was measured at) of ``method`` at the measured
    fraction nearest to ``fraction`` (a short run may stop before it)."""
    d = df[(df["method"] == method) & (df["metric"] == metric)]
    if not len(d):
        return float("nan"), float("nan")
    fracs = d["labeled_fraction"].round(6)
    near = fracs.iloc[(fracs - fraction).abs().argmin()]
    return float(d[fracs == near]["value"].mean()), float(near)


def _reach(n: np.ndarray, v: np.ndarray, target: float) -> float:
    """Labels at which the curve (n, v) first reaches ``target``: linear interpolation between the measured
    points around the first crossing; NaN when it never does."""
    hit = next((i for i in range(len(v)) if v[i] >= target), None)
    if hit is None:
        return float("nan")
    if hit == 0:
        return float(n[0])
    return float(n[hit - 1] + (target - v[hit - 1]) * (n[hit] - n[hit - 1]) / (v[hit] - v[hit - 1]))


def labels_needed(df: pd.DataFrame, metric: str, target: float) -> pd.Series:
    """Per (method, seed): the labels its run needs to reach ``target`` (NaN: it never does)."""
    d = df[df["metric"] == metric]
    out = {}
    for (m, s), run in d.groupby(["method", "seed"]):
        r = run.groupby("n_labeled")["value"].mean().sort_index()
        out[(m, s)] = _reach(r.index.to_numpy(float), r.to_numpy(float), target)
    return pd.Series(out, name="labels", dtype=float).rename_axis(["method", "seed"])


def labels_to_reach(df: pd.DataFrame, metric: str, target: float, methods: Optional[list] = None) -> pd.DataFrame:
    """Labels each run needs to reach ``target`` (:func:`labels_needed`), per method: mean over the seeds
    that reach it with a 95 % t interval, and how many seeds reached it at all (a seed that never does is
    left out of the mean, and counted)."""
    need = labels_needed(df, metric, target)
    rows = []
    for m in methods or sorted(need.index.get_level_values("method").unique()):
        v = need.loc[m] if m in need.index.get_level_values("method") else pd.Series(dtype=float)
        mean, lo, hi = t_interval(v.dropna())
        rows.append({"method": m, "labels": mean, "low": lo, "high": hi, "reached": f"{int(v.notna().sum())}/{len(v)}"})
    return pd.DataFrame(rows, columns=["method", "labels", "low", "high", "reached"]).set_index("method")


def penalty_matrix(settings: dict, metric: str, methods: list) -> pd.DataFrame:
    """Cell (i, j): over every setting (name → tidy rows) and labeled fraction after the shared first
    one, how often method i beats method j with the paired 95 % interval of (i − j) above 0."""
    mat = pd.DataFrame(0, index=methods, columns=methods, dtype=int)
    for rows in settings.values():
        present = [m for m in methods if m in set(rows["method"])]
        for j in present:
            diffs = paired_differences(rows[rows["method"].isin(present)], metric, baseline=j, methods=present)
            if not len(diffs):
                continue
            first = diffs["labeled_fraction"].min()
            wins = diffs[(diffs["labeled_fraction"] > first) & (diffs["low"] > 0)]
            for i, k in wins.groupby("method").size().items():
                mat.loc[i, j] += int(k)
    return mat
