"""Data-parallel runs under torchrun (vaal_core.distributed), on the CPU with the gloo backend: a batch's
shares, and a 2-process run whose selection is what one process selects from the same trained models."""
import io
import json
import os
import subprocess
import sys

import pytest
import torch

from vaal_core import distributed, loop, parallel, presets
from vaal_core.keys import run_key
from vaal_core.results import ResultsStore
from vaal_core.runtime import derive_seed, seed_everything
from vaal_core.strategies import Context, make_strategy


def test_shares_of_a_batch_cover_it_once_and_weigh_to_its_mean(monkeypatch):
    assert parallel.shard(10) is None  # one process: nothing changes
    parts = []
    for rank in range(3):
        monkeypatch.setattr(parallel, "world", lambda r=rank: (r, 3))
        parts.append(parallel.shard(10))
    assert sorted(torch.cat([p for p, _ in parts]).tolist()) == list(range(10))
    # the average over processes of (weight × mean over the share) is the mean over the batch
    x = torch.arange(10, dtype=torch.float64)
    assert torch.isclose(sum(w * x[p].mean() for p, w in parts) / 3, x.mean())


def test_batches_too_small_for_the_processes_are_refused_naming_the_parameter():
    exp = presets.resolve("classification", "smoke", overrides={"task": {"batch_size": 6}})
    with pytest.raises(ValueError, match="task.batch_size=6 is too small for 4 processes"):
        distributed.check_batch_sizes(exp, 4)
    distributed.check_batch_sizes(exp, 3)


def test_main_refuses_to_run_outside_torchrun(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(RuntimeError, match="torchrun"):
        distributed.main(["classification", "vaal", "0", "--preset", "smoke"])


@pytest.mark.slow
def test_two_process_gloo_run_selects_what_one_process_selects_from_its_models(tmp_path):
    # flips, dropout and a validation share exercise every sharded path; warm start stores the models
    over = {"task": {"augment": "hflip", "dropout": 0.3}, "loop": {"warm_start": True, "val_fraction": 0.2}}
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "vaal_core.distributed", "classification", "vaal", "0", "--preset", "smoke",
                          "--results-dir", str(tmp_path), "--device", "cpu", "--overrides", json.dumps(over)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]

    exp = presets.resolve("classification", "smoke", methods=["vaal"], seeds=[0], results_dir=str(tmp_path),
                         device="cpu", overrides=over)
    key = run_key(exp, "vaal", 0)[0]
    store = ResultsStore(tmp_path)
    rows = store.rows(key)
    assert sorted(rows["cycle"].unique()) == [0, 1]  # process 0 wrote each cycle once
    assert len(rows) == len(rows.drop_duplicates(["cycle", "metric"]))
    picked_by_two = store.selections(key)[0]
    state = torch.load(io.BytesIO(store.state(key)), weights_only=True)

    # cycle 0 again in one process, consuming the cycle's generator exactly as each of the two did
    prep = loop.prepare(exp)
    g = seed_everything(derive_seed(0, 0, "cycle"))
    initial = loop.seed_initial_pool(prep, 0)
    labels = loop.oracle_labels(prep, 0)
    model = loop._train_task(prep, initial, labels[initial], g, None)
    ctx = Context(prep.store, initial, loop.unlabeled_of(prep.pool_size, initial), prep.sizes["budget"], prep.task,
                  model, exp, g, labels[initial], prep.vae_images)
    strategy = make_strategy("vaal")
    strategy.fit(ctx)
    before_query = g.get_state()
    picked_by_one = strategy.query(ctx).tolist()
    g.set_state(before_query)
    strategy.vae.load_state_dict(state["strategy"]["vae"])
    strategy.disc.load_state_dict(state["strategy"]["disc"])
    assert strategy.query(ctx).tolist() == picked_by_two  # the same models select the same samples
    assert len(set(picked_by_one)) == len(picked_by_two)  # (trained on one process: other models)


def _one_step(rank, world_size, init_file, n, out_dir):
    # one optimizer step of a BatchNorm-free model on a batch of n (odd: unequal shares), data-parallel
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                                         world_size=world_size)
    try:
        torch.manual_seed(rank)  # different initial weights: the training starts from process 0's
        model = torch.nn.Linear(4, 3)
        parallel.broadcast_from_main(model)
        g = torch.Generator().manual_seed(0)
        x, y = torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g)
        pos, weight = parallel.shard(n)
        loss = torch.nn.functional.cross_entropy(model(x[pos]), y[pos]) * weight
        loss.backward()
        parallel.average_gradients(model)
        parallel.check_same(model)
        torch.save({"grad": model.weight.grad, "weight": model.weight.detach()}, f"{out_dir}/{rank}.pt")
    finally:
        torch.distributed.destroy_process_group()


def test_the_averaged_gradient_of_the_shares_is_the_whole_batch_gradient(tmp_path):
    n = 7
    torch.multiprocessing.spawn(_one_step, args=(2, str(tmp_path / "init"), n, str(tmp_path)), nprocs=2)
    got = [torch.load(tmp_path / f"{r}.pt") for r in range(2)]
    assert torch.equal(got[0]["grad"], got[1]["grad"]) and torch.equal(got[0]["weight"], got[1]["weight"])
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)  # process 0's initial weights
    assert torch.equal(model.weight.detach(), got[0]["weight"])
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    assert torch.allclose(model.weight.grad, got[0]["grad"], atol=1e-6)
