"""Random sampling (the paper's reference) and Random beside the regularised learner (Munjal et al.)."""
from __future__ import annotations

import torch

from .base import Context, RegularisedLearner, Strategy, register


@register("random",
          chapters=("classification", "segmentation", "ablation", "bias", "budget", "timing"),
          label="Random",
          color="tab:gray",
          paper="uniform sampling, the paper's reference baseline",
          cost="no forward pass",
          settings=())
class RandomSampling(Strategy):
    """Random: ``budget`` samples drawn uniformly without replacement from the unlabeled pool (paper §4.1)."""

    def query(self, ctx: Context) -> torch.Tensor:
        perm = torch.randperm(len(ctx.unlabeled_idx), generator=ctx.generator)
        return ctx.unlabeled_idx[perm[:ctx.budget]]


@register("random_regularised",
          chapters=("classification", "noise"),
          label="Random, regularised",
          color="black",
          settings=("regularised",),
          relative_cost=2.0,
          paper="Munjal et al. (CVPR 2022): random sampling with a well-regularised task learner",
          cost="no forward pass")
class RegularisedRandom(RegularisedLearner, RandomSampling):
    """Random sampling beside a task learner with its regularisation turned up (``regularised.task``:
    random translations, weight decay, longer training, chosen on the validation split by
    ``python -m bench.sweep_task --group regularised``). Munjal et al. (CVPR 2022) found that such a
    baseline matches or beats the active learners on CIFAR; this is the book's test of that claim. The
    picks are drawn as Random's are (uniformly, from the cycle's generator); only the learner differs."""
