"""Mean intersection over union, the segmentation metric of the paper (§4.2: Cityscapes, BDD100K).

The standard PASCAL VOC / Cityscapes definition: the per-class IoU = TP / (TP + FP + FN) is computed
from one confusion matrix accumulated over the whole test set (not averaged per image), and the mean
over classes is reported in percent. Ignored pixels (label 255) count nowhere.
"""
from __future__ import annotations

import torch


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int,
                     ignore_index: int = 255) -> torch.Tensor:
    """(K, K) int64 counts, ``cm[t, p]`` = pixels of true class t predicted as p.

    ``pred`` and ``target`` hold class ids of the same shape (any, e.g. (N, H, W)); pixels whose target
    is ``ignore_index`` are left out. Matrices of several batches add up to the matrix of all of them.
    """
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    # int64 before the arithmetic: uint8 targets would overflow in t × K + p
    t, p = target.reshape(-1).long(), pred.reshape(-1).long()
    keep = t != ignore_index
    t, p = t[keep], p[keep]
    for name, v in (("target", t), ("pred", p)):
        if v.numel() and (int(v.min()) < 0 or int(v.max()) >= num_classes):
            raise ValueError(f"{name} holds values outside 0..{num_classes - 1} (and {ignore_index} in target)")
    # each (t, p) pair is one bin of a K² histogram, laid out row-major as the matrix
    counts = torch.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def iou_per_class(cm: torch.Tensor) -> torch.Tensor:
    """(K,) float64 IoU of every class; NaN for a class in neither the targets nor the predictions."""
    cm = cm.double()
    tp = cm.diagonal()
    union = cm.sum(dim=0) + cm.sum(dim=1) - tp  # (TP + FP) + (TP + FN) − TP
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


def mean_iou(cm: torch.Tensor) -> float:
    """Mean IoU in percent over the classes that occur (NaN classes are skipped)."""
    return float(iou_per_class(cm).nanmean()) * 100.0


def auc(positive: torch.Tensor, negative: torch.Tensor) -> float:
    """Area under the ROC curve of scores meant to be higher on ``positive`` than on ``negative``: the
    probability that a random positive outscores a random negative, ties counting one half (the
    Mann-Whitney U statistic over n_pos · n_neg). 1: perfect separation, 0.5: none. Used for VAAL's
    discriminator, labeled (positive) against unlabeled pool samples."""
    pos, neg = positive.double().flatten().cpu(), negative.double().flatten().cpu()
    if not len(pos) or not len(neg):
        raise ValueError("auc needs at least one positive and one negative score")
    both = torch.cat([pos, neg])
    # average ranks (1-based) with ties sharing their mean rank
    uniq, inverse, counts = torch.unique(both, return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).double()
    mean_rank = ends - (counts.double() - 1) / 2
    ranks = mean_rank[inverse]
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))
