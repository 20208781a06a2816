"""Committees of task models: Ensembles w. VarR (classification) and QBC (segmentation)."""
from __future__ import annotations

import torch

from ..runtime import derive_seed, seed_everything
from .acquisition import js_divergence, variation_ratio
from .base import Context, Strategy, highest, per_sample, register


def train_members(ctx: Context, n: int, bootstrap: bool = False, include_task_model: bool = True) -> list:
    """``n`` task models trained like the cycle's own, each from its own seed (drawn from the cycle's
    generator); with ``bootstrap`` each trains on a resample with replacement of the labeled set."""
    models = [ctx.task_model] if include_task_model else []
    while len(models) < n:
        g = seed_everything(derive_seed(int(torch.randint(0, 2 ** 62, (1,), generator=ctx.generator)), len(models)))
        pos = torch.arange(len(ctx.labeled_idx))
        if bootstrap:
            pos = torch.randint(0, len(pos), (len(pos),), generator=g)
        model = ctx.task.build(ctx.store.device)
        ctx.task.fit(model, ctx.store, ctx.labeled_idx[pos], ctx.labels[pos], g)
        models.append(model)
    return models


@register("ensembles",
          chapters=("classification", "budget", "timing"),
          label="Ensembles w. VarR",
          color="tab:green",
          settings=("strategies",),
          relative_cost=5.0,
          paper="Beluch, Genewein, Nürnberger & Köhler, CVPR 2018",
          cost="trains members − 1 extra task models; one pass of each member over the unlabeled pool")
class Ensembles(Strategy):
    """Ensembles w. VarR (Beluch et al., CVPR 2018): ``members`` independently initialised task models
    trained on the labeled set (the cycle's task model is the first), acquisition by the variation ratio
    of their votes."""

    def __init__(self):
        super().__init__()
        self.models: list = []

    def fit(self, ctx: Context) -> None:
        self.models = train_members(ctx, ctx.exp.strategies.members)

    def acquisition(self, probs: torch.Tensor) -> torch.Tensor:
        return per_sample(variation_ratio(probs))

    def query(self, ctx: Context) -> torch.Tensor:
        scores = ctx.task.member_scores(self.models, ctx.store, ctx.unlabeled_idx, self.acquisition)
        self.info = {"mean_acquisition": float(scores.mean())}
        return highest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


@register("qbc",
          chapters=("segmentation",),
          label="QBC",
          color="tab:brown",
          settings=("strategies",),
          relative_cost=5.0,
          paper="Kuo, Häne, Yuh, Mukherjee & Malik, MICCAI 2018",
          cost="trains members − 1 extra task models; one pass of each member over the unlabeled pool")
class QBC(Ensembles):
    """Query-By-Committee for segmentation (Kuo et al., MICCAI 2018): a committee of ``members`` task
    models; acquisition by their disagreement, the Jensen-Shannon divergence of their per-pixel
    predictions averaged over the image."""

    def acquisition(self, probs: torch.Tensor) -> torch.Tensor:
        return per_sample(js_divergence(probs))
