"""The chapters' tables on hand-built rows: progress of a chapter being computed, failures below the
linear model, the paper's points beside ours, tables whose baseline has no run yet."""
import dataclasses
import math

import pandas as pd
import pytest

from vaal_core import findings, presets, report, variants


def rows(values: dict, metric: str = "accuracy") -> pd.DataFrame:
    """values: (method, seed, n_labeled) → (task accuracy, linear accuracy)."""
    out = []
    for (m, s, n), (task, lin) in values.items():
        for name, v in ((metric, task), ("linear_accuracy", lin)):
            out.append({"method": m, "seed": s, "n_labeled": n, "labeled_fraction": n / 1000, "metric": name,
                        "value": v})
    return pd.DataFrame(out)


def test_below_linear_lists_the_single_failures_worst_first():
    r = rows({("vaal", 0, 100): (80.0, 79.0), ("vaal", 1, 100): (70.0, 78.0), ("random", 0, 200): (81.0, 81.5),
              ("random", 1, 200): (85.0, 80.0)})
    f = report.below_linear(r)
    assert list(f.index) == [("vaal", 1, 100), ("random", 0, 200)]
    assert f["margin"].tolist() == [-8.0, -0.5] and (f["of"] == 4).all()
    assert report.below_linear(rows({("vaal", 0, 100): (80.0, 79.0)})).empty


def test_beside_paper_reads_our_mean_at_the_stated_points():
    r = rows({("vaal", 0, 400): (80.0, 0), ("vaal", 1, 400): (82.0, 0), ("random", 0, 100): (60.0, 0)})
    upper = pd.DataFrame({"metric": ["accuracy"] * 2, "value": [90.0, 92.0]})
    paper = pd.DataFrame({"method": ["VAAL", "Random", "full data"], "at": ["fraction=0.4", "fraction=0.4", "all"]})
    ours = report.beside_paper(paper, r, upper, "accuracy")
    assert ours.iloc[0] == 81.0 and math.isnan(ours.iloc[1]) and ours.iloc[2] == 91.0


def test_progress_table_counts_finished_seeds_and_partial_cycles():
    p = pd.DataFrame({"variant": ["", "", "", "full data"], "method": ["vaal", "vaal", "random", "full"],
                      "seed": [0, 1, 0, 0], "cycles finished": [7, 3, 0, 1], "cycles": [7, 7, 7, 1],
                      "finished": [True, False, False, True]})
    t = report.progress_table(p)
    assert t.loc["runs", "VAAL"] == "1 of 2, seed 1 at 3/7 cycles" and t.loc["runs", "Random"] == "0 of 1"
    assert t.loc["full data", "full"] == "1 of 1" and t.loc["runs", "full"] == ""


def test_comparisons_without_their_baseline_say_so():
    r = rows({("vaal", 0, 100): (80.0, 79.0), ("vaal", 0, 200): (82.0, 79.0)})
    for table in (report.paired_table(r, "accuracy", ["vaal"]), report.aubc_table(r, "accuracy", ["vaal"])):
        assert "Random has no finished run yet" in table.iloc[0, 0]
    assert report.present(r, ["coreset", "vaal", "random"]) == ["vaal"]
    assert "(1 run)" in report.curve_table(r, "accuracy").iloc[0, 0]
    both = pd.concat([r, r.assign(method="random")])
    assert "no labeled fraction above 20 %" in report.aubc_table(both, "accuracy", above=0.2).iloc[0, 0]
    one_seed = report.aubc_table(both, "accuracy")  # one seed: the levels without an interval, no NaN
    assert not one_seed.astype(str).apply(lambda c: c.str.contains("nan", case=False)).any().any()


def test_a_shown_table_is_blank_where_it_has_no_value():
    t = pd.DataFrame({"low": [1.5, float("nan")], "n": [3, 4]}, index=["a", "b"])
    shown = report.shown(t)
    assert shown.loc["b", "low"] == "" and shown.loc["a", "low"] == 1.5 and shown.loc["b", "n"] == 4
    assert report.shown(None) is None


