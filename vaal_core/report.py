"""Tables a chapter shows from its stored rows: the curves as mean ± std, the paired differences and AUBC with
their intervals, the learner's competence, the paper beside us, the sampler's separation, Table 1."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import torch

from . import stats
from .oracle import missing_classes
from .plots import method_label
from .results import ResultsStore, resolve_results_dir, summarize

# The pages show every value of a table cell (a settings table cut at 50 characters hid the choices)
pd.set_option("display.max_colwidth", None)


def present(rows: pd.DataFrame, names, column: str = "method") -> list:
    """The ``names`` (methods, or variant labels with ``column="variant"``) that have rows, in order: what a
    chapter whose runs are still being computed can show."""
    have = set(rows[column])
    return [n for n in names if n in have]


def progress_table(progress: pd.DataFrame) -> pd.DataFrame:
    """From :func:`jobs.run_progress`: per variant × method, how many of the preset's seeds have finished
    (and, for unfinished runs, how many cycles they have)."""
    def cell(g):
        part = g[~g["finished"] & (g["cycles finished"] > 0)]
        extra = "".join(f", seed {s} at {c}/{n} cycles" for s, c, n in
                        zip(part["seed"], part["cycles finished"], part["cycles"]))
        return f"{int(g['finished'].sum())} of {len(g)}{extra}"

    t = progress.groupby(["variant", "method"], sort=False)[["seed", "cycles finished", "cycles", "finished"]] \
        .apply(cell).unstack("method")
    t.columns = [method_label(m) for m in t.columns]
    t.index = [v or "runs" for v in t.index]
    t.index.name = "finished runs (seeds)"
    return t.fillna("")


def curve_table(df: pd.DataFrame, metric: str, methods: list | None = None) -> pd.DataFrame:
    """One row per % labeled, one column per method, cells "mean ± std" over the runs ("mean (1 run)")."""
    s = summarize(df, metric)
    if methods is not None:
        s = s[s["method"].isin(methods)]
    s["cell"] = [f"{m:.2f} ± {sd:.2f}" if n > 1 else f"{m:.2f} (1 run)"
                 for m, sd, n in zip(s["mean"], s["std"], s["runs"])]
    s["% labeled"] = (100 * s["labeled_fraction"]).round(1)
    t = s.pivot_table(index=["% labeled", "n_labeled"], columns="method", values="cell", aggfunc="first")
    order = [m for m in (methods or sorted(t.columns)) if m in t.columns]
    t = t[order]
    t.columns = [method_label(m) for m in order]
    return t


def competence_table(df: pd.DataFrame, upper: pd.DataFrame, metric: str = "accuracy",
                     methods: list | None = None) -> pd.DataFrame:
    """Is the task learner competent? Per % labeled: the task learner's accuracy (mean over methods and
    seeds, and the lowest method's mean) beside the linear model on pixels trained on the same labeled
    sets (``linear_accuracy`` rows), and a last row with both trained on the whole pool."""
    d = df if methods is None else df[df["method"].isin(methods)]
    rows = []
    for (frac, n), g in d.groupby(["labeled_fraction", "n_labeled"]):
        task = g[g["metric"] == metric]
        lin = g[g["metric"] == "linear_accuracy"]["value"]
        per_method = task.groupby("method")["value"].mean()
        rows.append({"% labeled": round(100 * frac, 1), "n_labeled": int(n), "task learner": task["value"].mean(),
                     "task learner, weakest method": per_method.min(), "linear on pixels": lin.mean(),
                     "margin": task["value"].mean() - lin.mean()})
    if upper is not None and len(upper):
        t = upper[upper["metric"] == metric]["value"]
        lin = upper[upper["metric"] == "linear_accuracy"]["value"]
        rows.append({"% labeled": 100.0, "n_labeled": int(upper["n_labeled"].iloc[0]), "task learner": t.mean(),
                     "task learner, weakest method": t.mean(), "linear on pixels": lin.mean(),
                     "margin": t.mean() - lin.mean()})
    return pd.DataFrame(rows).set_index(["% labeled", "n_labeled"])


def below_linear(df: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Every (method, seed, cycle) whose task learner fell below the linear model trained on the same
    labeled set, worst first: the single failures a mean over seeds hides."""
    key = ["method", "seed", "n_labeled"]
    task = df[df["metric"] == metric].set_index(key)["value"]
    lin = df[df["metric"] == "linear_accuracy"].set_index(key)["value"]
    margin = (task - lin).dropna().sort_values()
    out = pd.DataFrame({"task learner": task.reindex(margin.index), "linear on pixels": lin.reindex(margin.index),
                        "margin": margin})
    return out[out["margin"] < 0].assign(of=len(margin))


