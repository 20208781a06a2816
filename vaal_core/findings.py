"""Tables and sentences read from the benchmark scripts' results (``results/tables/``): the sweeps that chose
the book preset, the machine effect, the capacity check, the noisy-oracle diagnosis and the scene
generator's choice. Each sentence's numbers are computed from the table it describes."""
from __future__ import annotations

import pandas as pd

from . import stats
from .report import ci, mark


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
                       "AUBC diff [95 % CI]": ci(a["diff"], a["low"], a["high"])}
    return pd.DataFrame(out).T


def vaal_sweep_table(sweep: pd.DataFrame) -> pd.DataFrame:
    """bench/sweep_vaal.py's result: per candidate, the mean over seeds of the validation accuracy after
    one round of picks, D's AUC on the samples it trained on and on held-out labeled ones, the loss
    terms and Algorithm 1's iterations (its cost; the CSV's seconds were measured on a shared machine)."""
    cols = [c for c in ("val_accuracy", "auc_seen", "auc_held_out", "l_trd", "l_adv", "iterations") if c in sweep]
    return sweep.groupby("candidate")[cols].mean().sort_values("val_accuracy", ascending=False)


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
        rows[v] = {"AUBC [95 % CI]": ci(*stats.t_interval(a[m].dropna()), signed=False),
                   "− book's VAAL [95 % CI]": ci(*to_vaal), "− Random [95 % CI]": ci(*to_random),
                   "D's AUC on the pool": f"{auc_pool:.3f}", "seeds": int(a[m].notna().sum())}
        if v != variants[0] and gap[0] < 0:
            closed = -to_vaal[0] / gap[0]
            what = f"VAAL's gap to Random ({ci(*gap)})"
            moved = f"leaves {what} as it is" if mark(to_vaal[1], to_vaal[2]) == "" else \
                f"closes {100 * closed:.0f} % of {what}" if to_vaal[0] > 0 else f"widens {what}"
            texts.append(f"*{v}*: {ci(*to_vaal)} AUBC points against the book's VAAL, {ci(*to_random)} against "
                         f"Random — it {moved}")
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
    best = summary.index[0]  # the best score: mean validation accuracy minus the mean seed range
    lines.append(f"The recipe with the best score on this validation split is *{best}* — seeds {spread[best]:.1f} "
                 f"points apart at {n:,} labels, {runs.loc[best, 'wobble']:.1f} between passes, mean "
                 f"{summary.loc[best, col]:.2f} %." + (f" It is the regularised learner of the classification "
                                                       f"chapter (*{chosen}*), so the book's noise chapter trains "
                                                       f"that learner for every method, at ε = 0 too (the "
                                                       f"classification chapter's regularised runs)."
                                                       if best == chosen else ""))
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
