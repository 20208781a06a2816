"""The task learner's training recipe (steps, schedules, optimizers, translations), the linear
reference, the discriminator's AUC and what a run stores about its sampler and picks."""
import json
import math

import pytest
import torch

from vaal_core import config, jobs, loop, presets
from vaal_core.linear import fit_logistic, linear_reference_accuracy, pixels
from vaal_core.metrics import auc
from vaal_core.models import VGG16
from vaal_core.results import ResultsStore
from vaal_core.runtime import ImageStore, epoch_batches, seed_everything, translate
from vaal_core.task import ClassificationTask, lr_factor, train_steps


def test_vgg16_head_follows_torchvision_order():
    head = VGG16(3, 10, width=1 / 8, dropout=0.5).head
    kinds = [type(m).__name__ for m in head]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout"]


def test_train_steps_gives_small_sets_a_minimum():
    cfg = config.TaskConfig(epochs=15, batch_size=64, min_steps=500)
    assert train_steps(cfg, 1000) == 500  # 15 × 16 = 240 < 500
    assert train_steps(cfg, 4000) == 15 * 62  # 930 > 500: 62 full batches per pass
    assert train_steps(config.TaskConfig(epochs=100, batch_size=64), 100) == 100  # the paper's: epochs only


def test_passes_drop_the_remainder_batch():
    """A remainder of a few samples would update BatchNorm's running statistics from a handful of images."""
    g = torch.Generator().manual_seed(0)
    batches = epoch_batches(2500, 64, g)
    assert len(batches) == 39 and all(len(b) == 64 for b in batches)  # 2,500 = 39 × 64 + 4: the 4 dropped
    assert len(torch.cat(batches).unique()) == 2496
    assert [len(b) for b in epoch_batches(40, 64, g)] == [40]  # fewer than a batch: one batch of all


def test_lr_schedules():
    assert all(lr_factor("constant", s, 50) == 1.0 for s in range(50))
    one = [lr_factor("onecycle", s, 100) for s in range(100)]
    assert one[0] == pytest.approx(0.1) and one[9] == pytest.approx(1.0)  # 10 warm-up steps
    assert all(a >= b for a, b in zip(one[9:], one[10:]))  # then non-increasing
    assert one[-1] < 0.01
    cos = [lr_factor("cosine", s, 100) for s in range(100)]
    assert cos[0] == 1.0 and cos[50] == pytest.approx(0.5 * (1 + math.cos(math.pi * 50 / 100)))


@pytest.mark.parametrize("opt", ["adam", "sgd"])
def test_fit_takes_the_stated_steps_and_learns(opt):
    g = seed_everything(0)
    x = torch.zeros(64, 1, 32, 32, dtype=torch.uint8)
    y = torch.arange(64) % 2
    x[y == 1, :, :16] = 255  # class 1: top half white
    store = ImageStore(x, torch.device("cpu"))
    cfg = config.TaskConfig(width=1 / 16, epochs=1, batch_size=16, min_steps=30, optimizer=opt,
                            lr=1e-2 if opt == "adam" else 0.05, schedule="onecycle", dropout=0.0, shift=2)
    task = ClassificationTask(cfg, 1, 2)
    model = task.build(store.device)
    out = task.fit(model, store, torch.arange(64), y, g)
    assert out["steps"] == 30
    assert task.evaluate(model, store, y)["accuracy"] == 100.0


def test_translate_moves_each_image_by_its_offset():
    x = torch.arange(2 * 16, dtype=torch.uint8).view(2, 1, 4, 4)
    out = translate(x, torch.tensor([[1, 0], [0, -1]]))
    assert out[0, 0, 0].tolist() == [0, 0, 0, 0] and out[0, 0, 1].tolist() == x[0, 0, 0].tolist()
    assert out[1, 0, :, :3].tolist() == x[1, 0, :, 1:].tolist() and out[1, 0, :, 3].tolist() == [0] * 4
    assert torch.equal(translate(x, torch.zeros(2, 2, dtype=torch.long)), x)


def test_linear_reference_agrees_with_scikit_learn():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    d = load_digits()
    img = torch.tensor(d.images * 16, dtype=torch.uint8).clamp(max=255).unsqueeze(1)  # (N, 1, 8, 8)
    y = torch.tensor(d.target)
    tr, te = slice(0, 1200), slice(1200, None)
    ours = linear_reference_accuracy(img[tr], y[tr], img[te], y[te], 10)
    sk = LogisticRegression(max_iter=2000).fit(pixels(img[tr]).numpy(), y[tr].numpy())
    theirs = 100 * (sk.predict(pixels(img[te]).numpy()) == y[te].numpy()).mean()
    assert abs(ours - theirs) < 1.5
    w, b = fit_logistic(pixels(img[tr]), y[tr], 10)
    agree = ((pixels(img[te]) @ w + b).argmax(1).numpy() == sk.predict(pixels(img[te]).numpy())).mean()
    assert agree > 0.95


