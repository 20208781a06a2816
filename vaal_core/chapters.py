"""What a chapter's first cells do, in one call: resolve the parameters, prepare the data once, read (or
compute) the runs, and say what is still being computed.

:func:`open_chapter` serves the classification, segmentation and ablation chapters; :func:`open_robustness`
the four robustness chapters (bias, budget, noise, architecture), whose runs are variants of the
classification setting (:class:`variants.VariantCurves`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pandas as pd

from . import catalog, jobs, loop, presets
from .variants import VariantCurves


@dataclass
class OpenChapter:
    exp: object
    prep: object
    rows: pd.DataFrame  # every finished run's rows, a ``variant`` column ("" without variants)
    progress: pd.DataFrame  # jobs.run_progress: which runs have finished
    vc: Optional[VariantCurves] = None  # the robustness chapters' per-variant tables and figures

    @property
    def metric(self) -> str:
        return self.prep.task.metric

    def curves(self, variant: Optional[str] = None) -> pd.DataFrame:
        """The method rows (no full-data bound), of one variant when given."""
        r = self.rows[self.rows["method"] != "full"]
        return r if variant is None else r[r["variant"] == variant]

    def upper(self, variant: str = "") -> pd.DataFrame:
        """The full-data bound's rows of a variant's setting (the chapter's own without variants)."""
        return self.rows[(self.rows["method"] == "full") & (self.rows["variant"] == variant)]

    def finished(self, method: str, variant: str = "") -> bool:
        """Whether every seed of ``method`` in ``variant`` has finished (a verdict needs all of them)."""
        p = self.progress[(self.progress["method"] == method) & (self.progress["variant"] == variant)]
        return bool(len(p)) and bool(p["finished"].all())

    def runs(self) -> tuple[int, int]:
        """(finished, all) runs of the chapter's preset, each run once (variants share runs)."""
        p = self.progress.drop_duplicates("key")
        return int(p["finished"].sum()), len(p)

    def status(self) -> str:
        """The page's note while some of its runs are still being computed ("" once all are finished)."""
        done, total = self.runs()
        if done == total:
            return ""
        return (f"```{{note}}\nThis page shows the runs its `{self.exp.preset}` preset has finished: **{done} of "
                f"{total}** (the table under *How this was computed*). The rest are being computed (`python -m "
                f"vaal_core.catalog compute {self.exp.chapter}`, resumable); no verdict is drawn from part of the "
                f"seeds.\n```")


def _resolve(chapter: str, preset: str, params: dict):
    exp = presets.resolve(chapter, preset, **{k: v for k, v in params.items() if k != "chapter"})
    prep = loop.prepare(exp)
    print(exp.summary(prep.pool_size))
    return exp, prep


def open_chapter(chapter: str, preset: str = "book", upper_bound: bool = True, **params) -> OpenChapter:
    """A chapter without variants: its experiment, data and rows (the full-data bound with method "full")."""
    exp, prep = _resolve(chapter, preset, params)
    variants = {"": {}}
    rows = jobs.run_variants(exp, variants, upper_bound, prep=prep)
    return OpenChapter(exp, prep, rows, jobs.run_progress(exp, variants, upper_bound, prep))


def open_robustness(chapter: str, preset: str = "book", **params) -> OpenChapter:
    """A robustness chapter: the base experiment and its variants (from the preset), each variant's own
    full-data bound, and :class:`variants.VariantCurves` over them."""
    exp, prep = _resolve(chapter, preset, params)
    print("variants:", exp.variants)
    rows = jobs.run_variants(exp, exp.variants, catalog.CHAPTERS[chapter], prep=prep)
    progress = jobs.run_progress(exp, exp.variants, catalog.CHAPTERS[chapter], prep)
    return OpenChapter(exp, prep, rows, progress, VariantCurves(rows, exp.variants, exp.methods, prep.task.metric))
