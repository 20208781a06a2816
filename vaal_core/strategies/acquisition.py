"""Acquisition rules as pure functions on tensors of predicted probabilities, each tested on hand-built
cases: the variation ratio (MC-Dropout, Ensembles w. VarR), the entropy of the mean prediction (DBAL) and
the Jensen-Shannon divergence of a committee (QBC)."""
from __future__ import annotations

import torch


def variation_ratio(probs: torch.Tensor) -> torch.Tensor:
    """Variation ratio of stochastic predictions: 1 − (votes for the modal class) / T.

    probs: (T, n, K, *spatial) class probabilities of T passes or T models; returns (n, *spatial).
    """
    t, k = probs.shape[0], probs.shape[2]
    votes = probs.argmax(dim=2)  # (T, n, *spatial)
    counts = torch.nn.functional.one_hot(votes, k).sum(dim=0)  # (n, *spatial, K)
    return 1.0 - counts.max(dim=-1).values.float() / t


def predictive_entropy(probs: torch.Tensor) -> torch.Tensor:
    """Entropy of the mean prediction, H[mean_t p_t] (Gal et al. 2017's max-entropy acquisition).

    probs: (T, n, K, *spatial); returns (n, *spatial) in nats.
    """
    p = probs.float().mean(dim=0)
    return -(p * torch.log(p.clamp_min(1e-12))).sum(dim=1)


def js_divergence(probs: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence of several predictive distributions: H[mean p] − mean H[p].

    probs: (M, n, K, *spatial); returns (n, *spatial) in nats; 0 when every member agrees exactly.
    """
    p = probs.float().clamp_min(1e-12)
    mean_entropy = -(p * p.log()).sum(dim=2).mean(dim=0)
    return predictive_entropy(probs) - mean_entropy
