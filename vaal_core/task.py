"""The task learner T of Fig. 1: training on the labeled set, evaluation, and what strategies ask of it.

A task bundles a network family with its loss and metric. Strategies see only :meth:`Task.mc_scores`,
:meth:`Task.member_scores` and :meth:`Task.embed`, which is what keeps them task-agnostic: a
segmentation task hands them per-pixel probabilities (·, K, H, W) where classification hands (·, K),
and the strategy's score function reduces either to one number per image.
"""
from __future__ import annotations

import copy
import math
from typing import Callable, Optional

import torch
from torch import nn
from torch.nn import functional as F

from .config import TaskConfig
from .drn import DRN
from .metrics import confusion_matrix, iou_per_class, mean_iou
from .models import build_task_model
from .parallel import average_gradients, broadcast_from_main, check_same, from_main, shard, sync_buffers, world
from .runtime import ImageStore, autocast, epoch_batches, progress, reseed_global

IGNORE_INDEX = 255  # segmentation pixels without a label


def train_steps(cfg: TaskConfig, n: int) -> int:
    """Optimizer steps of one training run on ``n`` labeled samples: ``epochs`` passes (each
    ⌊n / batch_size⌋ full batches, :func:`runtime.epoch_batches`), at least ``min_steps`` (the last pass
    may stop early)."""
    return max(cfg.min_steps, cfg.epochs * max(1, n // cfg.batch_size))


def lr_factor(schedule: str, step: int, total: int) -> float:
    """The learning rate of ``step`` (0-based) of ``total`` as a fraction of the peak: ``constant`` 1;
    ``cosine`` from 1 to ~0; ``onecycle`` a linear warm-up over the first 10 % of the steps, then cosine."""
    if schedule == "constant":
        return 1.0
    warm = max(1, round(0.1 * total)) if schedule == "onecycle" else 0
    if step < warm:
        return (step + 1) / warm
    t = (step - warm) / max(1, total - warm)
    return 0.5 * (1.0 + math.cos(math.pi * t))


def make_optimizer(cfg: TaskConfig, params) -> torch.optim.Optimizer:
    """Adam with decoupled weight decay (the paper's Adam when weight_decay is 0) or SGD with Nesterov
    momentum and L2 weight decay."""
    if cfg.optimizer == "adam":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0,
                               weight_decay=cfg.weight_decay)
    raise ValueError(f"task optimizer={cfg.optimizer!r} must be adam or sgd")


class Task:
    """What every task shares: the training loop and chunked inference. Subclasses set :attr:`metric`,
    :meth:`build`, :meth:`loss` and :meth:`evaluate`."""

    metric = ""

    def __init__(self, cfg: TaskConfig, in_channels: int, num_classes: int, class_names: Optional[list] = None):
        self.cfg, self.in_channels, self.num_classes = cfg, in_channels, num_classes
        self.class_names = class_names or [str(i) for i in range(num_classes)]

    def build(self, device: torch.device) -> nn.Module:
        raise NotImplementedError

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def flip_targets(self, y: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        """Targets of horizontally flipped images (class labels do not change)."""
        return y

    def fit(self, model: nn.Module, store: ImageStore, idx: torch.Tensor, labels: torch.Tensor,
            generator: torch.Generator, val: Optional[tuple] = None, monitor: Optional[tuple] = None,
            trace: Optional[list] = None) -> dict:
        """Train ``model`` on pool indices ``idx`` with oracle ``labels`` (aligned with ``idx``).

        :func:`train_steps` optimizer steps (``epochs`` passes over the labeled set, at least
        ``min_steps``) in consecutive shuffled passes, the optimizer and learning-rate schedule of the
        config, random horizontal flips (and translations when ``shift`` is set). With
        ``val=(store, targets)`` the weights of the pass with the best validation metric are kept. With
        ``monitor=(store, targets)`` and a list ``trace``, each pass appends its step, mean training loss
        and the metric on ``monitor`` (a diagnosis only: it changes neither the training nor the weights).
        Under ``torchrun`` each process trains on its share of every batch (:mod:`distributed`).
        """
        cfg, device = self.cfg, store.device
        broadcast_from_main(model)
        opt = make_optimizer(cfg, model.parameters())
        labels = labels.to(device)
        reseed_global(generator)
        n = len(idx)
        total = train_steps(cfg, n)
        best, best_state, last_loss = -1.0, None, float("nan")
        step = 0
        processes = world()[1]
        for _ in progress(range(-(-total // max(1, n // cfg.batch_size))), desc="task"):
            model.train()  # every pass: never stay in eval mode after a validation (ARCHITECTURE.md §5)
            pass_losses = []
            for b in epoch_batches(n, cfg.batch_size, generator):
                if step == total:
                    break
                if len(b) < 2 * processes:  # BatchNorm needs two samples (a labeled set of one cannot train)
                    continue
                flip = torch.rand(len(b), generator=generator) < 0.5 if cfg.augment == "hflip" else None
                shift = (torch.randint(-cfg.shift, cfg.shift + 1, (len(b), 2), generator=generator)
                         if cfg.shift else None)
                part = shard(len(b))  # this process's share of the batch (None: one process)
                if part is not None:
                    b, flip, shift = (t[part[0]] if t is not None else None for t in (b, flip, shift))
                x = store.batch(idx[b], flip, shift)
                y = labels[b.to(device)]
                if flip is not None:
                    y = self.flip_targets(y, flip.to(device))
                for group in opt.param_groups:
                    group["lr"] = cfg.lr * lr_factor(cfg.schedule, step, total)
                with autocast(device):
                    loss = self.loss(model(x), y)
                opt.zero_grad(set_to_none=True)
                (loss if part is None else loss * part[1]).backward()
                average_gradients(model)
                opt.step()
                last_loss = loss.detach()
                if trace is not None:
                    pass_losses.append(float(last_loss))
                step += 1
            if trace is not None and monitor is not None:
                trace.append({"step": step, "train_loss": sum(pass_losses) / max(1, len(pass_losses)),
                              self.metric: self.evaluate(model, *monitor)[self.metric]})
            if val is not None:
                sync_buffers(model)
                score = from_main(self.evaluate(model, *val)[self.metric])
                if score > best:
                    best, best_state = score, copy.deepcopy(model.state_dict())
        if best_state is not None:
            model.load_state_dict(best_state)
        sync_buffers(model)
        check_same(model, what="task model")
        return {"final_loss": float(last_loss), "steps": step, "best_val": best if val is not None else None}

    def _chunks(self, store: ImageStore, idx: Optional[torch.Tensor], desc: str):
        idx = torch.arange(len(store)) if idx is None else idx
        bs = self.cfg.infer_batch_size
        return progress(idx.split(bs), total=-(-len(idx) // bs), desc=desc)

    @torch.inference_mode()
    def logits(self, model: nn.Module, store: ImageStore, idx: Optional[torch.Tensor] = None,
               mc_dropout: bool = False) -> torch.Tensor:
        """Logits for pool indices ``idx`` (all when None), in large inference batches.

        ``mc_dropout=True`` keeps dropout layers stochastic while BatchNorm stays in eval mode.
        """
        model.eval()
        if mc_dropout:
            for m in model.modules():
                if isinstance(m, (nn.Dropout, nn.Dropout2d)):
                    m.train()
        out = []
        for chunk in self._chunks(store, idx, "infer"):
            out.append(model(store.batch(chunk)).float())
        model.eval()
        return torch.cat(out)

    @torch.inference_mode()
    def mc_scores(self, model: nn.Module, store: ImageStore, idx: torch.Tensor, passes: int,
                  score_fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """MC-Dropout acquisition scores (n,): ``score_fn`` maps the (passes, chunk, K, …) probabilities of
        each chunk to (chunk,). Dropout on, BatchNorm in eval mode. Where the model splits into a
        deterministic trunk and a dropout head, the trunk runs once per chunk and the head ``passes``
        times — the same distribution as ``passes`` full passes, at about the cost of one.
        """
        model.eval()
        dropouts = [m for m in model.modules() if isinstance(m, (nn.Dropout, nn.Dropout2d))]
        out = []
        try:
            for m in dropouts:
                m.train()
            for chunk in self._chunks(store, idx, "mc"):
                x = store.batch(chunk)
                if hasattr(model, "trunk"):
                    h = model.trunk(x)
                    logits = [self._head(model, h, x) for _ in range(passes)]
                else:
                    logits = [model(x) for _ in range(passes)]
                probs = torch.stack(logits).float().softmax(dim=2)  # (passes, chunk, K, …)
                out.append(score_fn(probs))
        finally:
            model.eval()
        return torch.cat(out)

    def _head(self, model: nn.Module, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return model.stochastic_head(h)

    @torch.inference_mode()
    def member_scores(self, models: list, store: ImageStore, idx: torch.Tensor,
                      score_fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Scores (n,) from several models (an ensemble, a committee): ``score_fn`` maps each chunk's
        (members, chunk, K, …) probabilities to (chunk,), so no pool-sized probability tensor is kept."""
        for m in models:
            m.eval()
        out = []
        for chunk in self._chunks(store, idx, "members"):
            x = store.batch(chunk)
            probs = torch.stack([m(x).float() for m in models]).softmax(dim=2)
            out.append(score_fn(probs))
        return torch.cat(out)

    @torch.inference_mode()
    def embed(self, model: nn.Module, store: ImageStore, idx: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Feature vectors (N, D) in eval mode (Core-set's feature space)."""
        model.eval()
        out = []
        for chunk in self._chunks(store, idx, "embed"):
            out.append(model.embed(store.batch(chunk)).float())
        return torch.cat(out)

    def evaluate(self, model: nn.Module, store: ImageStore, targets: torch.Tensor) -> dict:
        raise NotImplementedError


class ClassificationTask(Task):
    """Image classification with cross-entropy, measured by top-1 accuracy (paper §4.1, Fig. 2)."""

    metric = "accuracy"

    def build(self, device: torch.device) -> nn.Module:
        model = build_task_model(self.cfg.arch, self.in_channels, self.num_classes, self.cfg.width,
                                 self.cfg.dropout)
        return model.to(device=device)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), targets)

    def probabilities(self, model, store, idx=None, mc_dropout: bool = False) -> torch.Tensor:
        """Softmax probabilities (N, K)."""
        return self.logits(model, store, idx, mc_dropout).softmax(dim=1)

    def evaluate(self, model: nn.Module, store: ImageStore, targets: torch.Tensor) -> dict:
        """Top-1 accuracy in percent on every image of ``store``."""
        pred = self.logits(model, store).argmax(dim=1)
        return {self.metric: 100.0 * (pred == targets.to(pred.device)).float().mean().item()}


class SegmentationTask(Task):
    """Semantic segmentation with a DRN (paper §4.2): unweighted per-pixel cross-entropy ignoring
    unlabeled pixels (255), measured by mean IoU (%) over classes, per-class IoU kept beside it."""

    metric = "miou"

    def build(self, device: torch.device) -> nn.Module:
        if self.cfg.arch != "drn":
            raise ValueError(f"task arch={self.cfg.arch!r}: segmentation uses arch='drn'")
        model = DRN(self.in_channels, self.num_classes, self.cfg.width, self.cfg.dropout)
        return model.to(device=device)  # NCHW: see DRN.trunk

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), targets.long(), ignore_index=IGNORE_INDEX)

    def flip_targets(self, y: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        return torch.where(flip.view(-1, 1, 1), y.flip(-1), y)  # masks flip with their images

    def _head(self, model, h, x):
        return model.stochastic_head(h, x.shape[-2:])

    @torch.inference_mode()
    def evaluate(self, model: nn.Module, store: ImageStore, targets: torch.Tensor) -> dict:
        """mIoU (%) from a confusion matrix accumulated over the split, plus ``iou/<class>`` (%)."""
        model.eval()
        cm = torch.zeros(self.num_classes, self.num_classes, dtype=torch.long, device=store.device)
        targets = targets.to(store.device)
        for chunk in self._chunks(store, None, "eval"):
            pred = model(store.batch(chunk)).argmax(dim=1)
            cm += confusion_matrix(pred, targets[chunk.to(store.device)], self.num_classes, IGNORE_INDEX)
        out = {self.metric: mean_iou(cm)}
        for name, v in zip(self.class_names, iou_per_class(cm).tolist()):
            out[f"iou/{name}"] = 100.0 * v
        return out


def make_task(cfg: TaskConfig, dataset) -> Task:
    """The task a data set calls for: segmentation when its targets are masks (N, H, W)."""
    cls = SegmentationTask if dataset.train.targets.dim() == 3 else ClassificationTask
    return cls(cfg, dataset.channels, dataset.num_classes, dataset.class_names)
