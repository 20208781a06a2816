"""The active-learning experiment (paper §4): cycles of train T → evaluate → select ``budget`` → label.

One run = one method × one seed. Cycle 0 trains on the initial labeled pool (``initial_fraction`` of the
pool, drawn at random from the seed: the same for every method); each later cycle adds the ``budget``
samples the strategy picked after the previous one, until ``final_fraction``. Every finished cycle goes
to the results store at once, so a killed run resumes after its last finished cycle and a rerun of a
finished run trains nothing. Scheduling many runs (worker processes, variants) is :mod:`jobs`'.
"""
from __future__ import annotations

import dataclasses
import io
import os
import time
from dataclasses import dataclass
from typing import Optional

import pandas as pd
import torch

from . import __version__
from .config import Experiment, validate, validate_sizes, validate_task
from .data import DataSet, check_dataset_name, load_dataset
from .keys import run_key
from .linear import linear_reference_accuracy
from .oracle import initial_pool, noisy_labels, superclass_of
from .parallel import picks_from_main
from .results import ResultsStore, git_commit
from .runtime import ImageStore, derive_seed, numerics_fingerprint, resolve_device, seed_everything
from .strategies import Context, check_selection, make_strategy, strategy_class
from .task import ClassificationTask, Task, make_task


@dataclass
class Prepared:
    """The data of an experiment, loaded once and shared by all its runs."""

    exp: Experiment
    dataset: DataSet
    pool_targets: torch.Tensor  # (N,) true labels of the pool, CPU
    test_targets: torch.Tensor
    store: ImageStore  # pool images on the device
    test_store: ImageStore
    task: Task
    device: torch.device
    sizes: dict  # initial, budget, cycles
    pool_pos: torch.Tensor  # (N,) the pool's indices in the data set's training split
    vae_images: Optional[ImageStore] = None  # the pool as the VAE sees it: resized (segmentation), else store
    val_store: Optional[ImageStore] = None  # data.val_size images of the training split outside the pool
    val_targets: Optional[torch.Tensor] = None

    @property
    def pool_size(self) -> int:
        return len(self.pool_targets)


def _subset(n: int, size: Optional[int], seed: int, what: str) -> torch.Tensor:
    if size is None or size >= n:
        if size is not None and size > n:
            raise ValueError(f"{what}={size} is larger than the split ({n} images)")
        return torch.arange(n)
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n, generator=g)[:size].sort().values


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return "cpu"


def prepare(exp: Experiment) -> Prepared:
    """Validate, load the data, cut the pool and test subsets, put both on the device."""
    validate(exp)
    check_dataset_name(exp.data.dataset)
    for m in exp.methods:  # a method that trains its own learner (the regularised ones) has it checked too
        learner = make_strategy(m).task_config(exp)
        if learner is not exp.task:
            validate_task(learner, "regularised task" if "regularised" in strategy_class(m).settings else f"{m}'s task")
    device = resolve_device(exp.device)
    if exp.deterministic and device.type == "cuda":
        deterministic_gpu()
    ds = load_dataset(exp.data.dataset, exp.data_root, image_size=exp.data.image_size)
    pool_pos = _subset(len(ds.train), exp.data.pool_size, exp.data.subset_seed, "pool_size")
    test_pos = _subset(len(ds.test), exp.data.test_size, exp.data.subset_seed + 1, "test_size")
    val_pos = validation_positions(len(ds.train), pool_pos, exp.data.val_size, exp.data.subset_seed + 2)
    sizes = validate_sizes(exp, len(pool_pos))
    lp = exp.loop
    if (lp.bias_missing_classes or lp.noise_rate) and ds.train.targets.dim() != 1:
        raise ValueError("bias_missing_classes and noise_rate apply to classification data sets only")
    if lp.bias_missing_classes >= ds.num_classes:
        raise ValueError(f"bias_missing_classes={lp.bias_missing_classes} must be smaller than the number "
                         f"of classes ({ds.num_classes})")
    if lp.noise_rate and superclass_of(ds) is None:
        raise ValueError(f"noise_rate={lp.noise_rate}: {ds.name} has no super-classes to draw wrong labels from")
    store = ImageStore(ds.train.images[pool_pos], device)
    test_store = store.like(ds.test.images[test_pos])
    task = make_task(exp.task, ds)
    vae_images = resized_for_vae(ds.train.images[pool_pos], exp.vaal.image_size, device)
    vae_images = store if vae_images is None else vae_images
    val_store = store.like(ds.train.images[val_pos]) if val_pos is not None else None
    val_targets = ds.train.targets[val_pos].clone() if val_pos is not None else None
    return Prepared(exp, ds, ds.train.targets[pool_pos].clone(), ds.test.targets[test_pos].clone(), store,
                    test_store, task, device, sizes, pool_pos, vae_images, val_store, val_targets)


