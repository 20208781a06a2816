"""Unit tests of the models, VAAL's losses and sampler, the loop and the results store."""
import dataclasses
import io
import json

import pandas as pd
import pytest
import torch

from vaal_core import config, jobs, keys, loop, presets, strategies, vaal
from vaal_core.models import VAE, VGG16, Discriminator, ResNet18
from vaal_core.results import ResultsStore, atomic_write_text
from vaal_core.runtime import ImageStore, seed_everything

TINY = {"task": {"epochs": 2}, "vaal": {"iterations": 6}, "loop": {"final_fraction": 0.25}}
VALUE_COLUMNS = ["method", "seed", "cycle", "n_labeled", "metric", "value"]


def tiny(tmp_path, **kw):
    overrides = config._merge(TINY, kw.pop("overrides", {}))
    return presets.resolve("classification", "smoke", results_dir=str(tmp_path), overrides=overrides, **kw)


# ---------------------------------------------------------------------------------------------- models

@pytest.mark.parametrize("size", [32, 64])
def test_vae_shapes(size):
    vae = VAE(in_channels=3, image_size=size, z_dim=16, width=1 / 16)
    x = torch.randn(4, 3, size, size)
    recon, z, mu, logvar = vae(x)
    assert recon.shape == x.shape and z.shape == mu.shape == logvar.shape == (4, 16)
    convs = [m for m in vae.encoder if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 16, 32, 64]  # 128-256-512-1024 × 1/16
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)


def test_vae_rejects_size():
    with pytest.raises(ValueError, match="multiple of 16"):
        VAE(image_size=28)


def test_discriminator_is_five_linear_layers_on_the_latent():
    d = Discriminator(z_dim=32, width=512, layers=5)
    linears = [m for m in d.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 5 and linears[0].in_features == 32 and linears[-1].out_features == 1
    assert d(torch.randn(7, 32)).shape == (7,)


@pytest.mark.parametrize("arch", ["vgg16", "resnet18"])
def test_task_models_train_on_one_thread(arch, tmp_path):
    """Regression: ResNet18 in channels_last crashed (heap corruption) in backward on one CPU thread."""
    exp = tiny(tmp_path, overrides={"task": {"arch": arch, "epochs": 2}})
    prep = loop.prepare(exp)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = prep.task.build(prep.device)
        idx = torch.arange(128)
        stats = prep.task.fit(model, prep.store, idx, prep.pool_targets[idx], seed_everything(0))
    finally:
        torch.set_num_threads(before)
    assert torch.isfinite(torch.tensor(stats["final_loss"]))


@pytest.mark.parametrize("cls,n_conv", [(VGG16, 13), (ResNet18, 20)])
def test_task_models(cls, n_conv):
    m = cls(in_channels=1, num_classes=10, width=1 / 8)
    x = torch.randn(3, 1, 32, 32)
    assert m(x).shape == (3, 10)
    assert m.embed(x).dim() == 2
    assert sum(isinstance(k, torch.nn.Conv2d) for k in m.modules()) == n_conv
    assert any(isinstance(k, torch.nn.Dropout) for k in m.modules())


# ---------------------------------------------------------------------------------------------- losses

@pytest.mark.parametrize("scale", ["per_sample", "per_pixel", "released"])
def test_elbo_terms_finite_nonnegative_and_zero_at_optimum(scale):
    x = torch.randn(8, 1, 32, 32)
    mu, logvar = torch.randn(8, 16), torch.randn(8, 16)
    rec, kl = vaal.elbo_terms(x + 0.1, x, mu, logvar, scale)
    assert torch.isfinite(rec) and torch.isfinite(kl) and rec > 0 and kl > 0
    rec0, kl0 = vaal.elbo_terms(x, x, torch.zeros(8, 16), torch.zeros(8, 16), scale)
    assert rec0 == 0 and kl0.abs() < 1e-6  # perfect reconstruction, posterior equal to the prior


def test_per_sample_scale_does_not_depend_on_batch_size():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 1, 32, 32, generator=g)
    mu, logvar = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    r16, k16 = vaal.elbo_terms(x * 0.5, x, mu, logvar, "per_sample")
    r32, k32 = vaal.elbo_terms(torch.cat([x, x]) * 0.5, torch.cat([x, x]), torch.cat([mu, mu]),
                               torch.cat([logvar, logvar]), "per_sample")
    assert torch.allclose(r16, r32) and torch.allclose(k16, k32)
    _, kr16 = vaal.elbo_terms(x * 0.5, x, mu, logvar, "released")
    _, kr32 = vaal.elbo_terms(torch.cat([x, x]) * 0.5, torch.cat([x, x]), torch.cat([mu, mu]),
                              torch.cat([logvar, logvar]), "released")
    assert torch.allclose(kr32, 2 * kr16)  # the released code's KL grows with the batch


