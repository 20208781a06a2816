"""Paper-style figures, drawn only from the results tables (so a figure redraws without training)."""
from __future__ import annotations

from typing import Optional

import matplotlib.pyplot as plt
import pandas as pd

from .results import summarize
from .stats import t_interval
from .strategies import REGISTRY, style


def style_of_label(label: str) -> tuple:
    """(label, colour) of a method named by its display label (the paper's data: "Core-set", "VAAL")."""
    by_label = {cls.label.lower(): name for name, cls in REGISTRY.items()}
    name = by_label.get(label.lower(), label.lower())
    return (style(name)[0], style(name)[1]) if name in REGISTRY else (label, None)


def method_label(method: str) -> str:
    """A method's display label, declared by its strategy class (a user's own: its label or class name)."""
    return style(method)[0]


def method_color(method: str):
    """A method's colour, the same in every chapter (None: matplotlib's next)."""
    return style(method)[1]


def variant_grid(curves: dict, metric: str, methods: Optional[list] = None, bounds: Optional[dict] = None,
                 seeds: bool = False):
    """One :func:`curve_plot` per variant side by side, sharing the y axis (a robustness chapter's figure):
    ``curves`` maps each variant's label to its rows, ``bounds`` to its own full-data bound's rows (the
    bound of that setting: ResNet18's for ResNet18, the noisy labels' under a noisy oracle)."""
    fig, axes = plt.subplots(1, len(curves), figsize=(4.6 * len(curves), 4.4), sharey=True, squeeze=False)
    bounds = bounds or {}
    keys = {tuple(b["key"].unique()) if "key" in b else None for b in bounds.values() if b is not None and len(b)}
    for ax, (label, df) in zip(axes[0], curves.items()):
        # the legend names a bound's setting where the panels' bounds differ (ResNet18's, a noise rate's)
        curve_plot(df, metric, methods, upper=bounds.get(label), ax=ax, title=label, seeds=seeds, legend=False,
                   upper_label=f"full data, {label}" if len(keys) > 1 else "full data")
    _legend_below(fig, axes[0])
    return fig


def _legend_below(fig, axes) -> None:
    """One legend for the figure, below its panels (never over the data)."""
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    fig.tight_layout(rect=(0, 0.12 if len(labels) > 4 else 0.08, 1, 1))
    fig.legend([handles[lab] for lab in labels], labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8,
               frameon=False)