def unlabeled_of(n: int, labeled: torch.Tensor) -> torch.Tensor:
    """The positions of ``range(n)`` not in ``labeled``, ascending: the unlabeled pool."""
    mask = torch.ones(n, dtype=torch.bool)
    mask[labeled] = False
    return mask.nonzero().squeeze(1)


def deterministic_gpu() -> None:
    """Deterministic CUDA kernels where PyTorch has them; an operation without one raises instead of
    silently differing between runs (``Experiment.deterministic``)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it before its first call
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True)


def validation_positions(n_train: int, pool_pos: torch.Tensor, size: Optional[int],
                         seed: int) -> Optional[torch.Tensor]:
    """``size`` seeded positions of the training split outside the pool (the sweeps' validation split)."""
    if size is None:
        return None
    rest = unlabeled_of(n_train, pool_pos)
    if size > len(rest):
        raise ValueError(f"val_size={size} would overlap the pool: only {len(rest)} training images lie outside "
                         f"the pool of {len(pool_pos)}; lower val_size or pool_size")
    g = torch.Generator().manual_seed(seed)
    return rest[torch.randperm(len(rest), generator=g)[:size]].sort().values


def resized_for_vae(images: torch.Tensor, size: Optional[int], device: torch.device) -> Optional[ImageStore]:
    """The pool as the VAE sees it (``vae_images``): uint8 images resized (bilinear, antialiased) to size × size, with
    their own normalisation; None when no resizing is asked for or needed."""
    if size is None or tuple(images.shape[-2:]) == (size, size):
        return None
    small = torch.nn.functional.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True,
                                            align_corners=False)
    return ImageStore(small.round().clamp(0, 255).to(torch.uint8), device)


def oracle_labels(prep: Prepared, seed: int) -> torch.Tensor:
    """What the oracle answers for every pool sample: the truth, or the noisy oracle's labels."""
    if not prep.exp.loop.noise_rate:
        return prep.pool_targets
    return noisy_labels(prep.pool_targets, superclass_of(prep.dataset), prep.exp.loop.noise_rate, seed)


def seed_initial_pool(prep: Prepared, seed: int) -> torch.Tensor:
    """The seed's initial labeled pool (the same for every method), biased when the loop says so."""
    return initial_pool(prep.pool_targets, prep.sizes["initial"], seed, prep.exp.loop.bias_missing_classes,
                        prep.dataset.num_classes)


def _row(prep: Prepared, key: str, method: str, seed: int, cycle: int, n_labeled: int, metric: str,
         value: float, times: dict) -> dict:
    return {"key": key, "dataset": prep.exp.data.dataset, "method": method,
            "seed": seed, "cycle": cycle, "labeled_fraction": n_labeled / prep.pool_size,
            "n_labeled": n_labeled, "metric": metric, "value": value, **times,
            "device": device_label(prep.device), "numerics": numerics_fingerprint(prep.device),
            "vaal_core_version": __version__, "git_commit": git_commit()}


