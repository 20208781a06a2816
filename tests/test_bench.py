"""The benchmark scripts' arithmetic on hand-built tables (their measurements are not unit-tested)."""
import pandas as pd
import pytest

from bench.recompute_cost import estimate


def test_recompute_cost_scales_each_run_by_its_kinds_ratio():
    runs = pd.DataFrame({"chapter": ["a", "a", "b"], "key": ["k1", "k2", "k3"], "dataset": ["d"] * 3,
                         "arch": ["x", "x", "y"], "method": ["vaal", "random", "vaal"], "settings": ["s"] * 3,
                         "stored_s": [3600.0, 7200.0, 1800.0], "estimated": [False, True, False]})
    kinds = pd.DataFrame({"dataset": ["d"] * 3, "arch": ["x", "x", "y"], "method": ["vaal", "random", "vaal"],
                          "settings": ["s"] * 3, "ratio": [0.5, 0.25, 2.0]})
    t = estimate(runs, kinds, workers=2)
    assert t.loc["a", "stored_worker_h"] == 3.0 and t.loc["a", "here_worker_h"] == 1.0  # 0.5 h + 0.5 h
    assert t.loc["b", "here_worker_h"] == 1.0 and t.loc["all", "runs"] == 3
    assert t.loc["all", "here_wall_h (2 workers)"] == 1.0 and t.loc["a", "estimated"] == 1
    # the same method with other declared settings (a wider VAE) is another kind, measured on its own
    wide = pd.concat([runs, runs.iloc[[0]].assign(key="k4", settings="wide")])
    with pytest.raises(ValueError, match="not measured"):
        estimate(wide, kinds, workers=2)
    with pytest.raises(ValueError, match="not measured"):
        estimate(runs, kinds.iloc[:2], workers=2)
