"""The reproduction report: every claim of :mod:`claims` measured on the stored runs of the chapters.

:func:`load_evidence` reads each chapter's book-preset rows (computing nothing that the store has, and only
finished runs), :func:`evaluate` turns one :class:`claims.Claim` into its comparisons' paired differences
and its verdict, :func:`to_html` renders every claim with a link to its evidence, and
:func:`penalty_settings` gives the settings whose runs have all finished (the "who beats whom" matrix).
"""
from __future__ import annotations

import html
from typing import Optional

import numpy as np
import pandas as pd

from . import catalog, claims, jobs, loop, presets, reference, stats, timing
from .chapters import OpenChapter, open_chapter, open_robustness
from .claims import Claim, Comparison
from .plots import method_label
from .report import missing_class_counts
from .results import ROW_COLUMNS


def load_evidence(preset: str = "book", chapters=None, extra_methods: Optional[list] = None, **kw) -> dict:
    """Every chapter's :class:`chapters.OpenChapter` (those of :data:`catalog.CHAPTERS` whose claims the
    report tests) and the timing chapter's Table 1 (``"timing"``: the measured table). ``extra_methods``:
    methods of a reader's own, run in the classification setting beside its methods."""
    out = {}
    for ch in chapters or [c for c in catalog.CHAPTERS if c not in ("capacity", "own_method")]:
        opener = open_robustness if presets.PRESETS[ch]["book"].get("variants") else open_chapter
        extra = {}
        if ch == "classification" and extra_methods:
            extra["methods"] = [*presets.resolve(ch, preset).methods, *extra_methods]
        try:
            out[ch] = opener(ch, preset, **kw, **extra)
        except jobs.NothingFinished:  # a chapter still being computed, not one run finished: not measured yet
            out[ch] = empty_chapter(ch, preset, **kw)
    out["timing"] = timing.run_timing(presets.resolve("timing", preset, **kw), verbose=False)["table"]
    return out


def empty_chapter(chapter: str, preset: str = "book", **kw) -> OpenChapter:
    """A chapter none of whose runs has finished yet: its experiment and data, no rows, every run unfinished."""
    exp = presets.resolve(chapter, preset, **kw)
    prep = loop.prepare(exp)
    variants = exp.variants or {"": {}}
    progress = jobs.run_progress(exp, variants, catalog.CHAPTERS[chapter], prep)
    return OpenChapter(exp, prep, pd.DataFrame(columns=[*ROW_COLUMNS, "variant"]), progress)


def chapter_claims(chapter: str, evidence: dict) -> list:
    """The claims a chapter tests, evaluated (:func:`evaluate`), for its "what this chapter finds" box."""
    return [evaluate(c, evidence) for c in (*claims.CLAIMS, *claims.MUNJAL) if c.chapter == chapter]


def findings(results: list) -> str:
    """One sentence per claim: its short name, its verdict and the numbers behind it (the chapters' boxes)."""
    out = []
    for r in results:
        nums = "; ".join(f"{c['comparison']} {number(c['diff'])}"
                         + (f" [{number(c['low'])}, {number(c['high'])}]" if not pd.isna(c["low"]) else "")
                         for c in r["comparisons"] if c["verdict"] != claims.NOT_MEASURED and "median" not in
                         c["comparison"])
        out.append(f"*{r['claim'].title}*: **{r['verdict']}**" + (f" ({nums})" if nums else ""))
    return "; ".join(out) + "."


def _aubc_pair(a_rows: pd.DataFrame, b_rows: pd.DataFrame, metric: str, above: Optional[float]) -> pd.Series:
    """Per seed, AUBC(A) − AUBC(B) over the fractions both have (A and B may be one method in two variants)."""
    both = pd.concat([a_rows.assign(method="A"), b_rows.assign(method="B")], ignore_index=True)
    a = stats.aubc_per_seed(both, metric, above=above).unstack("method")
    return (a["A"] - a["B"]).dropna()


