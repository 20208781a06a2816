"""Paper-style figures, drawn only from the results tables (so a figure redraws without training)."""
from __future__ import annotations

from typing import Optional

import matplotlib.pyplot as plt
import pandas as pd

from .results import summarize
from .strategies import style


def method_label(method: str) -> str:
    """A method's display label, declared by its strategy class (a user's own: its label or class name)."""
    return style(method)[0]


def method_color(method: str):
    """A method's colour, the same in every chapter (None: matplotlib's next)."""
    return style(method)[1]


def variant_grid(curves: dict, metric: str, methods: Optional[list] = None,
                 upper: Optional[pd.DataFrame] = None):
    """One :func:`curve_plot` per variant side by side, sharing the y axis (a robustness chapter's figure):
    ``curves`` maps each variant's label to its rows."""
    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 4), sharey=True, squeeze=False)
    for ax, (label, df) in zip(axes[0], curves.items()):
        curve_plot(df, metric, methods, upper=upper, ax=ax, title=label)
    fig.tight_layout()
    return fig


def curve_plot(df: pd.DataFrame, metric: str, methods: Optional[list] = None, upper: Optional[pd.DataFrame] = None,
               reference: Optional[pd.DataFrame] = None, title: str = "", ylabel: str = "Mean Accuracy (%)",
               upper_label: str = "Top-1", ax=None, linear: bool = True):
    """Mean ± std of ``metric`` over seeds against % of labeled data, one line per method (Fig. 2 style).

    ``upper``: the full-data rows, drawn as a horizontal line labelled "``upper_label`` = mean ± std".
    ``reference``: points the paper states (columns who, method, labeled_fraction, value), as markers.
    ``linear``: where the rows hold ``linear_accuracy`` (classification), the linear model on pixels
    trained on the same labeled sets, averaged over methods and seeds, as a dotted black line.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    s = summarize(df, metric)
    for method in methods or sorted(s["method"].unique()):
        m = s[s["method"] == method].sort_values("labeled_fraction")
        if not len(m):
            continue
        label, color = style(method)
        x = 100 * m["labeled_fraction"]
        ax.plot(x, m["mean"], marker="o", ms=4, label=label, color=color)
        ax.fill_between(x, m["mean"] - m["std"], m["mean"] + m["std"], alpha=0.2, color=color)
    lin = df[(df["metric"] == "linear_accuracy") & (df["method"].isin(methods) if methods else True)]
    if linear and len(lin):
        m = lin.groupby("labeled_fraction")["value"].mean()
        ax.plot(100 * m.index, m.values, ls=":", color="black", lw=1.2, label="linear on pixels (same sets)")
    if upper is not None and len(upper):
        u = upper[upper["metric"] == metric]["value"]
        ax.axhline(u.mean(), ls="--", color="black", lw=1)
        ax.text(0.02, 0.97, f"{upper_label} = {u.mean():.2f} ± {u.std(ddof=1) if len(u) > 1 else 0:.2f}",
                transform=ax.transAxes, va="top", fontsize=9)
    if reference is not None and len(reference):
        for (who, method), r in reference.groupby(["who", "method"]):
            label, color = style(method.lower())
            color = color or "black"
            ax.scatter(100 * r["labeled_fraction"], r["value"], marker="x" if who == "VAAL paper" else "+",
                       s=50, color=color, label=f"{label} ({who})", zorder=5)
    ax.set_xlabel("% of Labeled Data")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax


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
