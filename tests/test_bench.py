"""The benchmark scripts' arithmetic on hand-built tables (their measurements are not unit-tested)."""
import pandas as pd
import pytest

from bench.recompute_cost import estimate


def test_recompute_cost_scales_each_run_by_its_kinds_ratio():
    runs = pd.DataFrame({"chapter": ["a", "a", "b"], "key": ["k1", "k2", "k3"], "dataset": ["d"] * 3,
                         "arch": ["x", "x", "y"], "method": ["vaal", "random", "vaal"],
                         "stored_s": [3600.0, 7200.0, 1800.0]})
    kinds = pd.DataFrame({"dataset": ["d"] * 3, "arch": ["x", "x", "y"], "method": ["vaal", "random", "vaal"],
                          "ratio": [0.5, 0.25, 2.0]})
    t = estimate(runs, kinds, workers=2)
    assert t.loc["a", "stored_worker_h"] == 3.0 and t.loc["a", "here_worker_h"] == 1.0  # 0.5 h + 0.5 h
    assert t.loc["b", "here_worker_h"] == 1.0 and t.loc["all", "runs"] == 3
    assert t.loc["all", "here_wall_h (2 workers)"] == 1.0
    with pytest.raises(ValueError, match="not measured"):
        estimate(runs, kinds.iloc[:2], workers=2)