@pytest.mark.slow
def test_vaal_training_losses_finite_and_discriminator_learns(tmp_path):
    exp = tiny(tmp_path, overrides={"vaal": {"iterations": 150, "width": 1 / 16, "z_dim": 16}})
    prep = loop.prepare(exp)
    g = seed_everything(0)
    perm = torch.randperm(prep.pool_size, generator=g)
    lab, unl = perm[:200], perm[200:]
    vae_m, disc = vaal.build_vaal(exp.vaal, 1, 32, prep.device)
    stats = vaal.train_vaal(vae_m, disc, prep.store, lab, unl, exp.vaal, g, augment=False)
    for h in stats["history"]:
        assert all(torch.isfinite(torch.tensor(v)) and v >= 0 for k, v in h.items() if k != "iteration")
    first, last = stats["history"][0], stats["history"][-1]
    assert last["trd"] < first["trd"]  # the VAE learns to reconstruct
    scores = vaal.discriminator_scores(vae_m, disc, prep.store, torch.arange(prep.pool_size))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[lab].mean() > scores[unl].mean()  # D tells the labeled pool apart


# ---------------------------------------------------------------------------------------------- sampler

def _context(tmp_path, method, n_labeled=150, budget=40):
    exp = tiny(tmp_path)
    prep = loop.prepare(exp)
    g = seed_everything(1)
    perm = torch.randperm(prep.pool_size, generator=g)
    lab, unl = perm[:n_labeled], perm[n_labeled:].sort().values
    ctx = strategies.Context(prep.store, lab, unl, budget, prep.task, None, exp, g)
    return ctx, strategies.make_strategy(method)


@pytest.mark.parametrize("method", ["vaal", "random"])
def test_sampler_contract(tmp_path, method):
    ctx, strat = _context(tmp_path, method)
    picked = strat.select(ctx)
    assert len(picked) == ctx.budget and len(torch.unique(picked)) == ctx.budget
    assert torch.isin(picked, ctx.unlabeled_idx).all()
    assert not torch.isin(picked, ctx.labeled_idx).any()
    strategies.check_selection(picked, ctx.unlabeled_idx, ctx.budget, method)


def test_vaal_picks_the_lowest_scored(tmp_path):
    ctx, strat = _context(tmp_path, "vaal")
    picked = strat.select(ctx)
    scores = vaal.discriminator_scores(strat.vae, strat.disc, ctx.store, ctx.unlabeled_idx)
    threshold = scores.sort().values[ctx.budget - 1]
    picked_scores = scores[torch.isin(ctx.unlabeled_idx, picked)]
    assert (picked_scores <= threshold).all()
    assert (scores[~torch.isin(ctx.unlabeled_idx, picked)] >= threshold).all()


def test_lowest_is_exact_and_ties_by_position_without_a_generator():
    cand = torch.tensor([10, 11, 12, 13, 14])
    scores = torch.tensor([0.5, 0.1, 0.5, 0.0, 0.9])
    assert vaal.lowest(scores, cand, 3).tolist() == [13, 11, 10]


