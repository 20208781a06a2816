"""VAAL itself: the β-VAE / discriminator game of Algorithm 1 and the sampling rule of Algorithm 2.

Losses (paper §3):
- Eq. (1), transductive term: reconstruction + β·KL on the labeled and on the unlabeled batch;
- Eq. (2), adversarial term of the VAE: −log D(µ_L) − log D(µ_U) (the VAE wants both to look labeled);
- L_VAE = λ1·Eq.(1) + λ2·Eq.(2);
- Eq. (3), discriminator: −log D(µ_L) − log(1 − D(µ_U)).
D outputs the probability of *labeled*; Algorithm 2 sends the ``budget`` unlabeled samples with the
lowest D to the oracle.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch.nn import functional as F

from .config import VAALConfig
from .models import VAE, Discriminator
from .parallel import (
    average_gradients,
    broadcast_from_main,
    check_same,
    mean_over_processes,
    shard,
    sync_buffers,
    world,
)
from .runtime import ImageStore, autocast, progress, reseed_global, stream_indices


def build_vaal(cfg: VAALConfig, in_channels: int, image_size: int, device: torch.device):
    vae = VAE(in_channels, image_size, cfg.z_dim, cfg.width).to(device=device, memory_format=torch.channels_last)
    disc = Discriminator(cfg.z_dim, cfg.disc_width, cfg.disc_layers).to(device)
    return vae, disc


def elbo_terms(recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
               scale: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction and KL terms of Eq. (1) for one batch, as two scalars.

    The squared error is −log p(x|z) of a unit-variance Gaussian decoder up to a constant, the KL is the
    closed form against N(0, I). ``scale`` (see :class:`VAALConfig`): ``per_pixel`` and ``per_sample``
    put both on one per-sample scale (the first divides both by the input dimension), ``released``
    reproduces the released code's mismatch (a pixel mean beside a batch-and-latent sum).
    """
    kl_per_sample = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)  # (N,)
    if scale == "released":
        return F.mse_loss(recon, x), kl_per_sample.sum()
    se_per_sample = (recon - x).pow(2).flatten(1).sum(dim=1)  # (N,)
    if scale == "per_pixel":
        d = x[0].numel()
        return se_per_sample.mean() / d, kl_per_sample.mean() / d
    if scale == "per_sample":
        return se_per_sample.mean(), kl_per_sample.mean()
    raise ValueError(f"elbo_scale={scale!r} must be per_pixel, per_sample or released")


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits.float(), target))


def vaal_iterations(cfg: VAALConfig, n_unlabeled: int) -> int:
    """Iterations of Algorithm 1: ``passes`` over the unlabeled pool in batches of ``batch_size``."""
    return max(1, math.ceil(cfg.passes * n_unlabeled / cfg.batch_size))


def _draws(store: ImageStore, labeled_idx, unlabeled_idx, cfg: VAALConfig, generator, augment: bool):
    """Every batch of a training run drawn up front: (steps, b) labeled and unlabeled pool positions and
    (steps, 2b) flip masks, so the loop itself does no random bookkeeping. Under ``torchrun`` every
    process draws the same batches and keeps its share of each (:func:`distributed.shard`): (steps, b / W)
    and (steps, 2b / W), the loss weight last (1.0 with one process)."""
    b = cfg.batch_size
    steps = cfg.iterations or vaal_iterations(cfg, len(unlabeled_idx))
    li = labeled_idx[stream_indices(len(labeled_idx), b, steps, generator)]
    ui = unlabeled_idx[stream_indices(len(unlabeled_idx), b, steps, generator)]
    flips = torch.rand(steps, 2 * b, generator=generator) < 0.5 if augment else None
    part = shard(b)
    if part is None:
        return steps, li, ui, flips, 1.0
    pos, weight = part
    li, ui = li[:, pos], ui[:, pos]
    if flips is not None:
        flips = torch.cat([flips[:, :b][:, pos], flips[:, b:][:, pos]], dim=1)
    return steps, li, ui, flips, weight