def per_seed(c: Comparison, ch: OpenChapter) -> pd.Series:
    """The comparison's per-seed values (A − B in its measure), indexed by seed."""
    metric = ch.prep.task.metric
    rows = ch.curves()

    def of(method, variant):
        return rows[(rows["method"] == method) & (rows["variant"] == variant)]

    if c.measure == "aubc":
        return _aubc_pair(of(c.a, c.variant), of(c.b, c.other_variant), metric, c.above)
    if c.measure == "gap":
        return (_aubc_pair(of(c.a, c.variant), of(c.b, c.variant), metric, c.above)
                - _aubc_pair(of(c.a, c.other_variant), of(c.b, c.other_variant), metric, c.above)).dropna()
    if c.measure == "missing":
        counts = missing_class_counts(rows[rows["variant"] == c.variant], ch.prep, ch.exp.results_dir)
        last = counts.sort_values("cycle").groupby(["method", "seed"])["missing-class labels"].last()
        return (last.loc[c.a] - last.loc[c.b]).dropna()
    if c.measure == "labels":
        method, frac = c.target.split("@")
        of_variant = rows[rows["variant"] == c.variant]
        target = stats.value_near(of_variant, metric, method, float(frac))[0]
        need = stats.labels_needed(of_variant, metric, target)
        return (need.loc[c.b] - need.loc[c.a]).dropna()
    raise ValueError(f"measure={c.measure!r} is not one of aubc, gap, missing, labels")


def _describe(c: Comparison) -> str:
    a = method_label(c.a) + (f" ({c.variant})" if c.variant_b is not None else "")
    b = method_label(c.b) + (f" ({c.other_variant})" if c.variant_b is not None else "")
    if c.measure == "gap":
        return f"(VAAL − {method_label(c.b)}) at {c.variant} − at {c.other_variant}".replace(
            "VAAL", method_label(c.a))
    where = f" at {c.variant}" if c.variant and c.variant_b is None else ""
    return f"{b} − {a}" if c.measure == "labels" else f"{a} − {b}{where}"


def evaluate_comparison(c: Comparison, ch, claim: Claim) -> dict:
    """One comparison's paired difference (mean, 95 % interval, seeds) and verdict; "not measured yet"
    while a run it needs has not finished."""
    out = {"comparison": _describe(c), "rule": c.rule, "diff": np.nan, "low": np.nan, "high": np.nan, "seeds": 0}
    if c.measure == "time":
        t = claims.faster(ch, c.a, [c.b])
        return {**out, "comparison": f"{method_label(c.a)} / {method_label(c.b)} median query time",
                "diff": t["ratios"][c.b], "verdict": t["verdict"]}
    needed = [(c.a, c.variant), (c.b, c.variant), (c.a, c.other_variant), (c.b, c.other_variant)]
    if not all(ch.finished(m, v) for m, v in set(needed)):
        return {**out, "verdict": claims.NOT_MEASURED}
    d = per_seed(c, ch)
    mean, lo, hi = stats.t_interval(d)
    return {**out, "diff": mean, "low": lo, "high": hi, "seeds": int(len(d)),
            "verdict": claims.verdict(lo, hi, c.rule)}


def evaluate(claim: Claim, evidence: dict) -> dict:
    """A claim's comparisons and its verdict (:func:`claims.combine`)."""
    if claim.untestable:
        return {"claim": claim, "comparisons": [], "verdict": claims.NOT_TESTABLE}
    ch = evidence[claim.chapter]
    comps = [evaluate_comparison(c, ch, claim) for c in claim.comparisons]
    return {"claim": claim, "comparisons": comps, "verdict": claims.combine([c["verdict"] for c in comps])}


def number(x: float, digits: int = 2) -> str:
    """A signed number at ``digits``, with more digits where the rounding would show an interval that
    excludes 0 as touching it (+0.00)."""
    if pd.isna(x):
        return ""
    while digits < 6 and x != 0 and round(abs(x), digits) == 0:
        digits += 1
    return f"{x:+.{digits}f}"


_RULE_WORDS = {"greater": "> 0", "equivalent": f"within ±{claims.MARGIN:g}", "at_most": f"< +{claims.MARGIN:g}"}