def test_ties_are_broken_at_random_by_the_generator():
    """A tied tier (a variation ratio takes few values) is split differently by different seeds, the
    same way by the same seed, and never at the expense of a strictly better score."""
    cand = torch.arange(100, 200)
    scores = torch.ones(100)
    scores[:10] = 0.0  # ten clear winners, then a tier of 90 ties
    picks = {s: vaal.lowest(scores, cand, 20, torch.Generator().manual_seed(s)) for s in range(5)}
    for p in picks.values():
        assert set(range(100, 110)) <= set(p.tolist())  # the strictly lowest always come first
    tails = {tuple(sorted(p[10:].tolist())) for p in picks.values()}
    assert len(tails) == 5  # five seeds, five different draws from the tier
    again = vaal.lowest(scores, cand, 20, torch.Generator().manual_seed(3))
    assert again.tolist() == picks[3].tolist()
    top = strategies.highest(-scores, cand, 20, torch.Generator().manual_seed(0))
    assert set(range(100, 110)) <= set(top.tolist())


def test_check_selection_rejects_bad_picks():
    unl = torch.tensor([3, 4, 5, 6])
    with pytest.raises(RuntimeError, match="duplicate"):
        strategies.check_selection(torch.tensor([3, 3]), unl, 2, "x")
    with pytest.raises(RuntimeError, match="outside"):
        strategies.check_selection(torch.tensor([3, 1]), unl, 2, "x")
    with pytest.raises(RuntimeError, match="expected"):
        strategies.check_selection(torch.tensor([3]), unl, 2, "x")


# ---------------------------------------------------------------------------------------------- loop

def _values(df):
    return df[VALUE_COLUMNS].sort_values(VALUE_COLUMNS[:5]).reset_index(drop=True)


@pytest.mark.slow
def test_cycles_grow_by_budget_and_never_overlap(tmp_path):
    exp = tiny(tmp_path, methods=["vaal"])
    prep = loop.prepare(exp)
    res = ResultsStore(tmp_path)
    rows = loop.run_method(prep, "vaal", 0, res, verbose=False)
    acc = rows[rows["metric"] == "accuracy"].sort_values("cycle")
    s = prep.sizes
    assert list(acc["n_labeled"]) == [s["initial"] + c * s["budget"] for c in range(s["cycles"])]
    key = rows["key"].iloc[0]
    sel = res.selections(key)
    labeled = set(loop.seed_initial_pool(prep, 0).tolist())
    for c in range(s["cycles"] - 1):
        picked = set(sel[c])
        assert len(picked) == s["budget"] and not picked & labeled
        labeled |= picked
    assert all(0 <= v <= 100 for v in acc["value"])


@pytest.mark.slow
def test_same_seed_same_picks_and_metrics(tmp_path):
    a = jobs.run_experiment(tiny(tmp_path / "a"), verbose=False)
    b = jobs.run_experiment(tiny(tmp_path / "b"), verbose=False)
    pd.testing.assert_frame_equal(_values(a), _values(b))
    for key in a["key"].unique():
        assert ResultsStore(tmp_path / "a").selections(key) == ResultsStore(tmp_path / "b").selections(key)
    c = jobs.run_experiment(tiny(tmp_path / "c", seeds=[5], methods=["random"]), upper_bound=False, verbose=False)
    sel_a = ResultsStore(tmp_path / "a").selections(a[a.method == "random"]["key"].iloc[0])
    sel_c = ResultsStore(tmp_path / "c").selections(c[c.method == "random"]["key"].iloc[0])
    assert sel_a != sel_c  # another seed, another run


class Killed(Exception):
    pass


@pytest.mark.parametrize("warm_start", [False, True])
def test_kill_and_resume_gives_the_same_rows(tmp_path, monkeypatch, warm_start):
    over = {"loop": {"warm_start": warm_start}}
    full = jobs.run_experiment(tiny(tmp_path / "full", methods=["vaal"], overrides=over), upper_bound=False,
                               verbose=False)
    real_save = ResultsStore.save_cycle
    calls = {"n": 0}

    def dying_save(self, *a, **k):
        real_save(self, *a, **k)
        calls["n"] += 1
        if calls["n"] == 2:  # killed right after cycle 1 was stored
            raise Killed

    monkeypatch.setattr(ResultsStore, "save_cycle", dying_save)
    exp = tiny(tmp_path / "killed", methods=["vaal"], overrides=over)
    with pytest.raises(Killed):
        jobs.run_experiment(exp, upper_bound=False, verbose=False)
    monkeypatch.setattr(ResultsStore, "save_cycle", real_save)
    part = ResultsStore(tmp_path / "killed").table()
    assert sorted(part[part.metric == "accuracy"]["cycle"]) == [0, 1]
    resumed = jobs.run_experiment(exp, upper_bound=False, verbose=False)
    pd.testing.assert_frame_equal(_values(full), _values(resumed))
    key = full["key"].iloc[0]
    assert ResultsStore(tmp_path / "full").selections(key) == ResultsStore(tmp_path / "killed").selections(key)