def beside_paper(paper: pd.DataFrame, curves: pd.DataFrame, upper: pd.DataFrame, metric: str) -> pd.Series:
    """Our mean at each of the paper's stated points (``reference.paper_numbers`` rows): an accuracy at a
    labeled fraction (``at`` like "labeled_fraction=0.4"), or method "full data" (the full-pool bound); NaN
    where the quantity has no counterpart in our runs (labels saved, margins, points we did not run)."""
    ours = []
    for method, at, quantity in zip(paper["method"], paper["at"], paper.get("quantity", [None] * len(paper))):
        s = pd.Series(dtype=float)
        if method == "full data":
            s = upper[upper["metric"] == metric]["value"]
        elif quantity in (None, "mean_accuracy", "top1_accuracy", "miou") and "fraction=" in str(at):
            frac = float(str(at).split("=")[1])
            s = curves[(curves["method"] == method.lower()) & (curves["metric"] == metric)]
            s = s[(s["labeled_fraction"] - frac).abs() < 1e-6]["value"]
        ours.append(round(s.mean(), 2) if len(s) else float("nan"))
    return pd.Series(ours, index=paper.index)


def sampler_table(df: pd.DataFrame, method: str = "vaal") -> pd.DataFrame:
    """What a discriminator-based sampler did per cycle (mean over seeds): D's AUC at separating the
    labeled from the unlabeled pool, its mean score (probability of *labeled*) on each, and the final
    loss terms L_trd (Eq. 1) and L_adv (Eq. 2)."""
    d = df[(df["method"] == method) & df["metric"].str.startswith("sampler/")]
    if not len(d):
        return pd.DataFrame()
    t = d.pivot_table(index=["cycle", "n_labeled"], columns="metric", values="value", aggfunc="mean")
    names = {"sampler/disc_auc": "D's AUC (labeled vs unlabeled)", "sampler/d_mean_labeled": "mean D, labeled",
             "sampler/d_mean_unlabeled": "mean D, unlabeled", "sampler/vae_trd": "L_trd", "sampler/vae_adv": "L_adv"}
    t = t[[c for c in names if c in t.columns]].rename(columns=names)
    sd = d[d["metric"] == "sampler/disc_auc"].groupby(["cycle", "n_labeled"])["value"].std()
    t.insert(1, "AUC std over seeds", sd)
    return t


def separation_verdict(auc_mean: float) -> str:
    """The rule the chapters state: D separated the pools when its mean AUC over cycles is ≥ 0.75,
    barely when in [0.6, 0.75), not at all below 0.6."""
    if auc_mean >= 0.75:
        return "separated"
    if auc_mean >= 0.6:
        return "barely separated"
    return "did not separate"


def ci(mean: float, lo: float, hi: float, signed: bool = True) -> str:
    """"mean [lo, hi]" — with signs (a difference), at 2 decimals or more where rounding would make an
    interval that excludes 0 look as if it touched it, or plain (a level, ``signed=False``); the mean alone
    where there is no interval (one seed)."""
    fmt = _signed if signed else (lambda x: f"{x:.2f}")
    if pd.isna(lo):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]"


def _signed(x: float, digits: int = 2) -> str:
    while digits < 6 and x != 0 and round(abs(x), digits) == 0:
        digits += 1
    return f"{x:+.{digits}f}"


def _not_yet(method: str) -> pd.DataFrame:
    """The table a comparison shows while the method it compares with has no finished run."""
    return pd.DataFrame({"": [f"{method_label(method)} has no finished run yet: nothing to compare with"]},
                        index=[""])


def paired_table(df: pd.DataFrame, metric: str, methods: list | None = None, baseline: str = "random") -> pd.DataFrame:
    """Per % labeled (after the shared first cycle) and method: the paired difference to ``baseline``
    (mean over seeds, 95 % t interval), ✓ where the interval lies above 0, ✗ below
    (:func:`stats.paired_differences`)."""
    if baseline not in set(df["method"]):
        return _not_yet(baseline)
    d = stats.paired_differences(df, metric, baseline, methods)
    d = d[d["labeled_fraction"] > d["labeled_fraction"].min()] if len(d) else d
    d["cell"] = [(ci(m, lo, hi) + " " + mark(lo, hi)).strip() for m, lo, hi in zip(d["diff"], d["low"], d["high"])]
    d["% labeled"] = (100 * d["labeled_fraction"]).round(1)
    t = d.pivot_table(index="% labeled", columns="method", values="cell", aggfunc="first")
    order = [m for m in (methods or sorted(t.columns)) if m in t.columns]
    t = t[order]
    t.columns = [f"{method_label(m)} − {method_label(baseline)}" for m in order]
    return t


