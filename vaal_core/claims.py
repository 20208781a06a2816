"""The reproduction report: one row per claim of the paper, measured by this book, with a verdict that a
stated rule computes from the numbers (never typed).

The rule (:func:`verdict`): a claim that method A beats B is **supported** when the 95 % interval of the
paired AUBC difference A − B (over seeds, :mod:`stats`) lies above 0, **contradicted** when it lies below
0, and **inconclusive at this scale** when it contains 0. "Beats every baseline" compares with the
strongest one: the baseline with the highest mean AUBC in that setting. Table 1's speed claim compares
the measured query times: supported when every timed VAAL query was faster than every timed query of the
other method, contradicted when every one was slower, inconclusive otherwise. A claim whose runs the
results store does not have yet (a chapter still being computed) is **not measured yet**.
"""
from __future__ import annotations

from typing import Optional

import pandas as pd

from . import stats
from .plots import method_label

SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive at this scale"
NOT_MEASURED = "not measured yet"
VERDICTS = (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_MEASURED)


def verdict(low: float, high: float) -> str:
    """The verdict of a difference whose 95 % interval is [low, high] (NaN: one seed, no interval)."""
    if low > 0:
        return SUPPORTED
    if high < 0:
        return CONTRADICTED
    return INCONCLUSIVE


def beats(rows: pd.DataFrame, metric: str, method: str, others: list, complete: bool = True) -> dict:
    """``method`` against the strongest of ``others`` (highest mean AUBC) in one setting: the paired AUBC
    difference with its interval, which baseline that was, and the verdict — "not measured yet" while some
    of the setting's runs are missing (``complete=False``, or a method without rows): the numbers of the
    finished runs are shown, no verdict is drawn from them."""
    present = [m for m in others if m in set(rows["method"])]
    if method not in set(rows["method"]) or not present:  # runs not computed yet
        nan = float("nan")
        return {"against": ", ".join(method_label(m) for m in others), "diff": nan, "low": nan, "high": nan,
                "seeds": 0, "verdict": NOT_MEASURED}
    if len(present) < len(others):  # the strongest baseline may be among those not computed yet
        complete = False
    best = strongest(rows, metric, present)
    d = stats.aubc_differences(rows, metric, reference=best, methods=[method]).loc[method]
    return {"against": method_label(best), "diff": d["diff"], "low": d["low"], "high": d["high"],
            "seeds": int(d["seeds"]), "verdict": verdict(d["low"], d["high"]) if complete else NOT_MEASURED}


def strongest(rows: pd.DataFrame, metric: str, methods: list) -> str:
    """The method with the highest mean AUBC among ``methods`` that have rows (the first listed when none do)."""
    present = [m for m in methods if m in set(rows["method"])]
    if not present:
        return methods[0]
    return str(stats.aubc(rows, metric, present)["aubc"].idxmax())


def faster(table: pd.DataFrame, method: str, others: list) -> dict:
    """Table 1's claim on one timing table (median, min, max seconds per method): ``method`` against
    each of ``others``, by the rule above, and the ratios of the medians."""
    t = table.set_index("method")
    ratios = {m: t.loc[method, "median_s"] / t.loc[m, "median_s"] for m in others}
    if all(t.loc[method, "max_s"] < t.loc[m, "min_s"] for m in others):
        v = SUPPORTED
    elif any(t.loc[method, "min_s"] > t.loc[m, "max_s"] for m in others):
        v = CONTRADICTED
    else:
        v = INCONCLUSIVE
    return {"ratios": ratios, "verdict": v}


def report_row(figure: str, claim: str, scale: str, result: dict, unit: str = "AUBC points") -> dict:
    """One row of the report table from :func:`beats`' result."""
    ci = "" if pd.isna(result["low"]) else f" [{result['low']:+.2f}, {result['high']:+.2f}]"
    measured = ("runs not computed yet" if pd.isna(result["diff"])
                else f"{result['diff']:+.2f}{ci} {unit} vs {result['against']}, {result['seeds']} seed"
                + ("s" if result["seeds"] != 1 else ""))
    return {"paper": figure, "claim": claim, "measured": measured,
            "scale": scale, "verdict": result["verdict"]}


def timing_row(result: dict, scale: str) -> dict:
    ratios = ", ".join(f"{r:.2f}× {method_label(m)}" for m, r in result["ratios"].items())
    return {"paper": "Table 1", "claim": "VAAL samples faster than Core-set and Ensembles w. VarR",
            "measured": f"VAAL's median query time = {ratios}", "scale": scale, "verdict": result["verdict"]}


def verdict_counts(table: pd.DataFrame) -> dict:
    counts = table["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def munjal_row(points: pd.DataFrame) -> Optional[dict]:
    """What Munjal et al. (CVPR 2022) found for CIFAR-10 (VAAL − Random at the fractions read off their
    figure), from the reference data; None when the data set has no such points."""
    p = points[points["who"] != "VAAL paper"]
    if not len(p):
        return None
    piv = p.pivot_table(index="labeled_fraction", columns="method", values="value")
    diff = (piv["VAAL"] - piv["Random"]).round(1)
    at = ", ".join(f"{100 * f:.0f} %: {d:+.1f}" for f, d in diff.items())
    return {"paper": "Munjal et al., CVPR 2022", "claim": "VAAL vs Random on CIFAR-10 (VGG16, 25 runs)",
            "measured": f"their VAAL − Random, points: {at} (read off their figure)", "scale": "CIFAR-10, full",
            "verdict": "(theirs) no gain over Random"}