def test_finished_run_trains_nothing(tmp_path, monkeypatch):
    exp = tiny(tmp_path, methods=["random"])
    first = jobs.run_experiment(exp, verbose=False)

    def boom(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(loop, "_train_task", boom)
    again = jobs.run_experiment(exp, verbose=False)
    pd.testing.assert_frame_equal(_values(first), _values(again))


def test_config_change_is_a_new_key(tmp_path):
    a = tiny(tmp_path)
    b = tiny(tmp_path, overrides={"task": {"epochs": 3}})
    assert keys.run_key(a, "vaal", 0)[0] != keys.run_key(b, "vaal", 0)[0]
    assert keys.run_key(a, "vaal", 0)[0] != keys.run_key(a, "vaal", 1)[0]
    c = tiny(tmp_path, overrides={"vaal": {"beta": 2.0}})
    assert keys.run_key(a, "vaal", 0)[0] != keys.run_key(c, "vaal", 0)[0]
    assert keys.run_key(a, "random", 0)[0] == keys.run_key(c, "random", 0)[0]  # random has no VAE
    d = tiny(tmp_path / "elsewhere", device="cpu")  # paths and device do not change the numbers' key
    assert keys.run_key(a, "vaal", 0)[0] == keys.run_key(d, "vaal", 0)[0]


def test_the_regularised_random_trains_its_own_learner(tmp_path, monkeypatch):
    """random_regularised: Random's picks beside the learner of ``regularised.task`` (the experiment's task
    with those settings replaced); its key follows that recipe, Random's does not."""
    exp = tiny(tmp_path, methods=["random", "random_regularised"],
               overrides={"regularised": {"task": {"weight_decay": 0.05, "epochs": 3}}})
    reg = config.regularised_task(exp)
    assert reg.weight_decay == 0.05 and reg.epochs == 3 and (reg.shift, exp.task.shift) == (1, 0)  # merged
    assert config.regularised_task(dataclasses.replace(exp, regularised=config.RegularisedConfig({}))) == exp.task
    paper = presets.resolve("classification", "paper")  # the paper's 100 epochs, only the regularisation added
    assert config.regularised_task(paper) == dataclasses.replace(paper.task, shift=1, weight_decay=0.05)
    other = config.with_overrides(exp, {"regularised": {"task": {"weight_decay": 0.1}}})
    assert keys.run_key(exp, "random", 0)[0] == keys.run_key(other, "random", 0)[0]
    assert keys.run_key(exp, "random_regularised", 0)[0] != keys.run_key(other, "random_regularised", 0)[0]
    assert keys.run_key(exp, "random", 0)[0] != keys.run_key(exp, "random_regularised", 0)[0]
    seen = []
    train = loop._train_task

    def spy(prep, *a, **k):
        seen.append(prep.task.cfg)
        return train(prep, *a, **k)

    monkeypatch.setattr(loop, "_train_task", spy)
    prep = loop.prepare(exp)
    rows = {m: loop.run_method(prep, m, 0, ResultsStore(tmp_path), verbose=False, stop_after=0)
            for m in exp.methods}
    assert seen == [exp.task, reg]
    assert prep.task.cfg == exp.task  # the shared preparation is left as it was
    # the same initial labeled set (the linear reference on it agrees), a different learner
    lin = {m: r.query("metric == 'linear_accuracy'")["value"].tolist() for m, r in rows.items()}
    assert lin["random"] and lin["random"] == lin["random_regularised"]


def test_store_refuses_a_different_config_under_one_key(tmp_path):
    res = ResultsStore(tmp_path)
    res.begin("k", {"a": 1})
    res.begin("k", {"a": 1})
    with pytest.raises(RuntimeError, match="different config"):
        res.begin("k", {"a": 2})


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    p = tmp_path / "rows.csv"
    atomic_write_text(p, "old")

    def fail(*a):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError):
        atomic_write_text(p, "new")
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["rows.csv"]  # no temp file left behind


