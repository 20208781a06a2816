"""Oracles and initial pools of the robustness study (paper §3.3 and §5.2, Fig. 5).

- The ideal oracle answers every query with the true label.
- The noisy oracle (§5.2, "Noisy vs. ideal oracle"): a fixed share ε of the training set gets a wrong
  label from the same super-class ("targeted noise on visually similar classes"; CIFAR-100's 20 coarse
  classes). The corrupted labels are drawn once per seed, before any query, so a sample queried twice
  would get the same answer; the test set stays clean.
- The biased initial pool (§5.2, "Effect of biased initial labels"): the initial labeled pool holds no
  sample of ``m`` classes chosen at random per seed.
"""
from __future__ import annotations

import torch

from .runtime import derive_seed

# Fashion-MNIST has no super-classes: groups of the classes a learner measurably confuses (class ids of
# data.classification.FASHION_CLASSES), from `python -m bench.noise_groups`: the book preset's VGG16 trained
# on the whole pool (2 seeds), its confusion matrix on the validation split outside the pool, grouped by
# groups_by_confusion (results/tables/noise-groups/). T-shirt/top ↔ Shirt (266 of 2,000 validation images
# confused), Pullover ↔ Coat, Sandal / Sneaker / Ankle boot; Trouser is most often taken for a Dress, and
# Bag, rarely confused at all, joins Pullover and Coat by average linkage. (The book's first groups, chosen
# by eye, paired Trouser with Bag, which the learner confuses 0 times in 2,000.)
FASHION_GROUPS = {
    "tops": [0, 1, 3, 6],  # T-shirt/top, Trouser, Dress, Shirt
    "outerwear": [2, 4, 8],  # Pullover, Coat, Bag
    "footwear": [5, 7, 9],  # Sandal, Sneaker, Ankle boot
}


# Digits (smoke preset only): groups of similar strokes, so that the noisy-oracle code runs everywhere
DIGITS_GROUPS = {"round": [0, 6, 8, 9], "straight": [1, 4, 7], "curved": [2, 3, 5]}
_GROUPS = {"fashion_mnist": FASHION_GROUPS, "digits": DIGITS_GROUPS}


def groups_by_confusion(confusion: torch.Tensor) -> list[list[int]]:
    """Super-classes from a (K, K) confusion matrix (rows: true class, columns: prediction), for a data
    set that has none: how often a learner mistakes i for j or j for i, as a share of both classes'
    samples, is the similarity of i and j; groups are merged by average linkage (the pair of groups with
    the highest mean similarity between their classes first) until no class is alone — each class then
    has a class it is plausibly mistaken for, as the noisy oracle of §5.2 needs. Groups are returned
    sorted, each by class id."""
    c = confusion.double()
    rate = c / c.sum(dim=1, keepdim=True).clamp_min(1)  # (K, K) P(predicted j | true i)
    sim = rate + rate.T
    groups = [[k] for k in range(len(c))]
    while any(len(g) == 1 for g in groups):
        best, pair = -1.0, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if len(groups[a]) > 1 and len(groups[b]) > 1:
                    continue  # only merges that leave fewer classes alone
                s = float(sim[groups[a]][:, groups[b]].mean())
                if s > best:
                    best, pair = s, (a, b)
        a, b = pair
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return sorted(groups)


def superclass_of(dataset) -> torch.Tensor | None:
    """(num_classes,) super-class id of each class: CIFAR-100's coarse labels, the groups above."""
    if dataset.name in _GROUPS:
        sup = torch.empty(dataset.num_classes, dtype=torch.long)
        for g, classes in enumerate(_GROUPS[dataset.name].values()):
            sup[classes] = g
        return sup
    if dataset.train.coarse_targets is not None:
        sup = torch.full((dataset.num_classes,), -1, dtype=torch.long)
        sup[dataset.train.targets] = dataset.train.coarse_targets
        return sup
    return None


def groups_spec(dataset_name: str):
    """What the noisy oracle's super-classes of a data set are, for run keys: the groups defined here,
    or the data set's own coarse labels (CIFAR-100)."""
    return _GROUPS.get(dataset_name, "the data set's coarse labels")


def noisy_labels(targets: torch.Tensor, superclass: torch.Tensor, rate: float, seed: int) -> torch.Tensor:
    """The noisy oracle's answers for every pool sample: exactly ``round(rate × N)`` samples, chosen at
    random among those whose super-class has another class, get a uniformly drawn *other* class of their
    super-class; the rest keep their true label. Seeded by ``seed``.
    targets: (N,) true labels; superclass: (K,) super-class per class. Returns (N,) labels.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"noise_rate={rate} must lie in [0, 1)")
    n = len(targets)
    k = int(round(rate * n))
    out = targets.clone()
    if k == 0:
        return out
    sup = superclass[targets]  # (N,)
    group_size = torch.bincount(superclass[superclass >= 0], minlength=int(superclass.max()) + 1)
    eligible = (sup >= 0) & (group_size[sup.clamp_min(0)] > 1)
    pos = eligible.nonzero().squeeze(1)
    if k > len(pos):
        raise ValueError(f"noise_rate={rate}: {k} labels to corrupt but only {len(pos)} samples have a "
                         f"same-super-class alternative")
    g = torch.Generator().manual_seed(derive_seed(seed, "noise"))
    flip = pos[torch.randperm(len(pos), generator=g)[:k]]
    for i in flip.tolist():  # k draws at most once per seed, before training: clarity over speed
        same = (superclass == superclass[targets[i]]).nonzero().squeeze(1)
        others = same[same != targets[i]]
        out[i] = others[torch.randint(len(others), (1,), generator=g)]
    return out


def missing_classes(num_classes: int, m: int, seed: int) -> torch.Tensor:
    """The ``m`` classes the biased initial pool leaves out, drawn at random per seed."""
    if not 0 <= m < num_classes:
        raise ValueError(f"bias_missing_classes={m} must lie in [0, {num_classes}) for {num_classes} classes")
    g = torch.Generator().manual_seed(derive_seed(seed, "bias"))
    return torch.randperm(num_classes, generator=g)[:m].sort().values


def initial_pool(targets: torch.Tensor, n_initial: int, seed: int, missing_m: int = 0,
                 num_classes: int | None = None) -> torch.Tensor:
    """The random initial labeled pool of a seed (paper §4), identical for every method; with
    ``missing_m`` > 0 drawn only from the classes :func:`missing_classes` does not exclude."""
    g = torch.Generator().manual_seed(derive_seed(seed, "initial"))
    order = torch.randperm(len(targets), generator=g)
    if missing_m:
        gone = missing_classes(num_classes, missing_m, seed)
        order = order[~torch.isin(targets[order], gone)]
        if len(order) < n_initial:
            raise ValueError(f"bias_missing_classes={missing_m}: only {len(order)} samples outside the "
                             f"missing classes for an initial pool of {n_initial}")
    return order[:n_initial]