def train_vaal(vae: VAE, disc: Discriminator | None, store: ImageStore, labeled_idx: torch.Tensor,
               unlabeled_idx: torch.Tensor, cfg: VAALConfig, generator: torch.Generator,
               augment: bool = True, adversarial: bool = True) -> dict:
    """Algorithm 1 without the task learner (T trains separately; the paper says they are independent).

    Each iteration draws a labeled and an unlabeled batch (``batch_size`` each), passes both through the
    VAE in one call, takes ``vae_steps`` VAE steps on L_VAE and then one discriminator step on Eq. (3)
    with the latent of the updated encoder. Returns the losses averaged over the last 10 % of the
    iterations (``vae_trd`` = Eq. (1), ``vae_adv`` = Eq. (2), ``disc_loss`` = Eq. (3), each as the loss
    sees it, before λ1, λ2) and a history of 20 snapshots. ``adversarial=False`` trains the VAE on
    Eq. (1) alone, without D (the ablations of Fig. 4). Under ``torchrun`` each process trains on its
    share of every batch and the logged losses are the processes' mean (:mod:`distributed`).
    """
    device = store.device
    steps, li, ui, flips, weight = _draws(store, labeled_idx, unlabeled_idx, cfg, generator, augment)
    b = li.shape[1]  # this process's labeled (and unlabeled) share of a batch: batch_size with one process
    # the released ELBO's KL is a sum over the batch, not a mean: the processes' average of their
    # (weighted) sums must come back to the whole batch's sum
    kl_factor = world()[1] / weight if cfg.elbo_scale == "released" else 1.0
    reseed_global(generator)
    broadcast_from_main(vae, *([disc] if adversarial else []))
    opt_vae = torch.optim.Adam(vae.parameters(), lr=cfg.lr_vae)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr_disc) if adversarial else None
    vae.train()
    if adversarial:
        disc.train()
    history = []
    every = max(1, steps // 20)
    adv = loss_d = torch.zeros(())
    tail_from = steps - max(1, steps // 10)
    tail = torch.zeros(3, device=device)  # sums of Eq. (1), (2), (3) over the last 10 % (no sync per step)
    for it in progress(range(steps), total=steps, desc="vaal"):
        x = store.batch(torch.cat([li[it], ui[it]]), None if flips is None else flips[it])  # (2b, C, H, W)
        if adversarial:
            disc.requires_grad_(False)  # the VAE step needs gradients through D, not for D's weights
        for _ in range(cfg.vae_steps):
            with autocast(device):
                recon, z, mu, logvar = vae(x)
                rec_l, kl_l = elbo_terms(recon[:b].float(), x[:b], mu[:b].float(), logvar[:b].float(),
                                         cfg.elbo_scale)
                rec_u, kl_u = elbo_terms(recon[b:].float(), x[b:], mu[b:].float(), logvar[b:].float(),
                                         cfg.elbo_scale)
                if kl_factor != 1.0:
                    kl_l, kl_u = kl_l * kl_factor, kl_u * kl_factor
                trd = rec_l + cfg.beta * kl_l + rec_u + cfg.beta * kl_u  # Eq. (1)
                loss_vae = cfg.lambda1 * trd
                if adversarial:
                    logits = disc(mu if cfg.disc_input == "mu" else z)
                    adv = _bce(logits[:b], 1.0) + _bce(logits[b:], 1.0)  # Eq. (2)
                    loss_vae = loss_vae + cfg.lambda2 * adv
            opt_vae.zero_grad(set_to_none=True)
            (loss_vae if weight == 1.0 else loss_vae * weight).backward()
            average_gradients(vae)
            opt_vae.step()
        if not adversarial:
            if it >= tail_from:
                tail[0] += trd.detach()
            if it % every == 0 or it == steps - 1:
                history.append({"iteration": it, "trd": trd.item()})
            continue
        disc.requires_grad_(True)
        with torch.no_grad(), autocast(device):
            mu, logvar = vae.encode(x)
            d_in = mu if cfg.disc_input == "mu" else mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        with autocast(device):
            logits = disc(d_in.float())
            loss_d = _bce(logits[:b], 1.0) + _bce(logits[b:], 0.0)  # Eq. (3)
        opt_d.zero_grad(set_to_none=True)
        (loss_d if weight == 1.0 else loss_d * weight).backward()
        average_gradients(disc)
        opt_d.step()
        if it >= tail_from:
            tail += torch.stack([trd.detach(), adv.detach(), loss_d.detach()]).float()
        if it % every == 0 or it == steps - 1:
            history.append({"iteration": it, "trd": trd.item(), "adv": adv.item(), "disc": loss_d.item()})
    sync_buffers(vae, *([disc] if adversarial else []))
    check_same(vae, *([disc] if adversarial else []), what="VAE and discriminator")
    tail = mean_over_processes(tail / (steps - tail_from)).tolist()
    out = {"iterations": steps, "vae_trd": tail[0], "history": history}
    if adversarial:
        out.update(vae_adv=tail[1], disc_loss=tail[2])
    return out


def train_discriminator(disc: torch.nn.Module, store: ImageStore, labeled_idx: torch.Tensor,
                        unlabeled_idx: torch.Tensor, cfg: VAALConfig, generator: torch.Generator,
                        augment: bool = True, features=None) -> dict:
    """Eq. (3) alone: ``disc`` learns labeled (1) against unlabeled (0), on ``features(x)`` when given
    (a frozen encoder's µ: "fixed VAE + D") or on the images themselves ("D alone"). Same batches,
    iterations and learning rate as VAAL's discriminator."""
    device = store.device
    steps, li, ui, flips, weight = _draws(store, labeled_idx, unlabeled_idx, cfg, generator, augment)
    b = li.shape[1]
    reseed_global(generator)
    broadcast_from_main(disc)
    opt = torch.optim.Adam(disc.parameters(), lr=cfg.lr_disc)
    disc.train()
    history = []
    every = max(1, steps // 20)
    for it in progress(range(steps), total=steps, desc="disc"):
        x = store.batch(torch.cat([li[it], ui[it]]), None if flips is None else flips[it])
        with autocast(device):
            if features is not None:
                with torch.no_grad():
                    x = features(x).float()
            logits = disc(x)
            loss = _bce(logits[:b], 1.0) + _bce(logits[b:], 0.0)
        opt.zero_grad(set_to_none=True)
        (loss if weight == 1.0 else loss * weight).backward()
        average_gradients(disc)
        opt.step()
        if it % every == 0 or it == steps - 1:
            history.append({"iteration": it, "disc": loss.item()})
    sync_buffers(disc)
    check_same(disc, what="discriminator")
    return {"iterations": steps, "disc_loss": history[-1]["disc"], "history": history}


@torch.inference_mode()
def latents(vae: VAE, store: ImageStore, idx: torch.Tensor, batch_size: int = 1024):
    """µ and log σ² (each (N, z_dim)) of pool indices ``idx``, in eval mode and large batches."""
    vae.eval()
    mus, logvars = [], []
    for chunk in idx.split(batch_size):
        mu, logvar = vae.encode(store.batch(chunk))
        mus.append(mu.float())
        logvars.append(logvar.float())
    return torch.cat(mus), torch.cat(logvars)


@torch.inference_mode()
def image_scores(disc: torch.nn.Module, store: ImageStore, idx: torch.Tensor, batch_size: int = 1024):
    """sigmoid(D(x)) for a discriminator on images, (N,) on the device."""
    disc.eval()
    out = []
    for chunk in idx.split(batch_size):
        out.append(torch.sigmoid(disc(store.batch(chunk)).float()))
    return torch.cat(out)


def wasserstein_to_labeled(mu: torch.Tensor, logvar: torch.Tensor, labeled_mu: torch.Tensor,
                           labeled_logvar: torch.Tensor) -> torch.Tensor:
    """Squared 2-Wasserstein distance of each N(µᵢ, Σᵢ) to the labeled set's Gaussian (paper §5.1).

    For diagonal Gaussians W₂² = ‖µᵢ − µ_L‖² + ‖Σᵢ^½ − Σ_L^½‖²_F. The labeled set's Gaussian N(µ_L, Σ_L)
    is the moment match of its samples' posteriors (the "normal distribution over the labeled data from
    which z is generated"): µ_L the mean of their µ, Σ_L the diagonal of their mixture's covariance.
    mu, logvar: (N, z); labeled_*: (n_L, z). Returns (N,).
    """
    mu_l = labeled_mu.mean(dim=0)
    var_l = (labeled_logvar.exp() + labeled_mu.pow(2)).mean(dim=0) - mu_l.pow(2)
    sd_l = var_l.clamp_min(0).sqrt()
    return (mu - mu_l).pow(2).sum(dim=1) + (torch.exp(0.5 * logvar) - sd_l).pow(2).sum(dim=1)


@torch.inference_mode()
def discriminator_scores(vae: VAE, disc: Discriminator, store: ImageStore, idx: torch.Tensor,
                         batch_size: int = 1024) -> torch.Tensor:
    """D(µ) for pool indices ``idx``: the probability of *labeled*, (N,) float on the device.

    Eval mode (BatchNorm running statistics), no augmentation, µ rather than a sample so the score is
    deterministic, inference mode, large batches (Algorithm 2; ARCHITECTURE.md §5).
    """
    vae.eval()
    disc.eval()
    out = []
    for chunk in progress(idx.split(batch_size), total=-(-len(idx) // batch_size), desc="score"):
        mu, _ = vae.encode(store.batch(chunk))
        out.append(torch.sigmoid(disc(mu).float()))
    return torch.cat(out)


def ascending(scores: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Positions sorting ``scores`` (n,) from lowest to highest, ties in random order drawn from
    ``generator`` (by position when None). Scores with few distinct values (a variation ratio of 10
    passes takes at most 10) leave large tied tiers: ordering them by pool position would make every
    seed pick the same tier members, correlating the seeds."""
    scores = scores.float().cpu()
    if generator is None:
        return torch.argsort(scores, stable=True)
    perm = torch.randperm(len(scores), generator=generator)
    return perm[torch.argsort(scores[perm], stable=True)]


def lowest(scores: torch.Tensor, candidates: torch.Tensor, budget: int,
           generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """The ``budget`` candidates with the lowest scores (Algorithm 2: min_b D(z_U)); ties broken at
    random by ``generator`` (the cycle's), by position when None."""
    return candidates[ascending(scores, generator)[:budget]]