def test_run_config_is_written_beside_the_rows(tmp_path):
    rows = jobs.run_experiment(tiny(tmp_path, methods=["random"]), upper_bound=False, verbose=False)
    key = rows["key"].iloc[0]
    cfg = json.loads((tmp_path / "runs" / key / "config.json").read_text())
    assert cfg["key"] == key and cfg["method"] == "random" and cfg["data"]["dataset"] == "digits"


def test_image_store_flip_and_normalisation():
    imgs = torch.arange(2 * 1 * 4 * 4, dtype=torch.uint8).view(2, 1, 4, 4)
    st = ImageStore(imgs, torch.device("cpu"))
    x = st.batch(torch.tensor([0, 1]))
    assert abs(x.mean().item()) < 1e-5
    xf = st.batch(torch.tensor([0, 1]), flip=torch.tensor([True, False]))
    assert torch.equal(xf[0], x[0].flip(-1)) and torch.equal(xf[1], x[1])


# ---------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kw,overrides,word", [
    ({"dataset": "mnist"}, {}, "dataset"),
    ({"methods": ["vaal", "badge"]}, {}, "methods"),
    ({"methods": []}, {}, "methods"),
    ({}, {"loop": {"budget": 0}}, "budget"),
    ({}, {"loop": {"budget": -5}}, "budget"),
    ({}, {"loop": {"budget_fraction": 0.0}}, "budget_fraction"),
    ({}, {"loop": {"initial_fraction": 0.0}}, "initial_fraction"),
    ({}, {"loop": {"initial_fraction": 1.0}}, "initial_fraction"),
    ({}, {"loop": {"initial_fraction": 1.5}}, "initial_fraction"),
    ({"data_root": "/no/such/folder"}, {}, "data_root"),
    ({"seeds": ["zero"]}, {}, "seeds"),
    ({"device": "tpu"}, {}, "device"),
    ({}, {"task": {"epochs": 0}}, "epochs"),
    ({}, {"task": {"optimizer": "lamb"}}, "optimizer"),
    ({}, {"task": {"schedule": "linear"}}, "schedule"),
    ({}, {"task": {"min_steps": -1}}, "min_steps"),
    ({}, {"task": {"min_steps": 2.5}}, "min_steps"),
    ({}, {"task": {"lr": 0}}, "lr"),
    ({}, {"task": {"shift": -2}}, "shift"),
    ({}, {"data": {"val_size": 0}}, "val_size"),
    ({}, {"deterministic": "yes"}, "deterministic"),
    ({}, {"compute": "never"}, "compute"),
    ({}, {"data": {"val_size": 10 ** 6}}, "val_size"),
    ({}, {"vaal": {"no_such_knob": 1}}, "no_such_knob"),
    ({}, {"regularised": {"task": {"epochs": 0}}}, "regularised task epochs"),
    ({}, {"regularised": {"task": {"shift": -1}}}, "regularised task shift"),
    ({}, {"regularised": {"task": {"weight_decay": -0.1}}}, "regularised task lr"),
    ({}, {"regularised": {"task": {"dropuot": 0.5}}}, r"regularised task: unknown task setting\(s\) \['dropuot'\]"),
])
def test_bad_parameters_fail_before_training(tmp_path, monkeypatch, kw, overrides, word):
    monkeypatch.setattr(loop, "_train_task", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ValueError, match=word):
        exp = presets.resolve("classification", "smoke", results_dir=str(tmp_path), overrides=overrides, **kw)
        jobs.run_experiment(exp, verbose=False)


def test_budget_larger_than_the_pool_fails_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "_train_task", lambda *a, **k: pytest.fail("training started"))
    exp = tiny(tmp_path, overrides={"loop": {"budget": 10_000}})
    with pytest.raises(ValueError, match="budget=10000 is larger than the unlabeled pool"):
        jobs.run_experiment(exp, verbose=False)


