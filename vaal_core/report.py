"""Tables a chapter shows: the curves as mean ± std, the paper beside us, and what was run where."""
from __future__ import annotations

import json
import platform

import numpy as np
import pandas as pd
import torch

from . import __version__, stats
from .config import Experiment, regularised_task
from .oracle import missing_classes
from .plots import method_label, paired_plot, variant_grid
from .presets import REGULARISED_METHODS
from .results import ResultsStore, git_commit, resolve_results_dir, summarize


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


def task_sweep_table(sweep: pd.DataFrame) -> pd.DataFrame:
    """bench/sweep_task.py's result: mean validation accuracy per recipe and labeled size, the margin
    over the linear model on the same labeled sets, and the optimizer steps (a training run's cost is
    proportional to them; the seconds in the CSV were measured on a shared machine)."""
    g = sweep.groupby(["recipe", "n_labeled"]).agg(val=("val_accuracy", "mean"), linear=("linear_val_accuracy", "mean"),
                                                    steps=("steps", "mean"),
                                                    spread=("val_accuracy", lambda v: v.max() - v.min())).reset_index()
    g["margin"] = g["val"] - g["linear"]
    t = g.pivot_table(index="recipe", columns="n_labeled", values=["val", "margin", "steps"])
    t.columns = [f"{name} @ {n}" for name, n in t.columns]
    t["mean val"] = g.groupby("recipe")["val"].mean()
    t["mean seed range"] = g.groupby("recipe")["spread"].mean()
    t["score"] = t["mean val"] - t["mean seed range"]
    return t.sort_values("score", ascending=False)


def machine_effect_table(effect: pd.DataFrame) -> pd.DataFrame:
    """bench/machine_effect.py's result (one method's runs, committed and recomputed on another machine),
    per metric: how many values agree to 1e-6, the mean, mean absolute and largest absolute difference
    (recomputed − committed), the committed seeds' standard deviation averaged over cycles (the scale
    of a difference between methods), and the paired AUBC difference over seeds with its 95 % interval."""
    out = {}
    for metric, d in effect.groupby("metric", sort=False):
        diff = d["here"] - d["committed"]
        long = pd.concat([d.assign(method=m, value=d[m]) for m in ("committed", "here")])
        a = stats.aubc_differences(long, metric, "committed", ["here"]).loc["here"]
        out[metric] = {"values": len(d), "identical": int((diff.abs() < 1e-6).sum()),
                       "mean diff": round(diff.mean(), 3), "mean |diff|": round(diff.abs().mean(), 3),
                       "max |diff|": round(diff.abs().max(), 3),
                       "seed std (committed)": round(d.groupby("cycle")["committed"].std().mean(), 3),
                       "AUBC diff [95 % CI]": _ci(a["diff"], a["low"], a["high"])}
    return pd.DataFrame(out).T


def vaal_sweep_table(sweep: pd.DataFrame) -> pd.DataFrame:
    """bench/sweep_vaal.py's result: per candidate, the mean over seeds of the validation accuracy after
    one round of picks, D's AUC on the samples it trained on and on held-out labeled ones, the loss
    terms and Algorithm 1's iterations (its cost; the CSV's seconds were measured on a shared machine)."""
    cols = [c for c in ("val_accuracy", "auc_seen", "auc_held_out", "l_trd", "l_adv", "iterations") if c in sweep]
    return sweep.groupby("candidate")[cols].mean().sort_values("val_accuracy", ascending=False)


