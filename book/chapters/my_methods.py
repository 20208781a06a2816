"""A method of your own, beside the paper's: margin sampling (Scheffer, Decomain & Wrobel, 2001; the
"smallest margin" uncertainty of Settles' survey, 2009), which the paper does not run and which re-evaluations
of deep active learning (e.g. Munjal et al., CVPR 2022) find a strong, cheap baseline.

It is an ordinary module beside the chapters — nothing in vaal_core registers it. A chapter runs it from its
import path: ``methods: ["vaal", "random", "my_methods:MarginSampling"]``.
"""
import torch

from vaal_core.strategies import Context, Strategy, highest


class MarginSampling(Strategy):
    """Pick the unlabeled images whose two most probable classes (by the cycle's task model) are closest:
    the smallest p(top-1) − p(top-2). One inference pass over the unlabeled pool; ties broken at random by
    the cycle's generator, like every method of the book."""

    label = "Margin (beyond the paper)"
    color = "tab:olive"
    settings = ()  # its numbers depend on data, task and loop only (which every run key holds)
    relative_cost = 1.1

    def query(self, ctx: Context) -> torch.Tensor:
        probs = ctx.task.probabilities(ctx.task_model, ctx.store, ctx.unlabeled_idx)  # (n_U, K)
        top2 = probs.topk(2, dim=1).values
        margin = top2[:, 0] - top2[:, 1]  # (n_U,): 0 = a tie between the two best classes
        self.info = {"mean_margin": float(margin.mean())}
        return highest(-margin, ctx.unlabeled_idx, ctx.budget, ctx.generator)
