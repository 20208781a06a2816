"""Every registered method, and a method of one's own: the registry's rules, the selection contract,
determinism and resume for each registered method, and the import-path route with its errors and keys."""
import textwrap

import pandas as pd
import pytest
import torch

from vaal_core import config, jobs, keys, loop, presets, strategies
from vaal_core.results import ResultsStore

TINY = {"task": {"epochs": 2, "min_steps": 0}, "vaal": {"iterations": 4}, "strategies": {"members": 2, "mc_passes": 3},
        "loop": {"final_fraction": 0.20}, "regularised": {"task": {"epochs": 2, "min_steps": 0}}}
VALUES = ["method", "seed", "cycle", "n_labeled", "metric", "value"]


def tiny(tmp_path, methods):
    return presets.resolve("classification", "smoke", results_dir=str(tmp_path), methods=methods, overrides=TINY)


@pytest.mark.parametrize("method", list(strategies.REGISTRY))
def test_every_registered_method_keeps_the_contract_is_deterministic_and_resumes(tmp_path, method):
    cls = strategies.REGISTRY[method]
    assert cls.name == method and cls.label and isinstance(cls.settings, tuple) and cls.chapters
    exp = tiny(tmp_path / "whole", [method])
    prep = loop.prepare(exp)
    whole = loop.run_method(prep, method, 0, ResultsStore(tmp_path / "whole"), verbose=False)
    assert whole["cycle"].nunique() == prep.sizes["cycles"] >= 3
    # the same run stopped after its first cycle and resumed gives the same rows and picks
    exp2 = tiny(tmp_path / "resumed", [method])
    prep2 = loop.prepare(exp2)
    store = ResultsStore(tmp_path / "resumed")
    loop.run_method(prep2, method, 0, store, verbose=False, stop_after=0)
    resumed = loop.run_method(prep2, method, 0, store, verbose=False)
    pd.testing.assert_frame_equal(whole[VALUES].reset_index(drop=True), resumed[VALUES].reset_index(drop=True))
    key = keys.run_key(exp, method, 0)[0]
    assert ResultsStore(tmp_path / "whole").selections(key) == store.selections(key)
    # every cycle's picks were budget distinct unlabeled positions (the loop checks; here, from the store)
    picks = store.selections(key)
    assert all(len(set(v)) == len(v) == prep.sizes["budget"] for v in picks.values())


def test_registration_requires_the_settings_a_method_depends_on():
    with pytest.raises(TypeError, match="declare settings"):
        @strategies.register("nameless", label="x", color="k")
        class NoSettings(strategies.Strategy):
            def query(self, ctx):
                return ctx.unlabeled_idx[:ctx.budget]
    with pytest.raises(TypeError, match="config sections"):
        strategies.register("odd", label="x", color="k", settings=("task",))
    assert "nameless" not in strategies.REGISTRY and "odd" not in strategies.REGISTRY


def test_each_chapter_runs_the_methods_that_declare_it():
    for chapter in ("classification", "segmentation", "ablation", "bias", "budget", "noise", "architecture"):
        methods = presets.resolve(chapter, "book").methods
        assert methods == strategies.methods_for(chapter)
    assert presets.resolve("classification", "book").methods[:1] == ["vaal"]


MINE = '''
import torch
from vaal_core.strategies import Strategy


class FirstUnlabeled(Strategy):
    """The budget unlabeled positions with the smallest pool index (a deterministic toy)."""
    settings = ()
    label = "first unlabeled"

    def query(self, ctx):
        return ctx.unlabeled_idx[:ctx.budget]


class Broken(Strategy):
    settings = ()

    def query(self, ctx):
        return ctx.unlabeled_idx[:ctx.budget - 1]


class NoSettings(Strategy):
    def query(self, ctx):
        return ctx.unlabeled_idx[:ctx.budget]
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "user_methods.py").write_text(textwrap.dedent(MINE))
    monkeypatch.syspath_prepend(str(folder))
    yield folder / "user_methods.py"
    import sys

    sys.modules.pop("user_methods", None)


def test_a_method_of_ones_own_runs_from_its_import_path_in_worker_processes(tmp_path, user_module):
    name = "user_methods:FirstUnlabeled"
    exp = config.with_overrides(tiny(tmp_path / "res", ["random", name]), {"workers": 2})
    rows = jobs.run_experiment(exp, upper_bound=False, verbose=False)  # two worker processes
    assert set(rows["method"]) == {"random", name}
    key, cfg = keys.run_key(exp, name, 0)
    assert cfg["method"] == name and len(cfg["source"]) == 16
    picks = ResultsStore(tmp_path / "res").selections(key)
    prep = loop.prepare(exp)
    initial = loop.seed_initial_pool(prep, 0)
    assert picks[0] == loop.unlabeled_of(prep.pool_size, initial)[:prep.sizes["budget"]].tolist()
    from vaal_core.plots import method_label

    assert method_label(name) == "first unlabeled"


def test_editing_ones_method_is_a_new_key_and_the_registered_keys_do_not_move(tmp_path, user_module):
    name = "user_methods:FirstUnlabeled"
    exp = tiny(tmp_path, ["random", name])
    before, random_before = keys.run_key(exp, name, 0)[0], keys.run_key(exp, "random", 0)[0]
    import importlib
    import sys

    user_module.write_text(user_module.read_text().replace("smallest pool index", "lowest pool index"))
    importlib.reload(sys.modules["user_methods"])
    assert keys.run_key(exp, name, 0)[0] != before
    assert keys.run_key(exp, "random", 0)[0] == random_before


@pytest.mark.parametrize("name,message", [
    ("no_such_module:Mine", "does not import"),
    ("user_methods:Missing", "has no 'Missing'"),
    ("vaal_core.config:Experiment", "not a subclass"),
    ("user_methods:NoSettings", "must declare settings"),
    ("unknown_name", "not a known method"),
])
def test_a_bad_method_fails_before_training_naming_the_parameter(tmp_path, user_module, monkeypatch, name, message):
    monkeypatch.setattr(loop, "_train_task", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ValueError, match=f"methods.*{message}"):
        loop.prepare(tiny(tmp_path, ["random", name]))


def test_a_query_that_breaks_the_contract_fails_at_its_first_cycle_and_loses_nothing(tmp_path, user_module):
    exp = tiny(tmp_path, ["random"])
    good = jobs.run_experiment(exp, upper_bound=False, verbose=False)
    bad = tiny(tmp_path, ["user_methods:Broken"])
    with pytest.raises(RuntimeError, match="Broken returned"):
        jobs.run_experiment(bad, upper_bound=False, verbose=False)
    store = ResultsStore(tmp_path)
    assert store.rows(keys.run_key(bad, "user_methods:Broken", 0)[0]).empty  # no cycle of it was stored
    pd.testing.assert_frame_equal(store.rows(good["key"].iloc[0]), good.reset_index(drop=True))


def test_check_selection_rejects_what_is_not_a_tensor_of_positions():
    unl = torch.arange(10)
    with pytest.raises(RuntimeError, match="expected a 1-D tensor"):
        strategies.check_selection([1, 2], unl, 2, "m")
    with pytest.raises(RuntimeError, match="integer"):
        strategies.check_selection(torch.tensor([1.0, 2.0]), unl, 2, "m")