def _train_task(prep: Prepared, labeled: torch.Tensor, labels: torch.Tensor, g: torch.Generator,
                model: Optional[torch.nn.Module]):
    """Build (or keep, with warm start) the task model and fit it; with ``val_fraction`` a seeded share
    of the labeled set is held out for model selection (its labels were paid for from the budget)."""
    exp = prep.exp
    model = model if model is not None else prep.task.build(prep.device)
    n_val = int(round(exp.loop.val_fraction * len(labeled)))
    if n_val:
        perm = torch.randperm(len(labeled), generator=g)
        tr, va = perm[n_val:], perm[:n_val]
        val = (ImageStore(prep.store.images[labeled[va].to(prep.device)], prep.device,
                          prep.store.mean.flatten(), prep.store.std.flatten()), labels[va])
        prep.task.fit(model, prep.store, labeled[tr], labels[tr], g, val=val)
    else:
        prep.task.fit(model, prep.store, labeled, labels, g)
    return model


def linear_reference(prep: Prepared, labeled: torch.Tensor, labels: torch.Tensor) -> dict:
    """``linear_accuracy``: the test accuracy of logistic regression on the pixels of the same labeled
    set with the same (oracle) labels, beside every classification cycle (ARCHITECTURE.md §4); none for
    segmentation."""
    if not isinstance(prep.task, ClassificationTask):
        return {}
    acc = linear_reference_accuracy(prep.store.images[labeled.to(prep.device)], labels, prep.test_store.images,
                                    prep.test_targets, prep.dataset.num_classes)
    return {"linear_accuracy": acc}


def released_picks(prep: Prepared, initial: torch.Tensor, selections: dict) -> dict:
    """A run's picks in the data set's own numbering, for reuse outside this code: the initial labeled
    pool and every cycle's picks as indices into the training split as its loader reads it."""
    to_ds = prep.pool_pos
    return {"dataset": prep.exp.data.dataset, "index": "position in the data set's training split",
            "initial": to_ds[initial].tolist(),
            "picks": {str(c): to_ds[torch.tensor(v, dtype=torch.long)].tolist() for c, v in sorted(selections.items())}}


def with_task(prep: Prepared, task_cfg) -> Prepared:
    """``prep`` with its task learner built from ``task_cfg`` (a method that defines its own learner,
    e.g. the regularised Random); ``prep`` itself when that is the experiment's."""
    if task_cfg == prep.exp.task:
        return prep
    return dataclasses.replace(prep, task=make_task(task_cfg, prep.dataset))


