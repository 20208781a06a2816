"""The reproduction report's verdict rules on made-up numbers, and the claims table against the paper's text."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaal_core import claims, reproduction

PAPER = Path(__file__).resolve().parents[2] / "shared" / "paper"


def test_greater_rule():
    assert claims.verdict(0.1, 2.0) == claims.SUPPORTED
    assert claims.verdict(-2.0, -0.1) == claims.CONTRADICTED
    assert claims.verdict(-1.0, 1.0) == claims.INCONCLUSIVE
    assert claims.verdict(0.0, 1.0) == claims.INCONCLUSIVE  # touching 0 is not beyond the spread
    assert claims.verdict(float("nan"), float("nan")) == claims.INCONCLUSIVE  # one seed: no interval


def test_equivalence_and_at_most_rules_use_the_margin():
    m = claims.MARGIN
    assert claims.verdict(-0.5 * m, 0.5 * m, "equivalent") == claims.SUPPORTED
    assert claims.verdict(-2 * m, 0.5 * m, "equivalent") == claims.INCONCLUSIVE  # the interval reaches past −δ
    assert claims.verdict(1.1 * m, 3 * m, "equivalent") == claims.CONTRADICTED
    assert claims.verdict(-3 * m, -1.1 * m, "equivalent") == claims.CONTRADICTED
    assert claims.verdict(-3 * m, 0.9 * m, "at_most") == claims.SUPPORTED  # "similar or worse"
    assert claims.verdict(1.2 * m, 2 * m, "at_most") == claims.CONTRADICTED
    assert claims.verdict(0.5 * m, 2 * m, "at_most") == claims.INCONCLUSIVE
    with pytest.raises(ValueError, match="rule"):
        claims.verdict(0, 1, "beats")


def test_a_claim_of_several_comparisons_needs_every_one():
    S, C, Inc, N = claims.SUPPORTED, claims.CONTRADICTED, claims.INCONCLUSIVE, claims.NOT_MEASURED
    assert claims.combine([S, S]) == S
    assert claims.combine([S, Inc]) == Inc
    assert claims.combine([S, Inc, C]) == C
    assert claims.combine([S, N]) == N  # no verdict from part of the runs
    assert claims.verdict_counts([S, C, S]) == {S: 2, C: 1, Inc: 0, N: 0, claims.NOT_TESTABLE: 0}


def test_faster_uses_every_timed_query():
    t = pd.DataFrame({"method": ["vaal", "coreset", "ensembles"], "median_s": [1.0, 3.0, 2.0],
                      "min_s": [0.9, 2.5, 1.05], "max_s": [1.1, 3.5, 2.5]})
    out = claims.faster(t, "vaal", ["coreset", "ensembles"])
    assert out["verdict"] == claims.INCONCLUSIVE  # VAAL's slowest (1.1 s) overlaps Ensembles' fastest (1.05 s)
    t.loc[2, "min_s"] = 1.5
    assert claims.faster(t, "vaal", ["coreset", "ensembles"])["verdict"] == claims.SUPPORTED
    assert claims.faster(t, "vaal", ["coreset"])["ratios"]["coreset"] == 1 / 3


def test_every_claim_is_well_formed():
    ids = [c.id for c in (*claims.CLAIMS, *claims.MUNJAL)]
    assert len(ids) == len(set(ids))
    for c in (*claims.CLAIMS, *claims.MUNJAL):
        assert c.title and c.where and c.quote and c.reading
        assert bool(c.comparisons) != bool(c.untestable), c.id  # tested, or said why not
        for comp in c.comparisons:
            assert comp.rule in claims.RULES and comp.measure in ("aubc", "gap", "missing", "labels", "time")
        if c.comparisons:
            assert c.section and c.figure, c.id  # linked to its evidence


def _normalise(text: str) -> str:
    text = text.replace("ﬁ", "fi").replace("ﬀ", "ff").replace("ﬂ", "fl")
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not PAPER.is_dir(), reason="the paper's text (../shared/paper) is not beside this checkout")
def test_every_quote_is_verbatim_from_the_paper():
    text = _normalise(" ".join(p.read_text() for p in PAPER.glob("*.txt")))
    for c in claims.CLAIMS:
        # "…" marks where the PDF's text interleaves a figure; "[…]" a citation number the text dropped
        for part in _normalise(c.quote).replace("[…] ", "").split(" … "):
            assert part in text, f"{c.id}: {part!r} is not in the paper's text"


def test_numbers_never_show_an_interval_that_excludes_0_as_touching_it():
    assert reproduction.number(0.004) == "+0.004"
    assert reproduction.number(-1.234) == "-1.23"
    assert reproduction.number(float("nan")) == ""


def _chapter(per_method: dict, seeds: int = 5):
    """A stand-in chapter: every method's curve = a shared noisy base per seed + its offset after cycle 0."""
    rows = []
    for s in range(seeds):
        base = 60 + 10 * np.arange(4) + np.random.default_rng(s).normal(0, 2, 4)
        for m, off in per_method.items():
            for i, f in enumerate([0.1, 0.2, 0.3, 0.4]):
                rows.append({"method": m, "seed": s, "labeled_fraction": f, "n_labeled": int(1000 * f),
                             "metric": "accuracy", "value": base[i] + (off if i else 0.0), "variant": ""})
    progress = pd.DataFrame([{"method": m, "variant": "", "seed": s, "finished": True, "key": f"{m}{s}"}
                             for m in per_method for s in range(seeds)])

    class Ch:
        prep = type("P", (), {"task": type("T", (), {"metric": "accuracy"})()})()

        def curves(self, variant=None):
            r = pd.DataFrame(rows)
            return r if variant is None else r[r["variant"] == variant]

        def finished(self, method, variant=""):
            p = progress[(progress["method"] == method) & (progress["variant"] == variant)]
            return bool(len(p)) and bool(p["finished"].all())

    return Ch()


def test_a_claim_is_evaluated_comparison_by_comparison():
    claim = claims.Claim("x", "t", "w", "q", "c", "r", (claims.Comparison("vaal", "random"),
                                                      claims.Comparison("vaal", "coreset", "equivalent")),
                         figure="f", section="s")
    ch = _chapter({"vaal": 2.0, "random": 0.0, "coreset": 2.1})
    out = reproduction.evaluate(claim, {"c": ch})
    assert [c["verdict"] for c in out["comparisons"]] == [claims.SUPPORTED, claims.SUPPORTED]
    assert out["verdict"] == claims.SUPPORTED
    assert out["comparisons"][0]["diff"] == pytest.approx(2.0 * 3 / 3.0 * (0.5 + 1 + 1) / 3, rel=0.2)
    far = reproduction.evaluate(claim, {"c": _chapter({"vaal": 2.0, "random": 0.0, "coreset": 6.0})})
    assert far["comparisons"][1]["verdict"] == claims.CONTRADICTED and far["verdict"] == claims.CONTRADICTED
    gone = reproduction.evaluate(claim, {"c": _chapter({"vaal": 2.0, "random": 0.0})})  # Core-set not computed
    assert gone["comparisons"][1]["verdict"] == claims.NOT_MEASURED and gone["verdict"] == claims.NOT_MEASURED
