"""vaal_core.stats on hand-built curves."""
import numpy as np
import pandas as pd
import pytest

from vaal_core import stats

FRACS = [0.1, 0.2, 0.3, 0.4]


def rows(curves: dict) -> pd.DataFrame:
    """{(method, seed): [values at FRACS]} → tidy rows."""
    out = []
    for (m, s), vals in curves.items():
        for f, v in zip(FRACS, vals):
            out.append({"method": m, "seed": s, "labeled_fraction": f, "n_labeled": int(f * 1000),
                        "metric": "accuracy", "value": v})
    return pd.DataFrame(out)


def noisy_random(seed):
    rng = np.random.default_rng(seed)
    return [60 + 10 * i + rng.normal(0, 2) for i in range(4)]


def test_a_method_better_by_a_constant_has_an_interval_excluding_zero():
    c = {}
    for s in range(5):
        base = noisy_random(s)
        c[("random", s)] = base
        c[("vaal", s)] = [v + 1.5 for v in base]  # paired: +1.5 in every seed, whatever the seed's noise
    d = stats.paired_differences(rows(c), "accuracy")
    assert (d["diff"].round(9) == 1.5).all() and d["excludes_0"].all()
    assert (d["low"] == d["high"]).all()  # zero spread of the paired differences


def test_identical_curves_give_aubc_differences_of_exactly_zero():
    c = {}
    for s in range(3):
        c[("random", s)] = noisy_random(s)
        c[("coreset", s)] = noisy_random(s)
    a = stats.aubc_differences(rows(c), "accuracy", reference="random")
    assert a.loc["coreset", "diff"] == 0.0 and not a.loc["coreset", "excludes_0"]


def test_aubc_is_the_mean_height_of_the_curve():
    a = stats.aubc(rows({("random", 0): [60, 70, 80, 90], ("random", 1): [60, 70, 80, 90]}), "accuracy")
    assert a.loc["random", "aubc"] == pytest.approx(75.0)  # a straight line from 60 to 90
    flat = stats.aubc(rows({("x", 0): [50, 50, 50, 50]}), "accuracy")
    assert flat.loc["x", "aubc"] == 50.0 and np.isnan(flat.loc["x", "low"])  # one seed: no interval


def test_t_interval_matches_the_textbook():
    m, lo, hi = stats.t_interval([1.0, 2.0, 3.0])
    # mean 2, sd 1, t(0.975, 2) = 4.302653: half-width 4.302653 / sqrt(3)
    assert m == 2.0 and hi - m == pytest.approx(4.302653 / 3 ** 0.5, rel=1e-6)


def test_noise_inside_the_spread_is_not_significant():
    c = {}
    for s in range(3):
        c[("random", s)] = noisy_random(s)
        c[("vaal", s)] = noisy_random(100 + s)  # independent noise, same mean
    d = stats.paired_differences(rows(c), "accuracy")
    assert not d["excludes_0"].all()


def test_labels_to_reach_interpolates_per_seed():
    r = rows({("a", 0): [60, 70, 80, 90], ("a", 1): [60, 80, 85, 90], ("b", 0): [50, 55, 60, 65]})
    t = stats.labels_to_reach(r, "accuracy", 75.0)
    # seed 0 crosses 75 half-way from 200 to 300 (250); seed 1 between 100 and 200 at 175
    assert t.loc["a", "labels"] == pytest.approx((250 + 175) / 2) and t.loc["a", "reached"] == "2/2"
    assert np.isnan(t.loc["b", "labels"]) and t.loc["b", "reached"] == "0/1"


def test_penalty_matrix_of_three_hand_made_curves():
    c = {}
    for s in range(4):
        base = noisy_random(s)
        c[("random", s)] = base
        c[("coreset", s)] = [base[0]] + [v + 1 for v in base[1:]]  # +1 after the shared first point
        c[("vaal", s)] = [base[0]] + [v + 2 for v in base[1:]]  # +2
    m = stats.penalty_matrix({"one": rows(c), "two": rows(c)}, "accuracy", ["vaal", "coreset", "random"])
    # 2 settings × 3 fractions after the first: every win counts 6
    assert m.loc["vaal", "coreset"] == 6 and m.loc["vaal", "random"] == 6 and m.loc["coreset", "random"] == 6
    assert m.loc["random", "vaal"] == 0 and m.loc["coreset", "vaal"] == 0
    assert (np.diag(m.to_numpy()) == 0).all()
