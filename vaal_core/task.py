"""The task learner T of Fig. 1: training on the labeled set, evaluation, and what strategies ask of it.

A task bundles a network family with its loss and metric. Strategies see only :meth:`probabilities` and
:meth:`embed`, which is what keeps them task-agnostic: a segmentation task returns per-pixel
probabilities (N, K, H, W) where classification returns (N, K).
"""
from __future__ import annotations

import copy
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from .config import TaskConfig
from .models import build_task_model
from .runtime import ImageStore, autocast, epoch_batches, progress, reseed_global


class ClassificationTask:
    """Image classification with cross-entropy, measured by top-1 accuracy (paper §4.1, Fig. 2)."""

    metric = "accuracy"

    def __init__(self, cfg: TaskConfig, in_channels: int, num_classes: int):
        self.cfg, self.in_channels, self.num_classes = cfg, in_channels, num_classes

    def build(self, device: torch.device) -> nn.Module:
        model = build_task_model(self.cfg.arch, self.in_channels, self.num_classes, self.cfg.width,
                                 self.cfg.dropout)
        return model.to(device=device, memory_format=torch.channels_last)

    def fit(self, model: nn.Module, store: ImageStore, idx: torch.Tensor, labels: torch.Tensor,
            generator: torch.Generator, val: Optional[tuple] = None) -> dict:
        """Train ``model`` on pool indices ``idx`` with oracle ``labels`` (aligned with ``idx``).

        Adam (paper: 5e-4), ``epochs`` passes over the labeled set, random horizontal flips. With
        ``val=(store, targets)`` the weights of the epoch with the best validation metric are kept.
        """
        cfg, device = self.cfg, store.device
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        labels = labels.to(device)
        reseed_global(generator)
        n = len(idx)
        best, best_state, last_loss = -1.0, None, float("nan")
        for _ in progress(range(cfg.epochs), total=cfg.epochs, desc="task"):
            model.train()  # every epoch: never stay in eval mode after a validation (DESIGN.md §5 item 1)
            for b in epoch_batches(n, cfg.batch_size, generator):
                if len(b) < 2 and n >= 2:  # BatchNorm needs two samples; the pass's remainder was one
                    continue
                flip = torch.rand(len(b), generator=generator) < 0.5 if cfg.augment == "hflip" else None
                x = store.batch(idx[b], flip)
                with autocast(device):
                    loss = self.loss(model(x), labels[b.to(device)])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                last_loss = loss.detach()
            if val is not None:
                score = self.evaluate(model, *val)[self.metric]
                if score > best:
                    best, best_state = score, copy.deepcopy(model.state_dict())
        if best_state is not None:
            model.load_state_dict(best_state)
        return {"final_loss": float(last_loss), "best_val": best if val is not None else None}

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), targets)

    @torch.inference_mode()
    def logits(self, model: nn.Module, store: ImageStore, idx: Optional[torch.Tensor] = None,
               batch_size: int = 1024, mc_dropout: bool = False) -> torch.Tensor:
        """Logits for pool indices ``idx`` (all when None), in large inference batches.

        ``mc_dropout=True`` keeps dropout layers stochastic while BatchNorm stays in eval mode
        (MC-Dropout, Gal & Ghahramani 2016).
        """
        model.eval()
        if mc_dropout:
            for m in model.modules():
                if isinstance(m, nn.Dropout):
                    m.train()
        if idx is None:
            idx = torch.arange(len(store))
        out = []
        for chunk in progress(idx.split(batch_size), total=-(-len(idx) // batch_size), desc="infer"):
            with autocast(store.device):
                out.append(model(store.batch(chunk)).float())
        model.eval()
        return torch.cat(out)

    @torch.inference_mode()
    def mc_scores(self, model: nn.Module, store: ImageStore, idx: torch.Tensor, passes: int, score_fn,
                  batch_size: int = 1024) -> torch.Tensor:
        """MC-Dropout acquisition scores (n,): ``score_fn`` maps the (passes, chunk, K) probabilities of
        each chunk to (chunk,). Dropout on, BatchNorm in eval mode. Where the model splits into a
        deterministic trunk and a dropout head, the trunk runs once per chunk and the head ``passes``
        times — the same distribution as ``passes`` full passes, at about the cost of one.
        """
        model.eval()
        dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
        out = []
        try:
            for m in dropouts:
                m.train()
            for chunk in progress(idx.split(batch_size), total=-(-len(idx) // batch_size), desc="mc"):
                with autocast(store.device):
                    x = store.batch(chunk)
                    if hasattr(model, "trunk"):
                        h = model.trunk(x)
                        logits = [model.stochastic_head(h) for _ in range(passes)]
                    else:
                        logits = [model(x) for _ in range(passes)]
                probs = torch.stack(logits).float().softmax(dim=2)  # (passes, chunk, K, ...)
                out.append(score_fn(probs))
        finally:
            model.eval()
        return torch.cat(out)

    def probabilities(self, model, store, idx=None, batch_size: int = 1024, mc_dropout: bool = False):
        """Softmax probabilities (N, K)."""
        return self.logits(model, store, idx, batch_size, mc_dropout).softmax(dim=1)

    @torch.inference_mode()
    def embed(self, model: nn.Module, store: ImageStore, idx: Optional[torch.Tensor] = None,
              batch_size: int = 1024) -> torch.Tensor:
        """Penultimate-layer features (N, D) in eval mode (Core-set's feature space)."""
        model.eval()
        if idx is None:
            idx = torch.arange(len(store))
        out = []
        for chunk in idx.split(batch_size):
            with autocast(store.device):
                out.append(model.embed(store.batch(chunk)).float())
        return torch.cat(out)

    def evaluate(self, model: nn.Module, store: ImageStore, targets: torch.Tensor) -> dict:
        """Top-1 accuracy in percent on every image of ``store``."""
        pred = self.logits(model, store).argmax(dim=1)
        return {self.metric: 100.0 * (pred == targets.to(pred.device)).float().mean().item()}
