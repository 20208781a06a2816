"""Segmentation-only: Suggestive Annotation (Yang et al., MICCAI 2017)."""
from __future__ import annotations

import torch

from ..vaal import ascending
from .base import Context, Strategy, per_sample, register
from .committees import train_members


def max_cover(similarity: torch.Tensor, k: int) -> torch.Tensor:
    """Greedy maximum cover (Yang et al. 2017's representativeness): pick ``k`` rows of ``similarity``
    (candidates × pool) maximising F(S) = Σ_pool max_{s ∈ S} sim(s, x), one greedy step at a time
    (a (1 − 1/e)-approximation). Returns candidate positions.

    Lazy greedy (Minoux 1978): F is submodular, so a candidate's gain can only shrink as S grows and
    its last computed gain is an upper bound. Each step re-evaluates only the candidate with the best
    bound until one's fresh gain is still the best — the same picks as recomputing every candidate's
    gain at every step (up to ties), but one pool-sized row per evaluation instead of the whole
    (candidates × pool) matrix, so the work no longer grows as k · candidates · pool.
    """
    best = torch.zeros(similarity.shape[1], device=similarity.device)  # current cover of each pool image
    bound = similarity.clamp_min(0).sum(dim=1)  # gains against the empty set: exact upper bounds
    fresh = torch.zeros(similarity.shape[0], dtype=torch.long, device=similarity.device) - 1  # step evaluated
    picks = torch.empty(k, dtype=torch.long, device=similarity.device)
    for i in range(k):
        while True:
            j = int(torch.argmax(bound))
            if int(fresh[j]) == i:  # its gain is up to date and still the largest bound: the greedy pick
                break
            bound[j] = (similarity[j] - best).clamp_min(0).sum()
            fresh[j] = i
        picks[i] = j
        best = torch.maximum(best, similarity[j])
        bound[j] = -1.0  # chosen: never again
    return picks


@register("sa",
          chapters=("segmentation",),
          label="SA",
          color="tab:pink",
          settings=("strategies",),
          relative_cost=5.0,
          paper="Yang et al., MICCAI 2017",
          cost="trains members bootstrapped models; one pass of each over the unlabeled pool, one feature pass")
class SuggestiveAnnotation(Strategy):
    """Suggestive Annotation (Yang, Zhang, Chen, Zhang & Chen, MICCAI 2017): ``members`` task models
    trained on bootstrap resamples of the labeled set give the uncertainty of each unlabeled image
    (the variance of their per-pixel class probabilities, averaged over the image); among the
    ``sa_candidates × budget`` most uncertain, the budget is chosen by greedy maximum cover of the whole
    unlabeled pool in the cosine similarity of the task model's pooled features (representativeness)."""

    def fit(self, ctx: Context) -> None:
        self.models = train_members(ctx, ctx.exp.strategies.members, bootstrap=True, include_task_model=False)

    def query(self, ctx: Context) -> torch.Tensor:
        unc = ctx.task.member_scores(self.models, ctx.store, ctx.unlabeled_idx,
                                     lambda p: per_sample(p.float().var(dim=0, unbiased=False).sum(dim=1)))
        n_cand = min(len(ctx.unlabeled_idx), max(ctx.budget, int(round(ctx.exp.strategies.sa_candidates * ctx.budget))))
        cand = ascending(-unc, ctx.generator)[:n_cand]
        feats = torch.nn.functional.normalize(ctx.task.embed(ctx.task_model, ctx.store, ctx.unlabeled_idx), dim=1)
        sim = feats[cand.to(feats.device)] @ feats.T  # (candidates, n_U) cosine similarities
        picks = max_cover(sim, ctx.budget).cpu()
        self.info = {"mean_acquisition": float(unc.mean())}
        return ctx.unlabeled_idx[cand[picks]]