def mark(low: float, high: float) -> str:
    """✓ where the 95 % interval lies above 0, ✗ where below, nothing where it touches or contains 0 (or
    there is none)."""
    if pd.isna(low) or pd.isna(high):
        return ""
    return "✓" if low > 0 else "✗" if high < 0 else ""


def aubc_table(df: pd.DataFrame, metric: str, methods: list | None = None, reference: str = "random",
               above: float | None = None) -> pd.DataFrame:
    """Per method: AUBC (the curve's mean height over the labeled fractions, 0–100; ``above``: only the
    fractions above it) with its 95 % t interval, and the paired AUBC difference to ``reference`` with its
    interval and a mark (✓ above 0, ✗ below; :mod:`stats`)."""
    if reference not in set(df["method"]):
        return _not_yet(reference)
    per_seed = stats.aubc_per_seed(df, metric, above=above).unstack("method")
    span = "" if above is None else f" (fractions above {100 * above:g} %)"
    if per_seed.isna().all().all():
        above_words = "" if above is None else f" above {100 * above:g} %"
        return pd.DataFrame({"": [f"no labeled fraction{above_words} that every run has: no area to compare"]},
                            index=[""])
    out = {}
    for m in methods or sorted(per_seed.columns):
        if m not in per_seed:
            continue
        a = stats.t_interval(per_seed[m].dropna())
        d = stats.t_interval((per_seed[m] - per_seed[reference]).dropna())
        out[method_label(m)] = {f"AUBC{span} [95 % CI]": ci(*a, signed=False),
                                f"− {method_label(reference)} [95 % CI]": "reference" if m == reference else ci(*d),
                                "beyond the seeds' spread": "" if m == reference else mark(d[1], d[2]),
                                "seeds": int(per_seed[m].notna().sum())}
    return pd.DataFrame(out).T


def learner_gain(df: pd.DataFrame, metric: str, pairs: dict) -> pd.DataFrame:
    """What a stronger learner alone adds: per picking rule (plain method → its regularised twin), the
    paired AUBC difference twin − plain over seeds, with its interval and mark."""
    per_seed = stats.aubc_per_seed(df, metric).unstack("method")
    out = {}
    for plain, twin in pairs.items():
        if plain in per_seed and twin in per_seed:
            diff = (per_seed[twin] - per_seed[plain]).dropna()
            d = stats.t_interval(diff)
            out[method_label(plain)] = {"regularised − plain AUBC [95 % CI]": ci(*d),
                                        "beyond the seeds' spread": mark(d[1], d[2]), "seeds": len(diff)}
    return pd.DataFrame(out).T