_COLOURS = {claims.SUPPORTED: "#1a7f37", claims.CONTRADICTED: "#b42318", claims.INCONCLUSIVE: "#6e6e6e",
            claims.NOT_MEASURED: "#9a6700", claims.NOT_TESTABLE: "#6e6e6e"}


def to_html(results: list) -> str:
    """The claims as the report shows them, one block each: the verdict, the claim's short name, where the
    paper makes it and links to its evidence; the quoted sentence; how the book tests it; and a table of its
    comparisons (difference, 95 % interval, seeds, what the rule asks, verdict)."""
    e = html.escape
    blocks = []
    for r in results:
        c = r["claim"]
        page = f"{c.chapter}.html"
        links = (f'<a href="{page}#{c.section}">{e(c.chapter)}</a>' + (f' · <a href="{page}#{c.figure}">figure</a>'
                                                                      if c.figure else "")) if c.section else "—"
        colour = _COLOURS[r["verdict"]]
        rows = []
        for k in r["comparisons"]:
            if k["verdict"] == claims.NOT_MEASURED:
                cells = [k["comparison"], "runs not finished yet", "", "", k["verdict"]]
            elif "median query" in k["comparison"]:
                cells = [k["comparison"], f"{k['diff']:.2f}×", "", "every query faster", k["verdict"]]
            else:
                d = 0 if c.unit == "labels" else 2
                ci = f" [{number(k['low'], d)}, {number(k['high'], d)}]" if not pd.isna(k["low"]) else " (no interval)"
                cells = [k["comparison"], f"{number(k['diff'], d)}{ci}", str(k["seeds"]), _RULE_WORDS[k["rule"]],
                         k["verdict"]]
            rows.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells) + "</tr>")
        table = ("<table class='comparisons'><thead><tr><th>comparison</th><th>difference [95 % CI], "
                 f"{e(c.unit)}</th><th>seeds</th><th>rule asks</th><th>verdict</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>") if rows else f"<p><em>{e(c.untestable)}</em></p>"
        blocks.append(
            f'<div class="claim" id="claim-{c.id}" style="border-left: 4px solid {colour}; padding-left: 0.8em; '
            f'margin: 1.2em 0">'
            f'<p><strong style="color: {colour}">{e(r["verdict"])}</strong> — <strong>{e(c.title)}</strong> '
            f'<span style="color: #6e6e6e">({e(c.where)})</span> · evidence: {links}</p>'
            f'<blockquote>“{e(c.quote)}”</blockquote><p><em>Tested as:</em> {e(c.reading)}</p>{table}</div>')
    return "".join(blocks)


def penalty_settings(evidence: dict) -> dict:
    """The classification settings for :func:`stats.penalty_matrix` (name → method rows): the classification
    chapter and each robustness variant that is not the classification runs themselves, each with only the
    methods whose runs have all finished there (no comparison from part of the seeds)."""
    out = {}
    cls = evidence["classification"]

    def finished_rows(ch, variant):
        rows = ch.curves(variant)
        done = [m for m in set(rows["method"]) if ch.finished(m, variant)]
        return rows[rows["method"].isin(done)]

    out["classification"] = finished_rows(cls, "")
    base_keys = set(cls.progress["key"])
    for name in ("bias", "budget", "noise", "architecture"):
        ch = evidence[name]
        for v in ch.exp.variants:
            p = ch.progress[(ch.progress["variant"] == v) & (ch.progress["method"] != "full")]
            if len(p) and not set(p["key"]) <= base_keys:  # not the classification runs themselves
                out[f"{name} {v}"] = finished_rows(ch, v)
    return {k: v for k, v in out.items() if v["method"].nunique() > 1}


def _numbers(r: dict, verdict: Optional[str] = None) -> str:
    """A claim's comparisons (those with ``verdict``, when given) as "A − B +x [lo, hi]"."""
    out = []
    for c in r["comparisons"]:
        if c["verdict"] == claims.NOT_MEASURED or (verdict and c["verdict"] != verdict):
            continue
        if "median query" in c["comparison"]:
            out.append(f"{c['comparison']} {c['diff']:.2f}×")
        else:
            ci = f" [{number(c['low'])}, {number(c['high'])}]" if not pd.isna(c["low"]) else ""
            out.append(f"{c['comparison']} {number(c['diff'])}{ci}")
    return "; ".join(out)