def test_variant_curves_show_each_finished_variant_beside_the_others():
    base = rows({("vaal", s, n): (70.0 + n / 100 + s, 60.0) for s in (0, 1) for n in (100, 200, 300)}
                | {("random", s, n): (69.0 + n / 100 + s, 60.0) for s in (0, 1) for n in (100, 200, 300)})
    hard = base.copy()
    hard.loc[hard["metric"] == "accuracy", "value"] -= 5.0
    full = pd.DataFrame({"method": ["full"] * 2, "seed": [0, 1], "n_labeled": [1000] * 2,
                         "labeled_fraction": [1.0] * 2, "metric": ["accuracy"] * 2, "value": [90.0, 91.0]})
    r = pd.concat([base.assign(variant="ε=0"), hard.assign(variant="ε=30%"), full.assign(variant="")])
    vc = variants.VariantCurves(r, {"ε=0": {}, "ε=10%": {}, "ε=30%": {}}, ["vaal", "coreset", "random"], "accuracy")
    assert vc.variants == ["ε=0", "ε=30%"] and vc.methods == ["vaal", "random"] and vc.reference == "random"
    rank = vc.ranking()
    # mean over the cycles after the first: VAAL (72.5 + 73.5) / 2 + 0.5 = 73.0, Random one point lower
    assert rank.loc["VAAL", "ε=0"] == 73.0 and rank.loc["Random", "ε=0"] == 72.0
    assert rank.loc["VAAL", "ε=30%"] == 68.0
    assert list(vc.curve_tables().columns.get_level_values(0).unique()) == ["ε=0", "ε=30%"]
    means = vc.means()
    assert means["ε=0"][("vaal", 0.3)] - means["ε=30%"][("vaal", 0.3)] == 5.0
    aubc = vc.aubc()
    assert set(aubc.index.get_level_values(0)) == {"ε=0", "ε=30%"}
    # 13 and 8 points above the linear model on the labeled sets at 300 (mean over methods and seeds)
    margin = vc.competence()
    assert margin.loc[margin.index[2], "ε=0"] == 13.0 and margin.loc[margin.index[2], "ε=30%"] == 8.0
    assert len(vc.plot().axes) == 2
    assert variants.VariantCurves(r.iloc[:0], {"a": {}}, ["vaal"], "accuracy").curve_tables().empty
    assert vc.ranking(labels=False).loc["vaal", "ε=0"] == 73.0
    # a setting that steps by other sizes (a larger budget): a blank where it has no point, never NaN
    wide = pd.concat([r, hard.replace({"n_labeled": {200: 201}}).assign(variant="b")])
    sides = variants.VariantCurves(wide, {"ε=0": {}, "b": {}}, ["vaal", "random"], "accuracy")
    for table in (sides.curve_tables(), sides.competence()):
        assert not table.isna().any().any() and (table == "").any().any()
    # a setting whose reference has no finished run yet: its row says so, the other cells are blank, never NaN
    early = pd.concat([r, base[base["method"] == "vaal"].assign(variant="ε=10%")])
    groups = variants.VariantCurves(early, {"ε=0": {}, "ε=10%": {}}, ["vaal", "random"], "accuracy").aubc()
    assert not groups.isna().any().any()
    assert groups.loc["ε=10%"].iloc[0].str.contains("Random has no finished run yet").any()


def test_a_variant_grid_names_each_bound_only_where_the_settings_bounds_differ():
    from vaal_core import plots

    rows = pd.DataFrame({"method": ["vaal"] * 2, "seed": [0, 0], "n_labeled": [100, 150],
                         "labeled_fraction": [0.1, 0.15], "metric": ["accuracy"] * 2, "value": [70.0, 72.0]})

    def bound(key, value):
        return pd.DataFrame({"method": ["full"], "key": [key], "metric": ["accuracy"], "value": [value]})

    def legend(bounds):
        fig = plots.variant_grid({"a": rows, "b": rows}, "accuracy", ["vaal"], bounds)
        return [t.get_text() for t in fig.legends[0].get_texts()]

    assert [t for t in legend({"a": bound("k1", 90.0), "b": bound("k1", 90.0)}) if "full" in t] == \
        ["full data = 90.00 ± 0.00"]  # one bound shared by both settings: one entry
    assert [t for t in legend({"a": bound("k1", 90.0), "b": bound("k2", 80.0)}) if "full" in t] == \
        ["full data, a = 90.00 ± 0.00", "full data, b = 80.00 ± 0.00"]


def test_timing_table_is_indexed_by_method_id_and_relabelled_for_display():
    table = pd.DataFrame({"method": ["floor", "vaal", "coreset"], "median_s": [1.0, 2.0, 8.0],
                          "x_floor": [1.0, 2.0, 8.0]})
    paper = pd.DataFrame({"method": ["VAAL", "Core-set"], "value": [10.0, 71.0]})
    t = report.timing_table(table, paper)
    assert list(t.index) == ["floor", "vaal", "coreset"]
    assert t.loc["coreset", "ours / VAAL"] == 4.0 and t.loc["coreset", "paper / VAAL"] == 7.1
    assert math.isnan(t.loc["floor", "paper (s, TITAN Xp)"])
    assert list(report.labelled(t).index) == ["floor: one inference pass", "VAAL", "Core-set"]


def test_the_regularised_recipe_is_the_best_of_its_committed_sweep():
    """config's regularised.task is what bench/sweep_task.py --group regularised chose: the recipe with
    the best score in the committed CSV, applied to the book preset's task learner."""
    from pathlib import Path

    from bench import sweep_task
    from vaal_core import config

    csv = Path(__file__).resolve().parents[1] / "results" / "tables" / "sweep-regularised" / "sweep.csv"
    table = findings.task_sweep_table(pd.read_csv(csv))
    assert set(table.index) == set(sweep_task.REGULARISED)
    best = sweep_task.REGULARISED[table.index[0]]
    exp = presets.resolve("classification", "book")
    assert dataclasses.asdict(config.regularised_task(exp)) == {**dataclasses.asdict(exp.task), **best}


def test_machine_effect_counts_identical_values_and_pairs_the_aubc():
    from bench.machine_effect import compare

    base = [{"seed": s, "cycle": c, "n_labeled": 100 * (c + 1), "labeled_fraction": 0.1 * (c + 1),
             "metric": "accuracy", "value": 80.0 + c + s} for s in (0, 1, 2) for c in (0, 1, 2)]
    committed = pd.DataFrame(base)
    here = committed.assign(value=committed["value"] + [0.0, 0.5, -1.0] * 3)  # cycle 0 identical
    t = findings.machine_effect_table(compare(committed, here)).loc["accuracy"]
    assert t["values"] == 9 and t["identical"] == 3 and t["max |diff|"] == 1.0
    assert t["mean diff"] == pytest.approx(-0.5 / 3, abs=1e-3)
    assert t["AUBC diff [95 % CI]"] == "+0.00 [+0.00, +0.00]"  # the trapezoids' +0.25 and -0.25 cancel
    with pytest.raises(ValueError, match="cycles and metrics"):
        compare(committed, here[here["cycle"] < 2])
