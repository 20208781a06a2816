"""Tests of vaal_core.metrics: confusion matrix and mean IoU on hand-computed cases."""
from __future__ import annotations

import math

import pytest
import torch

from vaal_core.metrics import confusion_matrix, iou_per_class, mean_iou


def test_two_classes_by_hand():
    pred = torch.tensor([0, 0, 1, 1, 1])
    target = torch.tensor([0, 1, 1, 1, 0])
    cm = confusion_matrix(pred, target, 2)
    # rows: true class; columns: predicted class
    assert cm.dtype == torch.int64 and cm.tolist() == [[1, 1], [1, 2]]
    # class 0: TP 1, FP 1, FN 1 → 1/3; class 1: TP 2, FP 1, FN 1 → 1/2
    assert iou_per_class(cm).tolist() == pytest.approx([1 / 3, 1 / 2])
    assert mean_iou(cm) == pytest.approx(100 * (1 / 3 + 1 / 2) / 2)


def test_three_classes_by_hand_with_an_ignored_pixel():
    target = torch.tensor([[0, 0, 1, 1], [2, 2, 2, 255]])
    pred = torch.tensor([[0, 1, 1, 1], [2, 0, 2, 2]])  # the last pixel is ignored whatever it predicts
    cm = confusion_matrix(pred, target, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    # class 0: 1/(1+1+1); class 1: 2/(2+1+0); class 2: 2/(2+0+1)
    assert iou_per_class(cm).tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    assert mean_iou(cm) == pytest.approx(100 * 5 / 9)


def test_ignored_pixels_count_nowhere_whatever_is_predicted():
    target = torch.full((4, 4), 255)
    target[0, 0] = 1
    pred = torch.randint(0, 3, (4, 4))
    pred[0, 0] = 1
    cm = confusion_matrix(pred, target, 3)
    assert int(cm.sum()) == 1 and int(cm[1, 1]) == 1
    assert confusion_matrix(pred, torch.where(target == 255, 7, target), 8, ignore_index=7).sum() == 1


def test_perfect_prediction_is_100():
    target = torch.randint(0, 5, (2, 8, 8))
    assert mean_iou(confusion_matrix(target.clone(), target, 5)) == pytest.approx(100.0)


def test_matches_a_per_pixel_count_and_accumulates_over_batches():
    g = torch.Generator().manual_seed(0)
    target = torch.randint(0, 4, (6, 5, 7), generator=g)
    target[target == 3] = 255
    pred = torch.randint(0, 4, (6, 5, 7), generator=g)
    expected = torch.zeros(4, 4, dtype=torch.int64)
    for t, p in zip(target.flatten().tolist(), pred.flatten().tolist()):
        if t != 255:
            expected[t, p] += 1
    whole = confusion_matrix(pred, target, 4)
    assert torch.equal(whole, expected)
    halves = confusion_matrix(pred[:3], target[:3], 4) + confusion_matrix(pred[3:], target[3:], 4)
    assert torch.equal(halves, whole)


def test_uint8_inputs_do_not_overflow():
    # 18 × 19 + 18 = 360 does not fit in uint8: the ids must be widened before the arithmetic
    target = torch.tensor([18, 18, 0, 255], dtype=torch.uint8)
    pred = torch.tensor([18, 0, 0, 5], dtype=torch.uint8)
    cm = confusion_matrix(pred, target, 19)
    assert int(cm[18, 18]) == 1 and int(cm[18, 0]) == 1 and int(cm[0, 0]) == 1 and int(cm.sum()) == 3


def test_absent_class_is_nan_and_skipped_but_a_false_positive_class_scores_zero():
    target = torch.tensor([0, 0, 1, 1])
    pred = torch.tensor([0, 0, 1, 2])
    iou = iou_per_class(confusion_matrix(pred, target, 4))
    # class 2 is only predicted (IoU 0); class 3 appears nowhere (NaN, left out of the mean)
    assert iou[:3].tolist() == pytest.approx([1.0, 0.5, 0.0]) and math.isnan(iou[3])
    assert mean_iou(confusion_matrix(pred, target, 4)) == pytest.approx(100 * 1.5 / 3)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix(torch.zeros(3, dtype=torch.long), torch.zeros(4, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="target"):
        confusion_matrix(torch.zeros(2, dtype=torch.long), torch.tensor([0, 2]), 2)
    with pytest.raises(ValueError, match="pred"):
        confusion_matrix(torch.tensor([0, -1]), torch.zeros(2, dtype=torch.long), 2)
