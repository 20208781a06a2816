"""The diagnostics chapter's functions on the smoke set-up and on hand-built selections."""
import math

import pandas as pd
import pytest
import torch

from vaal_core import diagnostics, loop, presets
from vaal_core.results import ResultsStore


def test_held_out_fit_scores_every_group(tmp_path):
    exp = presets.resolve("classification", "smoke", results_dir=str(tmp_path), overrides={"vaal": {"iterations": 20}})
    prep = loop.prepare(exp)
    fit = diagnostics.held_out_fit(prep, seed=0, hold_out=0.2)
    n0 = prep.sizes["initial"]
    assert len(fit.held_out) == round(0.2 * n0) and len(fit.seen) == n0 - len(fit.held_out)
    assert len(fit.unlabeled) == prep.pool_size - n0
    for name, idx in (("seen", fit.seen), ("held_out", fit.held_out), ("unlabeled", fit.unlabeled)):
        assert fit.scores[name].shape == idx.shape and ((fit.scores[name] >= 0) & (fit.scores[name] <= 1)).all()
    assert 0 <= fit.auc_seen <= 1 and 0 <= fit.auc_held_out <= 1
    assert len(fit.picked.unique()) == prep.sizes["budget"] and torch.isin(fit.picked, fit.unlabeled).all()
    lm = diagnostics.latent_map(fit, prep, n_unlabeled=50)
    assert set(lm["group"]) == {"unlabeled", "labeled (seen by D)", "labeled, held out", "picked by VAAL"}


def test_pick_classes_shares_and_entropy(tmp_path):
    store = ResultsStore(tmp_path)
    targets = torch.tensor([0, 1, 2, 3] * 10)
    store.save_cycle("uniform", [], selected=[0, 1, 2, 3], cycle=0)  # one of each class
    store.save_cycle("one", [], selected=[0, 4, 8, 12], cycle=0)  # four of class 0
    rows = pd.DataFrame({"method": ["a", "b"], "key": ["uniform", "one"]})
    t = diagnostics.pick_classes(rows, store, targets, ["w", "x", "y", "z"])
    assert t.loc[["w", "x", "y", "z"], "a"].tolist() == [0.25] * 4
    assert t.loc["entropy (bits)", "a"] == pytest.approx(math.log2(4))
    assert t.loc["w", "b"] == 1.0 and t.loc["entropy (bits)", "b"] == 0.0