def test_auc_on_hand_built_scores():
    assert auc(torch.tensor([0.9, 0.8]), torch.tensor([0.1, 0.2, 0.3])) == 1.0
    assert auc(torch.tensor([0.1]), torch.tensor([0.5, 0.6])) == 0.0
    assert auc(torch.full((5,), 0.3), torch.full((7,), 0.3)) == 0.5
    assert auc(torch.tensor([0.5, 0.9]), torch.tensor([0.5, 0.1])) == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    with pytest.raises(ValueError):
        auc(torch.tensor([]), torch.tensor([0.1]))


def test_a_run_stores_what_its_sampler_did_and_releases_its_picks(tmp_path):
    exp = presets.resolve("classification", "smoke", methods=["vaal"], results_dir=str(tmp_path),
                         overrides={"task": {"epochs": 1}, "vaal": {"iterations": 20}})
    prep = loop.prepare(exp)
    rows = jobs.run_experiment(exp, upper_bound=False, verbose=False, prep=prep)
    metrics = set(rows["metric"])
    assert {"accuracy", "linear_accuracy", "sampler/disc_auc", "sampler/d_mean_labeled", "sampler/d_mean_unlabeled",
            "sampler/vae_trd", "sampler/vae_adv"} <= metrics
    auc0 = rows[(rows.metric == "sampler/disc_auc") & (rows.cycle == 0)]["value"].iloc[0]
    assert 0.0 <= auc0 <= 1.0
    key = rows["key"].iloc[0]
    store = ResultsStore(tmp_path)
    rel, sel = store.released(key), store.selections(key)
    initial = loop.seed_initial_pool(prep, 0)
    assert rel["initial"] == prep.pool_pos[initial].tolist() and len(rel["initial"]) == prep.sizes["initial"]
    for c, picks in sel.items():
        assert rel["picks"][str(c)] == prep.pool_pos[torch.tensor(picks)].tolist()
        # the released indices address the same images in the data set's own training split
        assert torch.equal(prep.dataset.train.images[rel["picks"][str(c)]], prep.store.images[picks])
    hist = store.history(key)
    assert set(hist) == {str(c) for c in sel} and {"trd", "adv", "disc"} <= set(hist["0"][0])
    json.dumps(rel)


def test_validation_split_lies_outside_the_pool():
    pool = torch.arange(0, 100, 2)
    val = loop.validation_positions(100, pool, 30, seed=0)
    assert len(val) == 30 and not torch.isin(val, pool).any()
    with pytest.raises(ValueError, match="val_size=60 would overlap the pool"):
        loop.validation_positions(100, pool, 60, seed=0)


def test_scoring_never_runs_under_mixed_precision(monkeypatch):
    """Scoring, feature and acquisition passes run in fp32 on every device (bf16 scores tie); only
    training may use autocast. A context that fails when entered catches any pass that uses it."""
    import contextlib

    from vaal_core import task as task_mod
    from vaal_core import vaal

    @contextlib.contextmanager
    def forbidden(device):
        raise AssertionError("an inference pass entered autocast")
        yield

    monkeypatch.setattr(vaal, "autocast", forbidden)
    monkeypatch.setattr(task_mod, "autocast", forbidden)
    g = seed_everything(0)
    store = ImageStore(torch.randint(0, 256, (40, 1, 32, 32), dtype=torch.uint8, generator=g), torch.device("cpu"))
    idx = torch.arange(40)
    vae, disc = vaal.build_vaal(config.VAALConfig(width=1 / 32, z_dim=8, disc_width=16), 1, 32, store.device)
    vaal.discriminator_scores(vae, disc, store, idx)
    vaal.latents(vae, store, idx)
    t = ClassificationTask(config.TaskConfig(width=1 / 16, dropout=0.5), 1, 3)
    model = t.build(store.device)
    t.logits(model, store)
    t.embed(model, store)
    t.mc_scores(model, store, idx, 3, lambda p: p[:, :, 0].mean(0))
    t.member_scores([model, model], store, idx, lambda p: p[:, :, 0].mean(0))
    t.evaluate(model, store, torch.zeros(40, dtype=torch.long))


def test_a_second_writer_of_the_same_run_is_refused(tmp_path):
    import json as _json
    import os

    from vaal_core.results import RunLocked

    store = ResultsStore(tmp_path)
    with store.lock("k1"):
        with pytest.raises(RunLocked, match="k1"):
            with store.lock("k1"):
                pass
        with store.lock("k2"):  # a different run is fine
            pass
    assert not (tmp_path / "runs" / "k1" / ".lock").exists()  # released
    # a lock left behind by a dead process on this host is taken over
    import socket
    (tmp_path / "runs" / "k3").mkdir(parents=True)
    (tmp_path / "runs" / "k3" / ".lock").write_text(_json.dumps({"host": socket.gethostname(), "pid": 2 ** 22 + 7}))
    with store.lock("k3"):
        assert _json.loads((tmp_path / "runs" / "k3" / ".lock").read_text())["pid"] == os.getpid()
    # one from another machine is not
    (tmp_path / "runs" / "k3" / ".lock").write_text(_json.dumps({"host": "elsewhere", "pid": 1}))
    with pytest.raises(RunLocked, match="elsewhere"):
        with store.lock("k3"):
            pass
