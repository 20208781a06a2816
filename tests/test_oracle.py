"""Biased initial pool and noisy oracle (paper §5.2)."""
import pytest
import torch

from vaal_core import jobs, loop, oracle, presets
from vaal_core.data import DataSet, Split


def test_biased_pool_lacks_exactly_the_missing_classes():
    targets = torch.arange(10).repeat(100)  # 1,000 samples, 10 balanced classes
    for seed in range(3):
        gone = oracle.missing_classes(10, 2, seed)
        pool = oracle.initial_pool(targets, 100, seed, missing_m=2, num_classes=10)
        assert len(pool) == 100 and len(set(pool.tolist())) == 100
        assert not torch.isin(targets[pool], gone).any()
        assert set(targets[pool].tolist()) == set(range(10)) - set(gone.tolist())
    assert oracle.missing_classes(10, 2, 0).tolist() == oracle.missing_classes(10, 2, 0).tolist()
    assert len({tuple(oracle.missing_classes(10, 2, s).tolist()) for s in range(6)}) > 1  # drawn per seed


def test_unbiased_pool_is_the_foundation_pool():
    targets = torch.arange(10).repeat(50)
    a = oracle.initial_pool(targets, 40, 3)
    b = oracle.initial_pool(targets, 40, 3, missing_m=0, num_classes=10)
    assert torch.equal(a, b)


@pytest.mark.parametrize("m", [-1, 10, 11])
def test_missing_classes_rejects_bad_m(m):
    with pytest.raises(ValueError, match="bias_missing_classes"):
        oracle.missing_classes(10, m, 0)


SUPER = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])  # class 9 is alone in its super-class


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.3])
def test_noisy_oracle_flips_exactly_the_share_within_super_classes(rate):
    targets = torch.arange(10).repeat(200)  # 2,000 samples
    noisy = oracle.noisy_labels(targets, SUPER, rate, seed=1)
    changed = noisy != targets
    assert int(changed.sum()) == round(rate * len(targets))
    assert torch.equal(SUPER[noisy[changed]], SUPER[targets[changed]])  # same super-class, other class
    assert not changed[targets == 9].any()  # no same-super-class alternative: never flipped


def test_noisy_oracle_is_reproducible_per_seed():
    targets = torch.arange(10).repeat(100)
    a = oracle.noisy_labels(targets, SUPER, 0.2, seed=4)
    assert torch.equal(a, oracle.noisy_labels(targets, SUPER, 0.2, seed=4))
    assert not torch.equal(a, oracle.noisy_labels(targets, SUPER, 0.2, seed=5))
    assert torch.equal(oracle.noisy_labels(targets, SUPER, 0.0, seed=4), targets)


@pytest.mark.parametrize("rate", [-0.1, 1.0])
def test_noisy_oracle_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="noise_rate"):
        oracle.noisy_labels(torch.zeros(10, dtype=torch.long), SUPER, rate, 0)


def test_super_classes_of_cifar100_and_fashion():
    x = torch.zeros(6, 3, 32, 32, dtype=torch.uint8)
    ds = DataSet("cifar100", Split(x, torch.tensor([0, 1, 2, 3, 4, 5]), torch.tensor([0, 0, 1, 1, 2, 2])),
                 Split(x, torch.zeros(6, dtype=torch.long)), num_classes=6)
    assert oracle.superclass_of(ds).tolist() == [0, 0, 1, 1, 2, 2]
    fm = DataSet("fashion_mnist", Split(x[:, :1], torch.zeros(6, dtype=torch.long)),
                 Split(x[:, :1], torch.zeros(6, dtype=torch.long)), num_classes=10)
    sup = oracle.superclass_of(fm)
    # the measured groups (bench/noise_groups.py): T-shirt/top with Shirt, Trouser with Dress, Pullover with
    # Coat (and Bag), the three shoes together
    assert sup[5] == sup[7] == sup[9] and sup[0] == sup[6] == sup[1] == sup[3] and sup[2] == sup[4] == sup[8]
    assert len(set(sup.tolist())) == 3


def test_groups_by_confusion_merge_the_most_confused_until_no_class_is_alone():
    # 0 and 1 are confused often, 2 and 3 a little, 4 only with 3: {0, 1} and {2, 3, 4}
    cm = torch.tensor([[90, 10, 0, 0, 0], [8, 92, 0, 0, 0], [0, 0, 97, 3, 0], [0, 0, 2, 97, 1],
                       [0, 0, 0, 1, 99]])
    assert oracle.groups_by_confusion(cm) == [[0, 1], [2, 3, 4]]
    # a class confused with nobody still joins a group: every class needs another to be mislabeled as
    lone = torch.diag(torch.tensor([50, 50, 50])) + torch.tensor([[0, 5, 0], [5, 0, 0], [0, 0, 0]])
    groups = oracle.groups_by_confusion(lone)
    assert sorted(k for g in groups for k in g) == [0, 1, 2] and all(len(g) > 1 for g in groups)


def _smoke(tmp_path, **loop_opts):
    return presets.resolve("classification", "smoke", results_dir=str(tmp_path), methods=["random"],
                          overrides={"task": {"epochs": 1}, "loop": loop_opts})


def test_loop_uses_the_noisy_oracle_and_keeps_the_test_set_clean(tmp_path, monkeypatch):
    exp = _smoke(tmp_path, noise_rate=0.3)
    prep = loop.prepare(exp)
    seen = {}
    real = prep.task.fit

    def spy(model, store, idx, labels, g, val=None):
        seen["labels"], seen["idx"] = labels.clone(), idx.clone()
        return real(model, store, idx, labels, g, val)

    monkeypatch.setattr(prep.task, "fit", spy)
    loop.run_method(prep, "random", 0, loop.ResultsStore(tmp_path), verbose=False)
    truth = prep.pool_targets[seen["idx"]]
    assert (seen["labels"] != truth).any()  # the task learner saw noisy answers
    assert torch.equal(prep.test_targets, prep.dataset.test.targets)  # evaluation on clean labels


def test_noise_needs_super_classes(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "superclass_of", lambda ds: None)  # e.g. CIFAR-10 has none
    with pytest.raises(ValueError, match="noise_rate=0.1: digits has no super-classes"):
        loop.prepare(_smoke(tmp_path, noise_rate=0.1))


@pytest.mark.parametrize("opts,word", [({"noise_rate": 1.0}, "noise_rate"), ({"noise_rate": -0.2}, "noise_rate"),
                                       ({"bias_missing_classes": -1}, "bias_missing_classes")])
def test_bad_robustness_settings_fail_at_resolve(tmp_path, opts, word):
    with pytest.raises(ValueError, match=word):
        _smoke(tmp_path, **opts)


def test_too_many_missing_classes_fail_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "_train_task", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(ValueError, match="bias_missing_classes=10 must be smaller"):
        jobs.run_experiment(_smoke(tmp_path, bias_missing_classes=10), verbose=False)