def run_method(prep: Prepared, method: str, seed: int, results: ResultsStore, verbose: bool = True,
               stop_after: Optional[int] = None) -> pd.DataFrame:
    """Run (or resume, or just read back) one method × seed; returns its tidy rows. ``stop_after``
    stops after that cycle (the run stays resumable; CI recomputes a committed run's first cycles)."""
    exp, sizes = prep.exp, prep.sizes
    strategy = make_strategy(method)
    prep = with_task(prep, strategy.task_config(exp))
    key, cfg = run_key(exp, method, seed)
    results.begin(key, {"key": key, **cfg})
    last = sizes["cycles"] - 1
    finished = results.finished_cycles(key, last)
    start = 0 if not finished else max(finished) + 1
    if start > last:
        return results.rows(key)

    initial = seed_initial_pool(prep, seed)
    labeled = initial
    selections = results.selections(key)
    for c in range(start):
        labeled = torch.cat([labeled, torch.tensor(selections[c], dtype=torch.long)])
    labels = oracle_labels(prep, seed)
    model = None
    if exp.loop.warm_start and start > 0:
        state = torch.load(io.BytesIO(results.state(key)), map_location=prep.device, weights_only=True)
        model = prep.task.build(prep.device)
        model.load_state_dict(state["task"])
        strategy.load_state_dict(state["strategy"])

    for cycle in range(start, last + 1 if stop_after is None else min(last, stop_after) + 1):
        t0 = time.perf_counter()
        g = seed_everything(derive_seed(seed, cycle, "cycle"))
        model = _train_task(prep, labeled, labels[labeled], g, model if exp.loop.warm_start else None)
        scores = prep.task.evaluate(model, prep.test_store, prep.test_targets)
        value = scores[prep.task.metric]
        t1 = time.perf_counter()
        scores.update(linear_reference(prep, labeled, labels[labeled]))
        t_lin = time.perf_counter()
        picked, info, history, t_fit = None, {}, None, t_lin
        if cycle < last:
            unlabeled = unlabeled_of(prep.pool_size, labeled)
            ctx = Context(prep.store, labeled, unlabeled, sizes["budget"], prep.task, model, exp, g,
                          labels[labeled], prep.vae_images)
            strategy.fit(ctx)
            t_fit = time.perf_counter()
            picked = picks_from_main(lambda: strategy.query(ctx).cpu(), sizes["budget"])  # torchrun: process 0
            check_selection(picked, unlabeled, sizes["budget"], method)
            info, history = strategy.info, strategy.history
        t2 = time.perf_counter()
        times = {"train_s": t1 - t0, "fit_s": t_fit - t_lin, "select_s": t2 - t_fit, "wall_s": t2 - t0}
        rows = [_row(prep, key, method, seed, cycle, len(labeled), k, v, times) for k, v in scores.items()]
        rows += [_row(prep, key, method, seed, cycle, len(labeled), f"sampler/{k}", float(v), times)
                 for k, v in info.items() if isinstance(v, (int, float))]
        state = None
        if exp.loop.warm_start:
            buf = io.BytesIO()
            torch.save({"task": model.state_dict(), "strategy": strategy.state_dict()}, buf)
            state = buf.getvalue()
        if picked is not None:
            selections[cycle] = picked.tolist()
        results.save_cycle(key, rows, picked.tolist() if picked is not None else None, cycle, state, history,
                           released_picks(prep, initial, selections))
        if verbose:
            print(f"  {method:>10} seed {seed} cycle {cycle}/{last}: {len(labeled)} labeled, "
                  f"{prep.task.metric} {value:.2f} ({t2 - t0:.1f} s)", flush=True)
        if picked is not None:
            labeled = torch.cat([labeled, picked])
    return results.rows(key)


def run_upper_bound(prep: Prepared, seed: int, results: ResultsStore, verbose: bool = True) -> pd.DataFrame:
    """The full-data upper bound drawn as a line in Fig. 2: T trained on the whole labeled pool (and,
    for classification, the linear reference on the whole pool beside it), with the oracle's labels —
    under a noisy oracle the bound of that setting is trained on the same noisy labels (the test set
    stays clean)."""
    key, cfg = run_key(prep.exp, "full", seed)
    results.begin(key, {"key": key, **cfg})
    if results.finished_cycles(key, 0):
        return results.rows(key)
    t0 = time.perf_counter()
    g = seed_everything(derive_seed(seed, "full"))
    everything = torch.arange(prep.pool_size)
    labels = oracle_labels(prep, seed)
    model = _train_task(prep, everything, labels, g, None)
    scores = prep.task.evaluate(model, prep.test_store, prep.test_targets)
    value = scores[prep.task.metric]
    t1 = time.perf_counter()
    scores.update(linear_reference(prep, everything, labels))
    dt = time.perf_counter() - t0
    times = {"train_s": t1 - t0, "fit_s": 0.0, "select_s": 0.0, "wall_s": dt}
    results.save_cycle(key, [_row(prep, key, "full", seed, 0, prep.pool_size, k, v, times)
                             for k, v in scores.items()])
    if verbose:
        print(f"  full data seed {seed}: {prep.task.metric} {value:.2f} ({dt:.1f} s)", flush=True)
    return results.rows(key)