def shown(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """What a page shows of a table: its cells as they are, a blank where there is no value (no interval
    with one seed, no paper number for a method, no AUC of a set against itself); the page says which."""
    if table is None:
        return None
    return table.astype(object).where(table.notna(), "")


def blank(value) -> str:
    """A table cell: the number at 2 decimals, or blank where there is none (the page says why)."""
    return "" if pd.isna(value) else f"{value:.2f}"


def final_point(df: pd.DataFrame, metric: str, method: str) -> dict:
    """Mean, std and runs of ``method`` at its largest labeled fraction."""
    s = summarize(df, metric)
    s = s[s["method"] == method]
    if not len(s):
        return {"mean": float("nan"), "std": float("nan"), "runs": 0, "fraction": float("nan")}
    r = s.loc[s["labeled_fraction"].idxmax()]
    return {"mean": float(r["mean"]), "std": float(r["std"]), "runs": int(r["runs"]),
            "fraction": float(r["labeled_fraction"])}


def mean_over_fractions(df: pd.DataFrame, metric: str, methods: list | None = None,
                        labels: bool = True) -> pd.Series:
    """Each method's mean ``metric`` over the cycles after the first (the first is the shared initial
    pool), highest first: one number to rank methods by. Indexed by display label, or by method id with
    ``labels=False`` (for looking methods up)."""
    s = summarize(df, metric)
    s = s[s["labeled_fraction"] > s["labeled_fraction"].min()]
    if methods is not None:
        s = s[s["method"].isin(methods)]
    out = s.groupby("method")["mean"].mean().sort_values(ascending=False)
    if labels:
        out.index = [method_label(m) for m in out.index]
    return out.rename(f"mean {metric} after cycle 0")


def labels_to_reach(df: pd.DataFrame, metric: str, target: float, methods: list | None = None) -> pd.DataFrame:
    """Labels each method's mean curve needs to reach ``target`` (the paper's "labels to reach 83.6 %").

    Linear interpolation between the two measured points around the first crossing; a method whose
    curve never reaches the target gets NaN and ``reached=False`` (the paper writes "more than").
    """
    s = summarize(df, metric)
    rows = []
    for m in methods or sorted(s["method"].unique()):
        c = s[s["method"] == m].sort_values("n_labeled")
        n, v = c["n_labeled"].to_numpy(float), c["mean"].to_numpy(float)
        hit = next((i for i in range(len(v)) if v[i] >= target), None)
        if hit is None:
            need = float("nan")
        elif hit == 0:
            need = n[0]
        else:
            need = n[hit - 1] + (target - v[hit - 1]) * (n[hit] - n[hit - 1]) / (v[hit] - v[hit - 1])
        rows.append({"method": method_label(m), "labels": need, "reached": hit is not None,
                     "max labels measured": int(n[-1]) if len(n) else 0})
    return pd.DataFrame(rows).set_index("method")


def timing_table(table: pd.DataFrame, paper: pd.DataFrame) -> pd.DataFrame:
    """Table 1 beside ours: median query seconds, multiple of the floor, ratio to VAAL (theirs and ours),
    indexed by method id ("floor": one inference pass); :func:`labelled` relabels it for display.

    ``paper``: rows of ``reference.paper_numbers(figure="Table 1")``.
    """
    t = table.set_index("method")
    ours_vaal = t.loc["vaal", "median_s"] if "vaal" in t.index else float("nan")
    stated = {r["method"]: r["value"] for _, r in paper.iterrows()}
    paper_vaal = stated.get("VAAL", float("nan"))
    rows = []
    for m, r in t.iterrows():
        p = stated.get(method_label(m), float("nan")) if m != "floor" else float("nan")
        rows.append({"method": m, "ours (s)": r["median_s"], "ours × floor": r["x_floor"],
                     "ours / VAAL": r["median_s"] / ours_vaal, "paper (s, TITAN Xp)": p,
                     "paper / VAAL": p / paper_vaal})
    return pd.DataFrame(rows).set_index("method")


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by method id, indexed by display label instead (what a page shows)."""
    out = table.copy()
    out.index = ["floor: one inference pass" if m == "floor" else method_label(m) for m in out.index]
    out.index.name = table.index.name
    return out


def growth_exponents(scaling: pd.DataFrame) -> pd.Series:
    """Slope of log(time) against log(pool size) per method: 1 is linear in the pool, 2 quadratic."""

    out = {}
    for m, d in scaling.groupby("method"):
        d = d[d["median_s"] > 0]
        if len(d) >= 2:
            out["floor" if m == "floor" else method_label(m)] = float(
                np.polyfit(np.log(d["pool"]), np.log(d["median_s"]), 1)[0])
    return pd.Series(out, name="growth exponent")


def missing_class_counts(rows: pd.DataFrame, prep, results_dir: str) -> pd.DataFrame:
    """Bias chapter: per run and cycle, how many labeled samples belong to the classes its initial pool
    left out (``loop.bias_missing_classes``), read from the stored selections."""
    store = ResultsStore(resolve_results_dir(results_dir))
    out = []
    for key, g in rows[(rows["metric"] == prep.task.metric) & (rows["method"] != "full")].groupby("key"):
        cfg = json.loads((store.run_dir(key) / "config.json").read_text())
        m, seed = cfg["loop"]["bias_missing_classes"], cfg["seed"]
        if not m:
            continue
        gone = missing_classes(prep.dataset.num_classes, m, seed)
        sel = store.selections(key)
        count = 0
        for cycle in sorted(g["cycle"]):
            r = g[g["cycle"] == cycle].iloc[0]
            out.append({"variant": r.get("variant", ""), "method": r["method"], "seed": seed, "cycle": cycle,
                        "n_labeled": r["n_labeled"], "labeled_fraction": r["labeled_fraction"],
                        "missing-class labels": count})
            if cycle in sel:
                count += int(torch.isin(prep.pool_targets[torch.tensor(sel[cycle])], gone).sum())
    return pd.DataFrame(out, columns=["variant", "method", "seed", "cycle", "n_labeled", "labeled_fraction",
                                      "missing-class labels"])
