"""Sampling strategies: one interface for VAAL and every baseline, independent of the task.

A strategy gets a :class:`Context` (the pool on the device, the labeled and unlabeled pool positions,
the budget, the task and its model trained this cycle) and returns exactly ``budget`` distinct positions
taken from ``unlabeled_idx``. The loop checks that contract after every call.

Method names, as a papermill user types them in ``methods``: see :data:`REGISTRY`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from .config import Experiment
from .runtime import ImageStore
from .vaal import build_vaal, discriminator_scores, lowest, train_vaal


@dataclass
class Context:
    store: ImageStore  # pool images on the device
    labeled_idx: torch.Tensor  # (n_L,) int64 pool positions, CPU
    unlabeled_idx: torch.Tensor  # (n_U,) int64 pool positions, CPU
    budget: int
    task: object  # e.g. task.ClassificationTask: .probabilities(), .embed()
    task_model: Optional[nn.Module]  # trained on the labeled set this cycle
    exp: Experiment
    generator: torch.Generator  # seeded per (seed, cycle): every random draw goes through it


class Strategy:
    """Base class. ``info`` holds what the last :meth:`select` measured (losses, scores), for the results."""

    name = ""
    paper = ""
    #: whether the strategy keeps trained state between cycles when ``loop.warm_start`` is on
    stateful = False

    def __init__(self):
        self.info: dict = {}

    def select(self, ctx: Context) -> torch.Tensor:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class RandomSampling(Strategy):
    """Random: ``budget`` samples drawn uniformly without replacement from the unlabeled pool (paper §4.1).
    Cost: no forward pass."""

    name = "random"
    paper = "uniform sampling, the paper's reference baseline"

    def select(self, ctx: Context) -> torch.Tensor:
        perm = torch.randperm(len(ctx.unlabeled_idx), generator=ctx.generator)
        return ctx.unlabeled_idx[perm[:ctx.budget]]


class VAALSampling(Strategy):
    """VAAL (paper Algorithms 1 and 2): train the β-VAE and the discriminator on labeled ∪ unlabeled,
    then pick the ``budget`` unlabeled samples that D scores lowest (most confidently unlabeled).

    Cost: ``iterations`` training steps of VAE + D, then one encoder + D forward pass over the
    unlabeled pool. Does not use the task model (task-agnostic).
    """

    name = "vaal"
    paper = "Sinha, Ebrahimi & Darrell, ICCV 2019"
    stateful = True

    def __init__(self):
        super().__init__()
        self.vae = self.disc = None
        self._restored: Optional[dict] = None  # a warm-start state loaded before the models could be built

    def select(self, ctx: Context) -> torch.Tensor:
        cfg, store = ctx.exp.vaal, ctx.store
        if self.vae is None or not ctx.exp.loop.warm_start:
            self.vae, self.disc = build_vaal(cfg, store.images.shape[1], store.images.shape[-1], store.device)
            if self._restored is not None and ctx.exp.loop.warm_start:
                self.vae.load_state_dict(self._restored["vae"])
                self.disc.load_state_dict(self._restored["disc"])
            self._restored = None
        stats = train_vaal(self.vae, self.disc, store, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                           augment=ctx.exp.task.augment == "hflip")
        scores = discriminator_scores(self.vae, self.disc, store, ctx.unlabeled_idx, cfg.score_batch_size)
        self.info = {k: v for k, v in stats.items() if k != "history"}
        self.info["mean_score_unlabeled"] = float(scores.mean())
        return lowest(scores, ctx.unlabeled_idx, ctx.budget)

    def state_dict(self) -> dict:
        if self.vae is None:
            return {}
        return {"vae": self.vae.state_dict(), "disc": self.disc.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._restored = state or None  # the models need the data's shape: built in the next select()


REGISTRY: dict[str, type[Strategy]] = {
    "vaal": VAALSampling,
    "random": RandomSampling,
}


def check_method(name: str) -> None:
    if name not in REGISTRY:
        raise ValueError(f"methods: {name!r} is not a known method; choose from {sorted(REGISTRY)}")


def make_strategy(name: str) -> Strategy:
    check_method(name)
    return REGISTRY[name]()


def check_selection(selected: torch.Tensor, unlabeled_idx: torch.Tensor, budget: int, name: str) -> None:
    """The strategy contract: exactly ``budget`` distinct positions, all from the unlabeled pool."""
    if selected.dim() != 1 or len(selected) != budget:
        raise RuntimeError(f"strategy {name} returned {tuple(selected.shape)} positions, expected ({budget},)")
    if len(torch.unique(selected)) != budget:
        raise RuntimeError(f"strategy {name} returned duplicate positions")
    if not torch.isin(selected, unlabeled_idx).all():
        raise RuntimeError(f"strategy {name} returned positions outside the unlabeled pool")