def test_unknown_preset_and_env_override(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="preset"):
        presets.resolve("classification", "huge")
    monkeypatch.setenv("VAAL_PRESET", "smoke")
    assert presets.resolve("classification", "paper").data.dataset == "digits"


def test_explicit_parameters_win_over_the_preset():
    exp = presets.resolve("classification", "paper", seeds=[0], methods=["random"])
    assert exp.seeds == [0] and exp.methods == ["random"] and exp.data.dataset == "cifar10"
    assert exp.task.width == 1.0 and exp.task.epochs == 100  # the paper's settings stay


@pytest.mark.slow
def test_parallel_workers_give_the_same_rows(tmp_path):
    a = jobs.run_experiment(tiny(tmp_path / "one", methods=["random", "vaal"]), upper_bound=False,
                            verbose=False, workers=1)
    b = jobs.run_experiment(tiny(tmp_path / "two", methods=["random", "vaal"]), upper_bound=False,
                            verbose=False, workers=2)
    pd.testing.assert_frame_equal(_values(a), _values(b))


def test_a_failing_worker_reports_its_output(tmp_path):
    exp = tiny(tmp_path, methods=["random", "vaal"])
    exp.data.pool_size = 10 ** 6  # each worker re-validates the sizes against the data and fails
    with pytest.raises(RuntimeError, match="failed"):
        jobs._run_in_subprocesses([(exp, "random", 0)], 1, verbose=False)


def test_one_worker_per_visible_gpu(tmp_path, monkeypatch):
    """On CUDA each worker slot sees one GPU (CUDA_VISIBLE_DEVICES) and runs there as ``cuda``; checked
    here with a fake Popen, since CI has no GPU."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    cuda = torch.device("cuda")
    assert jobs.worker_gpus(cuda) == ["0", "1", "2"] and jobs.worker_gpus(torch.device("cuda:1")) == ["1"]
    assert jobs.resolve_workers(None, cuda, jobs=10) == 3 and jobs.resolve_workers(None, cuda, jobs=2) == 2
    assert jobs.resolve_workers(None, torch.device("cuda:2"), jobs=10) == 1
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")
    assert jobs.worker_gpus(cuda) == ["4", "6"] and jobs.worker_gpus(torch.device("cuda:1")) == ["6"]
    assert jobs.worker_gpus(torch.device("cpu")) == []

    started = []

    class FakeProc:
        def __init__(self, cmd, env, **kw):
            self.returncode, self.stdout, self.env, self.cmd = 0, io.StringIO(""), env, cmd
            self.stdin = io.StringIO()
            self.stdin.close = lambda: started.append((cmd[-2], env["CUDA_VISIBLE_DEVICES"],
                                                       json.loads(self.stdin.getvalue())["device"]))

        def poll(self):
            return 0

    monkeypatch.setattr(jobs.subprocess, "Popen", FakeProc)
    exp = tiny(tmp_path, methods=["random", "vaal"])
    exp.device = "cuda"
    todo = [(exp, m, s) for s in (0, 1) for m in ("random", "vaal")]
    jobs._run_in_subprocesses(todo, 2, verbose=False, gpus=["4", "6"])
    assert [g for _, g, _ in started[:2]] == ["4", "6"]  # the first two jobs on different GPUs
    assert {d for _, _, d in started} == {"cuda"} and {g for _, g, _ in started} == {"4", "6"}
    assert len(started) == 4


def test_a_run_another_process_holds_is_skipped_not_fatal(tmp_path):
    """Two chapters' computations that share a run (the noise chapter's ε = 0 is the classification
    chapter's): the second finds it locked by a live process and leaves it to that one."""
    import os
    import socket

    exp = tiny(tmp_path, methods=["random"])
    key = keys.run_key(exp, "random", 0)[0]
    lock = ResultsStore(tmp_path).run_dir(key) / ".lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getppid()}))  # alive: the test runner
    jobs.run_jobs([(exp, "random", 0)], workers=1, verbose=False)
    assert ResultsStore(tmp_path).rows(key).empty and lock.exists()
    lock.unlink()
    jobs.run_jobs([(exp, "random", 0)], workers=1, verbose=False)
    assert not ResultsStore(tmp_path).rows(key).empty
