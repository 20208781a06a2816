"""Uncertainty from dropout: MC-Dropout's variation ratio and DBAL's max entropy (Gal et al.)."""
from __future__ import annotations

import torch

from .acquisition import predictive_entropy, variation_ratio
from .base import Context, Strategy, highest, per_sample, register


@register("mc_dropout",
          chapters=("classification", "segmentation", "timing"),
          label="MC-Dropout",
          color="tab:purple",
          settings=("strategies",),
          paper="Gal & Ghahramani, ICML 2016; Gal et al., ICML 2017 (variation ratios)",
          cost="10 dropout passes (the deterministic trunk once, the dropout head 10 times where they split)")
class MCDropout(Strategy):
    """MC-Dropout (Gal & Ghahramani 2016; Gal, Islam & Ghahramani 2017): ``mc_passes`` stochastic
    forward passes with dropout on and BatchNorm in eval mode; acquire the highest variation ratio
    (segmentation: per pixel, averaged over the image)."""

    acquisition = staticmethod(variation_ratio)

    def query(self, ctx: Context) -> torch.Tensor:
        scores = ctx.task.mc_scores(ctx.task_model, ctx.store, ctx.unlabeled_idx, ctx.exp.strategies.mc_passes,
                                    lambda p: per_sample(self.acquisition(p)))
        self.info = {"mean_acquisition": float(scores.mean())}
        return highest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


@register("dbal",
          chapters=("classification", "timing"),
          label="DBAL",
          color="tab:orange",
          settings=("strategies",),
          paper="Gal, Islam & Ghahramani, ICML 2017 (max entropy)",
          cost="10 dropout passes (the deterministic trunk once, the dropout head 10 times where they split)")
class DBAL(MCDropout):
    """DBAL (Gal, Islam & Ghahramani, ICML 2017) with the max-entropy acquisition the paper uses: the
    entropy of the mean of ``passes`` MC-dropout predictions."""

    acquisition = staticmethod(predictive_entropy)
