"""A robustness chapter's per-variant tables and figures (bias, budget, noise, architecture, capacity): the
base experiment and its variants side by side, each with its own full-data bound."""
from __future__ import annotations

import pandas as pd

from . import stats
from .plots import method_label, paired_plot, variant_grid
from .report import aubc_table, competence_table, curve_table, mean_over_fractions, present, shown
from .results import summarize


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
        out = pd.concat({v: table(v) for v in self.variants}, axis=axis)
        # a blank where a setting has no value: side by side, no point at another's labeled size; as row
        # groups, the columns of a setting whose reference has no finished run yet (its row says so)
        return shown(out)

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