def _seeds(n: int) -> str:
    return f"{n} seed" if n == 1 else f"{n} seeds"


def summary(results: list, munjal: list, evidence: dict) -> dict:
    """What the report and the book's first page say about the claims, every number computed: the
    verdict counts, the claims by verdict with their numbers, and the scale the book ran at."""
    counts = claims.verdict_counts(r["verdict"] for r in results)

    def titled(verdict, numbers=True):
        # the paper's claims only, so that each list has as many items as its count (Munjal et al.'s
        # question has its own list)
        items = [r for r in results if r["verdict"] == verdict]
        only = verdict if verdict == claims.CONTRADICTED else None  # a contradicted claim: the failing comparisons
        return "; ".join(f"*{r['claim'].title}*" + (f" ({_numbers(r, only)})" if numbers and _numbers(r, only) else "")
                         for r in items) or "none"

    cls, seg = evidence["classification"], evidence["segmentation"]
    e, s = cls.exp, seg.exp
    name = _NAMES.get(cls.prep.dataset.name, cls.prep.dataset.name)
    scale = (f"{name} (a pool of {cls.prep.pool_size:,} training images, the "
             f"{len(cls.prep.test_targets):,}-image test set, {_seeds(len(e.seeds))}, VGG16 at {_frac(e.task.width)} "
             f"of the paper's width) and {seg.prep.pool_size:,} generated {s.data.image_size}×{s.data.image_size} "
             f"street scenes ({_seeds(len(s.seeds))}, DRN at {_frac(s.task.width)}), VAE at {_frac(e.vaal.width)}, "
             f"on a CPU")
    names = {claims.SUPPORTED: "n_supported", claims.CONTRADICTED: "n_contradicted",
             claims.INCONCLUSIVE: "n_inconclusive", claims.NOT_MEASURED: "n_not_measured",
             claims.NOT_TESTABLE: "n_not_testable"}
    out = {names[k]: str(v) for k, v in counts.items()}
    out["n_claims"] = str(len(results))
    out["margin"] = f"{claims.MARGIN:g}"
    out["supported_list"] = titled(claims.SUPPORTED)
    out["contradicted_list"] = titled(claims.CONTRADICTED)
    out["inconclusive_list"] = titled(claims.INCONCLUSIVE, numbers=False)
    out["not_measured_list"] = titled(claims.NOT_MEASURED, numbers=False)
    out["scale"] = scale
    out["munjal_points"] = claims.munjal_points(reference.reference_points("cifar10")) or "none stated"
    out["verdict_md"] = (f"Of the paper's {len(results)} claims tested here:\n\n"
                         f"- **{counts[claims.SUPPORTED]} supported** — {out['supported_list']}.\n"
                         f"- **{counts[claims.CONTRADICTED]} contradicted** — {out['contradicted_list']}.\n"
                         f"- **{counts[claims.INCONCLUSIVE]} inconclusive at this scale** — "
                         f"{out['inconclusive_list']}.\n"
                         f"- {counts[claims.NOT_TESTABLE]} not testable here, {counts[claims.NOT_MEASURED]} not "
                         f"measured yet (their runs are being computed).\n")
    if munjal:
        out["munjal_md"] = ("Munjal et al.'s question, with every method's learner regularised:\n\n"
                            + "".join(f"- *{r['claim'].title}* — {r['verdict']}"
                                      + (f" ({_numbers(r)})" if _numbers(r) else "") + ".\n" for r in munjal))
        out["verdict_md"] += "\n" + out["munjal_md"]
    out["finds_md"] = out["verdict_md"] + "\nScale: " + scale + ".\n"
    return out


_NAMES = {"fashion_mnist": "Fashion-MNIST", "digits": "scikit-learn's digits", "cifar10": "CIFAR-10",
          "cifar100": "CIFAR-100", "caltech256": "Caltech-256", "imagenet": "ImageNet"}


def _frac(width: float) -> str:
    from fractions import Fraction

    return str(Fraction(width).limit_denominator(64))
