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

import torch
from torch.nn import functional as F

from .config import VAALConfig
from .models import VAE, Discriminator
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


def train_vaal(vae: VAE, disc: Discriminator, store: ImageStore, labeled_idx: torch.Tensor,
               unlabeled_idx: torch.Tensor, cfg: VAALConfig, generator: torch.Generator,
               augment: bool = True) -> dict:
    """Algorithm 1 without the task learner (T trains separately; the paper says they are independent).

    Each iteration draws a labeled and an unlabeled batch (``batch_size`` each), passes both through the
    VAE in one call, takes ``vae_steps`` VAE steps on L_VAE and then one discriminator step on Eq. (3)
    with the latent of the updated encoder. Returns the last iteration's losses and a short history.
    """
    device = store.device
    b = cfg.batch_size
    steps = cfg.iterations or max(1, cfg.epochs * len(store) // b)
    li = labeled_idx[stream_indices(len(labeled_idx), b, steps, generator)]  # (steps, b) pool indices
    ui = unlabeled_idx[stream_indices(len(unlabeled_idx), b, steps, generator)]
    flips = torch.rand(steps, 2 * b, generator=generator) < 0.5 if augment else None
    reseed_global(generator)
    opt_vae = torch.optim.Adam(vae.parameters(), lr=cfg.lr_vae)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr_disc)
    vae.train()
    disc.train()
    history = []
    every = max(1, steps // 20)
    for it in progress(range(steps), total=steps, desc="vaal"):
        x = store.batch(torch.cat([li[it], ui[it]]), None if flips is None else flips[it])  # (2b, C, H, W)
        disc.requires_grad_(False)  # the VAE step needs gradients through D, not for D's weights
        for _ in range(cfg.vae_steps):
            with autocast(device):
                recon, z, mu, logvar = vae(x)
                rec_l, kl_l = elbo_terms(recon[:b].float(), x[:b], mu[:b].float(), logvar[:b].float(),
                                         cfg.elbo_scale)
                rec_u, kl_u = elbo_terms(recon[b:].float(), x[b:], mu[b:].float(), logvar[b:].float(),
                                         cfg.elbo_scale)
                trd = rec_l + cfg.beta * kl_l + rec_u + cfg.beta * kl_u  # Eq. (1)
                logits = disc(mu if cfg.disc_input == "mu" else z)
                adv = _bce(logits[:b], 1.0) + _bce(logits[b:], 1.0)  # Eq. (2)
                loss_vae = cfg.lambda1 * trd + cfg.lambda2 * adv
            opt_vae.zero_grad(set_to_none=True)
            loss_vae.backward()
            opt_vae.step()
        disc.requires_grad_(True)
        with torch.no_grad(), autocast(device):
            mu, logvar = vae.encode(x)
            d_in = mu if cfg.disc_input == "mu" else mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        with autocast(device):
            logits = disc(d_in.float())
            loss_d = _bce(logits[:b], 1.0) + _bce(logits[b:], 0.0)  # Eq. (3)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        if it % every == 0 or it == steps - 1:
            history.append({"iteration": it, "trd": trd.item(), "adv": adv.item(), "disc": loss_d.item()})
    last = history[-1]
    return {"iterations": steps, "vae_trd": last["trd"], "vae_adv": last["adv"], "disc_loss": last["disc"],
            "history": history}


@torch.inference_mode()
def discriminator_scores(vae: VAE, disc: Discriminator, store: ImageStore, idx: torch.Tensor,
                         batch_size: int = 1024) -> torch.Tensor:
    """D(µ) for pool indices ``idx``: the probability of *labeled*, (N,) float on the device.

    Eval mode (BatchNorm running statistics), no augmentation, µ rather than a sample so the score is
    deterministic, inference mode, large batches (Algorithm 2; DESIGN.md §5 item 3).
    """
    vae.eval()
    disc.eval()
    out = []
    for chunk in progress(idx.split(batch_size), total=-(-len(idx) // batch_size), desc="score"):
        with autocast(store.device):
            mu, _ = vae.encode(store.batch(chunk))
            out.append(torch.sigmoid(disc(mu).float()))
    return torch.cat(out)


def lowest(scores: torch.Tensor, candidates: torch.Tensor, budget: int) -> torch.Tensor:
    """The ``budget`` candidates with the lowest scores (Algorithm 2: min_b D(z_U)); ties broken by
    position, so the pick is deterministic."""
    order = torch.argsort(scores.float().cpu(), stable=True)
    return candidates[order[:budget]]