def _ci(mean: float, lo: float, hi: float) -> str:
    """"mean [lo, hi]" with signs, at 2 decimals or more where rounding would make an interval that
    excludes 0 look as if it touched it; the mean alone where there is no interval (one seed)."""
    if pd.isna(lo):
        return _signed(mean)
    return f"{_signed(mean)} [{_signed(lo)}, {_signed(hi)}]"


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
    d["cell"] = [(_ci(m, lo, hi) + " " + mark(lo, hi)).strip() for m, lo, hi in zip(d["diff"], d["low"], d["high"])]
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
    out = {}
    for m in methods or sorted(per_seed.columns):
        if m not in per_seed:
            continue
        a = stats.t_interval(per_seed[m].dropna())
        d = stats.t_interval((per_seed[m] - per_seed[reference]).dropna())
        out[method_label(m)] = {f"AUBC{span} [95 % CI]": _ci(*a).lstrip("+"),
                                f"− {method_label(reference)} [95 % CI]": "reference" if m == reference else _ci(*d),
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
            out[method_label(plain)] = {"regularised − plain AUBC [95 % CI]": _ci(*d),
                                        "beyond the seeds' spread": mark(d[1], d[2]), "seeds": len(diff)}
    return pd.DataFrame(out).T


def blank(value) -> str:
    """A table cell: the number at 2 decimals, or blank where there is none (the page says why)."""
    return "" if pd.isna(value) else f"{value:.2f}"


class VariantCurves:
    """A robustness chapter's rows (bias, budget, noise, architecture: the base experiment and its variants,
    label → overrides from the preset) and the tables it shows per variant, side by side. Only the variants
    and methods with rows are shown (all of them, once the chapter's runs are computed)."""

    def __init__(self, rows: pd.DataFrame, variants, methods: list, metric: str):
        self.variants = present(rows, variants, "variant")
        self.methods = present(rows, methods)
        self.metric = metric
        self.curves = rows[rows["method"] != "full"]
        self.bounds = rows[rows["method"] == "full"]  # each variant's full-pool bound, under its label
        # the paired differences are to Random where the chapter runs it (architecture does not)
        self.reference = "random" if "random" in self.methods else (self.methods[-1] if self.methods else None)

    def of(self, variant: str) -> pd.DataFrame:
        """The method rows of one variant."""
        return self.curves[self.curves["variant"] == variant]

    def bound(self, variant: str) -> pd.DataFrame:
        """The full-data bound of one variant's setting (the base's where the variant does not change it)."""
        return self.bounds[self.bounds["variant"] == variant]

    def _each(self, table, axis: int = 1) -> pd.DataFrame:
        if not self.variants:
            return pd.DataFrame()
        return pd.concat({v: table(v) for v in self.variants}, axis=axis)

    def curve_tables(self) -> pd.DataFrame:
        """:func:`curve_table` (mean ± std per labeled fraction) per variant, as column groups."""
        return self._each(lambda v: curve_table(self.of(v), self.metric, self.methods))

    def competence(self) -> pd.DataFrame:
        """The learner's margin over the linear model on pixels (:func:`competence_table`) per variant, the
        last row against each variant's own full-data bound."""
        return self._each(lambda v: competence_table(self.of(v), self.bound(v), self.metric,
                                                     self.methods)["margin"]).round(2)

    def ranking(self, labels: bool = True) -> pd.DataFrame:
        """:func:`mean_over_fractions` per variant: methods (display labels, or ids) × variants."""
        return pd.DataFrame({v: mean_over_fractions(self.of(v), self.metric, self.methods, labels)
                             for v in self.variants})

    def aubc(self) -> pd.DataFrame:
        """:func:`aubc_table` against :attr:`reference` per variant, as row groups."""
        return self._each(lambda v: aubc_table(self.of(v), self.metric, self.methods, self.reference), axis=0)

    def paired(self) -> pd.DataFrame:
        """Per variant, method and labeled fraction after the first: the paired difference to
        :attr:`reference` with its 95 % interval (:func:`stats.paired_differences`), a ``variant`` column."""
        out = []
        for v in self.variants:
            d = self.of(v)
            if self.reference not in set(d["method"]):
                continue
            p = stats.paired_differences(d, self.metric, self.reference,
                                         [m for m in self.methods if m != self.reference])
            out.append(p[p["labeled_fraction"] > p["labeled_fraction"].min()].assign(variant=v))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def means(self) -> dict:
        """Per variant, the mean curve: ``metric`` indexed by (method, labeled_fraction)."""
        return {v: summarize(self.of(v), self.metric).set_index(["method", "labeled_fraction"])["mean"]
                for v in self.variants}

    def plot(self, seeds: bool = False):
        """The curves of every variant side by side, each with its own setting's bound (:func:`plots.variant_grid`)."""
        return variant_grid({v: self.of(v) for v in self.variants}, self.metric, self.methods,
                            {v: self.bound(v) for v in self.variants}, seeds=seeds)

    def plot_paired(self):
        """The paired differences to :attr:`reference`, one panel per variant (:func:`plots.paired_plot`)."""
        others = [m for m in self.methods if m != self.reference]
        return paired_plot(self.paired(), {v: (v, others) for v in self.variants}, method_label(self.reference))


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


def _learner(t) -> str:
    return (f"{t.arch} × width {t.width:g}, dropout {t.dropout:g}, {t.optimizer} {t.lr:g} ({t.schedule} schedule, "
            f"weight decay {t.weight_decay:g}), batch {t.batch_size}, {t.epochs} epochs and at least "
            f"{t.min_steps} steps per cycle, augment {t.augment}" + (f" + shifts of ±{t.shift} px" if t.shift else ""))


def settings_table(exp: Experiment, prep) -> pd.DataFrame:
    """What this chapter ran: the resolved settings that matter for reading the numbers."""
    s = prep.sizes
    rows = [
        ("preset", exp.preset),
        ("data set", prep.dataset.describe()),
        ("pool (training set of the active learner)", f"{prep.pool_size} images"
         + (" (seeded subset)" if exp.data.pool_size else "")),
        ("test set", f"{len(prep.test_targets)} images"),
        ("initial labeled pool / budget per cycle", f"{s['initial']} / {s['budget']} "
         f"({100 * exp.loop.initial_fraction:g} % / {100 * s['budget'] / prep.pool_size:.2f} % of the pool)"),
        ("cycles", f"{s['cycles']} (to {100 * exp.loop.final_fraction:g} %)"),
        ("task learner", _learner(exp.task)),
        ("β-VAE / discriminator", f"width {exp.vaal.width:g}, latent {exp.vaal.z_dim}, D {exp.vaal.disc_layers}"
         f"×{exp.vaal.disc_width}, β={exp.vaal.beta:g}, λ1={exp.vaal.lambda1:g}, λ2={exp.vaal.lambda2:g}, "
         f"Adam {exp.vaal.lr_vae:g}/{exp.vaal.lr_disc:g}, "
         + (f"{exp.vaal.iterations} iterations" if exp.vaal.iterations
            else f"{exp.vaal.passes:g} passes over the unlabeled pool")
         + f", VAE input {exp.vaal.image_size or exp.data.image_size}×{exp.vaal.image_size or exp.data.image_size}"
         + f", {exp.vaal.vae_steps} VAE step(s) per D step, ELBO scale {exp.vaal.elbo_scale}"),
        ("baselines", f"{exp.strategies.mc_passes} MC-dropout passes, committees/ensembles of "
                      f"{exp.strategies.members}, SA candidates {exp.strategies.sa_candidates:g} × budget"),
        ("methods × seeds", f"{exp.methods} × {exp.seeds}"),
    ]
    if set(REGULARISED_METHODS) & set(exp.methods):
        rows.insert(7, ("task learner of the regularised Random", _learner(regularised_task(exp))))
    return pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting")


def provenance_table(df: pd.DataFrame) -> pd.DataFrame:
    """Where and by what the stored rows were computed, and how long they took (sum of cycle times)."""
    d = df.drop_duplicates(subset=["key", "cycle"])
    # numerics: runtime.numerics_fingerprint of the machine (rows stored before it was recorded lack it)
    d = d.assign(numerics=d["numerics"].fillna("not recorded") if "numerics" in d else "not recorded")
    g = d.groupby("method").agg(runs=("key", "nunique"), compute_s=("wall_s", "sum"),
                                select_s=("select_s", "sum"), device=("device", lambda v: ", ".join(sorted(set(v)))),
                                numerics=("numerics", lambda v: ", ".join(sorted(set(map(str, v))))),
                                commit=("git_commit", lambda v: ", ".join(sorted(set(map(str, v))))),
                                vaal_core=("vaal_core_version", lambda v: ", ".join(sorted(set(map(str, v))))))
    g.index = [method_label(m) if m != "full" else "full data" for m in g.index]
    g["compute_s"] = g["compute_s"].round(1)
    g["select_s"] = g["select_s"].round(1)
    return g


def environment_line() -> str:
    return (f"vaal_core {__version__}, commit {git_commit()}, torch {torch.__version__}, "
            f"Python {platform.python_version()}, {platform.machine()}, {torch.get_num_threads()} CPU threads"
            + (f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"))


def downloads(progress: pd.DataFrame, results_dir: str = "results") -> str:
    """A MyST table of every finished run a page read (each once), with download links to its ``rows.csv``
    and ``released.json`` (paths from book/chapters/, where the pages live)."""
    p = progress[progress["finished"]].drop_duplicates("key")
    lines = ["| setting | method | seed | key | rows | picks |", "|---|---|---|---|---|---|"]
    for r in p.itertuples():
        base = f"../../{results_dir}/runs/{r.key}"
        picks = f"{{download}}`released.json <{base}/released.json>`" if r.method != "full" else "—"
        lines.append(f"| {r.variant or '—'} | {method_label(r.method) if r.method != 'full' else 'full data'} | "
                     f"{r.seed} | `{r.key}` | {{download}}`rows.csv <{base}/rows.csv>` | {picks} |")
    return "\n".join(lines)


def capacity_table(cap_rows: pd.DataFrame, base: pd.DataFrame, metric: str, variants: list) -> tuple:
    """The diagnostics chapter's capacity check: per VAE setting (the capacity chapter's variants; the
    first is the book's VAE), the paired AUBC difference to the book's VAAL and to Random (the
    classification chapter's runs, ``base``), D's mean AUC on the pool over the stored cycles, and one
    sentence per setting saying how much of VAAL's gap to Random it closes."""
    a = stats.aubc_per_seed(pd.concat([base, *[cap_rows[cap_rows["variant"] == v].assign(method=f"vaal@{v}")
                                               for v in variants]]), metric).unstack("method")
    gap = stats.t_interval((a["vaal"] - a["random"]).dropna())
    rows, texts = {}, []
    for v in variants:
        m = f"vaal@{v}"
        if m not in a:
            continue
        to_vaal = stats.t_interval((a[m] - a["vaal"]).dropna())
        to_random = stats.t_interval((a[m] - a["random"]).dropna())
        auc_pool = cap_rows[(cap_rows["variant"] == v) & (cap_rows["metric"] == "sampler/disc_auc")]["value"].mean()
        rows[v] = {"AUBC [95 % CI]": _ci(*stats.t_interval(a[m].dropna())).lstrip("+"),
                   "− book's VAAL [95 % CI]": _ci(*to_vaal), "− Random [95 % CI]": _ci(*to_random),
                   "D's AUC on the pool": f"{auc_pool:.3f}", "seeds": int(a[m].notna().sum())}
        if v != variants[0] and gap[0] < 0:
            closed = -to_vaal[0] / gap[0]
            moved = "does not change it" if mark(to_vaal[1], to_vaal[2]) == "" else \
                f"closes {100 * closed:.0f} % of it" if to_vaal[0] > 0 else "widens it"
            texts.append(f"*{v}*: {_ci(*to_vaal)} AUBC points against the book's VAAL, {_ci(*to_random)} against "
                         f"Random — VAAL's gap to Random ({_ci(*gap)}) it {moved}")
    return pd.DataFrame(rows).T, ("; ".join(texts) + ".") if texts else ""


def noise_diagnosis(summary: pd.DataFrame, trace: pd.DataFrame, chosen: str) -> str:
    """The noise chapter's diagnosis, from ``bench/sweep_task.py --group noise`` (``summary``:
    :func:`task_sweep_table` of its sweep.csv; ``trace``: each pass's clean validation accuracy): per recipe,
    how far the seeds' final accuracies lie apart at the largest labeled set, how much each run's accuracy
    moves between its last passes, and how far its final accuracy lies below its best pass (what memorising
    wrong labels costs); and the recipe the preset takes for the noisy variants (``chosen``)."""
    n = trace["n_labeled"].max()
    t = trace[trace["n_labeled"] == n].sort_values("pass")

    def per_run(g):
        last = g.tail(max(2, len(g) // 4))["accuracy"]
        return pd.Series({"wobble": last.diff().abs().mean(),
                          "below_best": g["accuracy"].max() - g["accuracy"].iloc[-1]})

    runs = t.groupby(["recipe", "seed"]).apply(per_run, include_groups=False).groupby("recipe").mean()
    col = f"val @ {n}"
    spread = trace.groupby(["recipe", "seed", "n_labeled"])["accuracy"].last().unstack("n_labeled")[n]
    spread = spread.groupby("recipe").agg(lambda v: v.max() - v.min())
    book = "book recipe"
    lines = [f"At {n:,} labels of which 30 % are wrong, the book recipe's three seeds end "
             f"{spread[book]:.1f} points apart (mean {summary.loc[book, col]:.2f} %); within a run, the clean "
             f"accuracy moves by {runs.loc[book, 'wobble']:.1f} points between consecutive passes of the last "
             f"quarter and ends {runs.loc[book, 'below_best']:.1f} points below the run's best pass."]
    lines.append("So the learner itself is unstable on noisy labels — a finding about the learner, not the "
                 "samplers: which cycle of a run lands high or low is chance, and the samplers' differences drown "
                 "in it.")
    if chosen != book:
        lines.append(f"The noisy variants therefore train the recipe with the best score (mean validation accuracy "
                     f"minus the mean seed range) on this validation split: *{chosen}* — seeds "
                     f"{spread[chosen]:.1f} points apart at {n:,} labels, {runs.loc[chosen, 'wobble']:.1f} between "
                     f"passes, mean {summary.loc[chosen, col]:.2f} %. The noise-free curves (ε = 0) stay the "
                     f"classification chapter's, with the book recipe; the report's noise claims compare gaps "
                     f"between methods, each gap within one learner.")
    return " ".join(lines)


def scene_choice(sweep: pd.DataFrame, exp) -> str:
    """The segmentation chapter's account of the scene generator's version, from ``bench/scenes.py``."""
    full = sweep[sweep["labeled_fraction"] == 1.0].pivot_table(index="candidate", columns="class", values="iou")
    zero = {c: [k for k in full.columns if full.loc[c, k] <= 0.05] for c in full.index}
    low = sweep[sweep["labeled_fraction"] < 1.0].groupby("candidate")["miou"].first()
    high = sweep[sweep["labeled_fraction"] == 1.0].groupby("candidate")["miou"].first()
    parts = [f"*{c}*: mIoU {low.get(c, float('nan')):.1f} → {high[c]:.1f}, "
             + (f"IoU 0 for {', '.join(zero[c])}" if zero[c] else "every class above 0") for c in full.index]
    return "With every scene of the pool, from 10 % of it: " + "; ".join(parts) + "."
