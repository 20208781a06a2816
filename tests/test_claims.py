"""The reproduction report's verdict rule on made-up rows."""
import numpy as np
import pandas as pd

from vaal_core import claims

FRACS = [0.1, 0.2, 0.3, 0.4]


def rows(offsets: dict, seeds: int = 4) -> pd.DataFrame:
    """Every method's curve = a shared noisy base curve per seed + the method's offset after cycle 0."""
    out = []
    for s in range(seeds):
        base = 60 + 10 * np.arange(4) + np.random.default_rng(s).normal(0, 2, 4)
        for m, off in offsets.items():
            for i, f in enumerate(FRACS):
                out.append({"method": m, "seed": s, "labeled_fraction": f, "n_labeled": int(1000 * f),
                            "metric": "accuracy", "value": base[i] + (off if i else 0.0)})
    return pd.DataFrame(out)


def test_verdict_rule():
    assert claims.verdict(0.1, 2.0) == claims.SUPPORTED
    assert claims.verdict(-2.0, -0.1) == claims.CONTRADICTED
    assert claims.verdict(-1.0, 1.0) == claims.INCONCLUSIVE
    assert claims.verdict(float("nan"), float("nan")) == claims.INCONCLUSIVE  # one seed: no interval


def test_beats_compares_with_the_strongest_baseline():
    r = rows({"vaal": 1.0, "coreset": 2.0, "random": 0.0})
    out = claims.beats(r, "accuracy", "vaal", ["coreset", "random"])
    assert out["against"] == "Core-set" and out["verdict"] == claims.CONTRADICTED
    assert out["diff"] < 0
    out = claims.beats(rows({"vaal": 2.0, "coreset": 1.0, "random": 0.0}), "accuracy", "vaal", ["coreset", "random"])
    assert out["verdict"] == claims.SUPPORTED and out["against"] == "Core-set"
    same = claims.beats(rows({"vaal": 0.0, "random": 0.0}), "accuracy", "vaal", ["random"])
    assert same["diff"] == 0.0 and same["verdict"] == claims.INCONCLUSIVE


def test_no_verdict_from_runs_not_computed_yet():
    r = rows({"vaal": 2.0, "coreset": 1.0, "random": 0.0})
    gone = claims.beats(r[r["method"] != "vaal"], "accuracy", "vaal", ["coreset", "random"])
    assert gone["verdict"] == claims.NOT_MEASURED and np.isnan(gone["diff"]) and gone["seeds"] == 0
    # the strongest baseline (Core-set) not computed yet: Random's difference is shown, no verdict drawn
    part = claims.beats(r[r["method"] != "coreset"], "accuracy", "vaal", ["coreset", "random"])
    assert part["verdict"] == claims.NOT_MEASURED and part["against"] == "Random" and part["diff"] > 1.5
    unfinished = claims.beats(r, "accuracy", "vaal", ["coreset", "random"], complete=False)
    assert unfinished["verdict"] == claims.NOT_MEASURED and unfinished["low"] > 0
    assert "not computed yet" in claims.report_row("Fig. 2", "c", "s", gone)["measured"]
    assert claims.verdict_counts(pd.DataFrame({"verdict": [claims.NOT_MEASURED, claims.SUPPORTED]})) == {
        claims.SUPPORTED: 1, claims.CONTRADICTED: 0, claims.INCONCLUSIVE: 0, claims.NOT_MEASURED: 1}


def test_faster_uses_every_timed_query():
    t = pd.DataFrame({"method": ["vaal", "coreset", "ensembles"], "median_s": [1.0, 3.0, 2.0],
                      "min_s": [0.9, 2.5, 1.05], "max_s": [1.1, 3.5, 2.5]})
    out = claims.faster(t, "vaal", ["coreset", "ensembles"])
    assert out["verdict"] == claims.INCONCLUSIVE  # VAAL's slowest (1.1 s) overlaps Ensembles' fastest (1.05 s)
    t.loc[2, "min_s"] = 1.5
    assert claims.faster(t, "vaal", ["coreset", "ensembles"])["verdict"] == claims.SUPPORTED
    assert claims.faster(t, "vaal", ["coreset"])["ratios"]["coreset"] == 1 / 3


def test_strongest_is_the_highest_mean_aubc_among_those_with_rows():
    r = rows({"vaal": 1.0, "coreset": 2.0, "random": 0.0})
    assert claims.strongest(r, "accuracy", ["vaal", "random"]) == "vaal"
    assert claims.strongest(r, "accuracy", ["vaal", "coreset", "random"]) == "coreset"
    assert claims.strongest(r, "accuracy", ["dbal", "random"]) == "random"  # DBAL has no rows
    assert claims.strongest(r, "accuracy", ["dbal"]) == "dbal"