def curve_plot(df: pd.DataFrame, metric: str, methods: Optional[list] = None, upper: Optional[pd.DataFrame] = None,
               reference: Optional[pd.DataFrame] = None, title: str = "", ylabel: str = "Mean Accuracy (%)",
               upper_label: str = "full data", ax=None, linear: bool = True, seeds: bool = False,
               legend: bool = True):
    """Mean ± std of ``metric`` over seeds against % of labeled data, one line per method (Fig. 2 style).

    ``upper``: the full-data rows of the same setting, drawn as a dashed line whose legend entry says
    "``upper_label`` = mean ± std". ``reference``: points the paper states (columns who, method,
    labeled_fraction, value), as markers. ``linear``: where the rows hold ``linear_accuracy``
    (classification), the linear model on pixels trained on the same labeled sets, averaged over methods and
    seeds, as a dotted black line. ``seeds``: each seed's curve as a thin line instead of the ±std band.
    The legend goes below the axes (``legend=False``: none, for a figure that draws one for all panels).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    s = summarize(df, metric)
    for method in methods or sorted(s["method"].unique()):
        m = s[s["method"] == method].sort_values("labeled_fraction")
        if not len(m):
            continue
        label, color = style(method)
        x = 100 * m["labeled_fraction"]
        line, = ax.plot(x, m["mean"], marker="o", ms=4, label=f"{label} ({int(m['runs'].max())} seeds)", color=color)
        if seeds:
            runs = df[(df["method"] == method) & (df["metric"] == metric)]
            for _, r in runs.groupby("seed"):
                r = r.sort_values("labeled_fraction")
                ax.plot(100 * r["labeled_fraction"], r["value"], color=line.get_color(), lw=0.6, alpha=0.45)
        else:
            ax.fill_between(x, m["mean"] - m["std"], m["mean"] + m["std"], alpha=0.18, color=line.get_color())
    lin = df[(df["metric"] == "linear_accuracy") & (df["method"].isin(methods) if methods else True)]
    if linear and len(lin):
        m = lin.groupby("labeled_fraction")["value"].mean()
        ax.plot(100 * m.index, m.values, ls=":", color="black", lw=1.2, label="linear on pixels (same labeled sets)")
    if upper is not None and len(upper):
        u = upper[upper["metric"] == metric]["value"]
        sd = u.std(ddof=1) if len(u) > 1 else 0.0
        ax.axhline(u.mean(), ls="--", color="black", lw=1, label=f"{upper_label} = {u.mean():.2f} ± {sd:.2f}")
    if reference is not None and len(reference):
        for (who, method), r in reference.groupby(["who", "method"]):
            label, color = style_of_label(method)
            ax.scatter(100 * r["labeled_fraction"], r["value"], marker="x" if who == "VAAL paper" else "+",
                       s=50, color=color or "black", label=f"{label} ({who})", zorder=5)
    ax.set_xlabel("% of Labeled Data")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    return ax


def curve_panels(df: pd.DataFrame, metric: str, groups: dict, upper: Optional[pd.DataFrame] = None,
                 seeds: bool = False, ylabel: str = "Mean Accuracy (%)"):
    """:func:`curve_plot` per group of methods (title → methods), side by side with a shared y axis: at most
    ~4 curves and bands per panel."""
    fig, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 4.4), sharey=True, squeeze=False)
    for ax, (title, methods) in zip(axes[0], groups.items()):
        curve_plot(df, metric, methods, upper=upper, ax=ax, title=title, seeds=seeds, legend=False, ylabel=ylabel)
    _legend_below(fig, axes[0])
    return fig


def paired_plot(paired: pd.DataFrame, groups: dict, baseline_label: str, ylabel: str = "difference (points)",
                share: bool = True):
    """The paired differences to a baseline that the verdicts read (:func:`stats.paired_differences`):
    per group of methods (title → methods) a panel with each method's mean difference per labeled fraction
    and its 95 % interval as a band, the zero line marked. ``paired`` may hold a ``variant`` column, then
    ``groups`` maps titles to (variant, methods)."""
    fig, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 3.8), sharey=share, squeeze=False)
    for ax, (title, spec) in zip(axes[0], groups.items()):
        variant, methods = spec if isinstance(spec, tuple) else (None, spec)
        d = paired if variant is None else paired[paired["variant"] == variant]
        for method in methods:
            m = d[d["method"] == method].sort_values("labeled_fraction")
            if not len(m):
                continue
            label, color = style(method)
            x = 100 * m["labeled_fraction"]
            line, = ax.plot(x, m["diff"], marker="o", ms=4, color=color, label=f"{label} − {baseline_label}")
            ax.fill_between(x, m["low"], m["high"], alpha=0.18, color=line.get_color())
        ax.axhline(0, color="black", lw=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("% of Labeled Data")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    _legend_below(fig, axes[0])
    return fig


def scaling_plot(scaling: pd.DataFrame, methods: Optional[list] = None, ax=None):
    """Sampling time against pool size on log-log axes, one line per method plus the floor."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    for method in ["floor", *(methods or sorted(set(scaling["method"]) - {"floor"}))]:
        d = scaling[scaling["method"] == method].sort_values("pool")
        if not len(d):
            continue
        label, color = ("floor (one inference pass)", "black") if method == "floor" else style(method)
        ax.plot(d["pool"], d["median_s"], marker="o", ms=4, label=label, color=color,
                ls="--" if method == "floor" else "-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("pool size (images)")
    ax.set_ylabel("time to select one budget (s)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def count_plot(counts: pd.DataFrame, value: str, methods: list, panel: str = "variant", ylabel: str = ""):
    """Mean over seeds of ``value`` against % labeled, per method, with its 95 % t interval as a band, one
    panel per ``panel`` value (e.g. the bias chapter's labeled samples of the missing classes)."""
    panels = list(dict.fromkeys(counts[panel]))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8), sharey=True, squeeze=False)
    for ax, p in zip(axes[0], panels):
        for method in methods:
            d = counts[(counts[panel] == p) & (counts["method"] == method)]
            if not len(d):
                continue
            g = d.groupby("labeled_fraction")[value].apply(lambda v: t_interval(v)).apply(pd.Series)
            label, color = style(method)
            x = 100 * g.index.to_numpy()
            line, = ax.plot(x, g[0], marker="o", ms=4, color=color, label=f"{label} ({d['seed'].nunique()} seeds)")
            ax.fill_between(x, g[1].fillna(g[0]), g[2].fillna(g[0]), alpha=0.18, color=line.get_color())
        ax.set_title(str(p), fontsize=10)
        ax.set_xlabel("% of Labeled Data")
        ax.set_ylabel(ylabel or value)
        ax.grid(alpha=0.3)
    _legend_below(fig, axes[0])
    return fig


def released_curves(curves: pd.DataFrame):
    """The authors' released ImageNet curves (``reference.imagenet_released_curves``): one line per released
    run, coloured by the (guessed) method, markers at each labeled fraction."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for (method, run), d in curves.groupby(["method", "run"]):
        d = d.sort_values("labeled_fraction")
        label, color = style_of_label(method)
        ax.plot(100 * d["labeled_fraction"], d["top1_accuracy_percent"], marker="o", ms=4, color=color,
                ls="-" if run == 0 else "--", label=f"{label} (run {run})")
    ax.set_xlabel("% of Labeled Data")
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_title("ImageNet, as released by the authors", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    fig.tight_layout()
    return fig
