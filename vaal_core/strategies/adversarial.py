"""VAAL (paper Algorithms 1 and 2), VAAL beside the regularised learner, and the ablations of Fig. 4 (§5.1):
every method that plays a discriminator against the labeled/unlabeled split."""
from __future__ import annotations

from typing import Optional

import torch

from ..models import ImageDiscriminator
from ..vaal import (
    build_vaal,
    discriminator_scores,
    image_scores,
    latents,
    lowest,
    train_discriminator,
    train_vaal,
    wasserstein_to_labeled,
)
from .base import Context, RegularisedLearner, Strategy, highest, register, separation


def lowest_scored(strategy: Strategy, ctx: Context, score) -> torch.Tensor:
    """Algorithm 2's pick for a discriminator-based sampler: ``score(positions)`` gives D's probability of
    *labeled*; the ``budget`` unlabeled samples it scores lowest are picked, and what D achieved on the pool
    (its AUC, labeled vs unlabeled) goes to ``strategy.info``."""
    scores = score(ctx.unlabeled_idx)
    strategy.info.update(separation(score(ctx.labeled_idx), scores))
    return lowest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


def autoencoder(ctx: Context):
    """The ablations' β-VAE trained as an autoencoder on labeled ∪ unlabeled with Eq. (1) alone (no D in the
    game): (vae, a fresh untrained D beside it, the training's losses)."""
    cfg, st = ctx.exp.vaal, ctx.vae_images
    vae, disc = build_vaal(cfg, st.images.shape[1], st.images.shape[-1], st.device)
    stats = train_vaal(vae, None, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                       augment=ctx.exp.task.augment == "hflip", adversarial=False)
    return vae, disc, stats


@register("vaal",
          chapters=("classification", "segmentation", "ablation", "bias", "budget", "architecture", "capacity",
                    "timing"),
          label="VAAL",
          color="tab:red",
          settings=("vaal",),
          relative_cost=2.5,
          paper="Sinha, Ebrahimi & Darrell, ICCV 2019",
          cost="one VAE-encoder + discriminator pass (after `iterations` training steps)")
class VAALSampling(Strategy):
    """VAAL (paper Algorithms 1 and 2): train the β-VAE and the discriminator on labeled ∪ unlabeled,
    then pick the ``budget`` unlabeled samples that D scores lowest (most confidently unlabeled).

    Does not use the task model (task-agnostic). With ``loop.warm_start`` the VAE and D continue from
    the previous cycle instead of being re-initialised.
    """

    def __init__(self):
        super().__init__()
        self.vae = self.disc = None
        self._restored: Optional[dict] = None  # a warm-start state loaded before the models could be built

    def fit(self, ctx: Context) -> None:
        cfg, store = ctx.exp.vaal, ctx.vae_images
        if self.vae is None or not ctx.exp.loop.warm_start:
            self.vae, self.disc = build_vaal(cfg, store.images.shape[1], store.images.shape[-1], store.device)
            if self._restored is not None and ctx.exp.loop.warm_start:
                self.vae.load_state_dict(self._restored["vae"])
                self.disc.load_state_dict(self._restored["disc"])
            self._restored = None
        stats = train_vaal(self.vae, self.disc, store, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                           augment=ctx.exp.task.augment == "hflip")
        self.history = stats.pop("history")
        self.info = stats

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        return lowest_scored(self, ctx, lambda idx: discriminator_scores(self.vae, self.disc, ctx.vae_images, idx, bs))

    def state_dict(self) -> dict:
        if self.vae is None:
            return {}
        return {"vae": self.vae.state_dict(), "disc": self.disc.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._restored = state or None  # the models need the data's shape: built in the next fit()


@register("vaal_regularised",
          chapters=("classification", "noise"),
          label="VAAL, regularised",
          color="darkred",
          settings=("vaal", "regularised"),
          relative_cost=3.5,
          paper="VAAL with Munjal et al.'s (CVPR 2022) regularised task learner",
          cost="one VAE-encoder + discriminator pass (after `iterations` training steps)")
class RegularisedVAAL(RegularisedLearner, VAALSampling):
    """VAAL's picks beside the regularised task learner (``regularised.task``, as :class:`RegularisedRandom`'s):
    Munjal et al. (CVPR 2022) regularised every method's learner, so that a sampler is compared with
    random sampling under the same strong learner. VAAL does not read the task model; only the learner
    trained on its picks (and the cycle's generator it consumes first) differs from :class:`VAALSampling`."""


@register("dis_only",
          chapters=("ablation",),
          label="D alone",
          color="tab:cyan",
          settings=("vaal",),
          relative_cost=2.0,
          paper="VAAL ablation, paper §5.1")
class DiscriminatorOnly(Strategy):
    """Ablation "D alone" (paper §5.1): no VAE; a discriminator on the image space (the VAE encoder's
    convolutional layout + the 5-layer MLP) learns labeled vs unlabeled with Eq. (3); the lowest-scored
    unlabeled images are picked, as in Algorithm 2."""

    def fit(self, ctx: Context) -> None:
        cfg, st = ctx.exp.vaal, ctx.vae_images
        self.disc = ImageDiscriminator(st.images.shape[1], st.images.shape[-1], cfg.z_dim, cfg.width,
                                       cfg.disc_width, cfg.disc_layers).to(st.device, memory_format=torch.channels_last)
        stats = train_discriminator(self.disc, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                                    augment=ctx.exp.task.augment == "hflip")
        self.info = {k: v for k, v in stats.items() if k != "history"}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        return lowest_scored(self, ctx, lambda idx: image_scores(self.disc, ctx.vae_images, idx, bs))


@register("fixed_vae_dis",
          chapters=("ablation",),
          label="Fixed VAE + D",
          color="tab:olive",
          settings=("vaal",),
          relative_cost=2.5,
          paper="VAAL ablation, paper §5.1")
class FixedVAEDiscriminator(Strategy):
    """Ablation "fixed VAE + D" (paper §5.1). The paper: "we avoid training the VAE and hence merely
    explore its role as an autoencoder". Implemented as: the β-VAE is trained as an autoencoder on
    labeled ∪ unlabeled with Eq. (1) alone (no adversarial term), then frozen, and D is trained with
    Eq. (3) on its latent means; lowest D picked. A never-trained (random) encoder would not be an
    autoencoder at all, so we read "fixed" as "not shaped by the adversarial game"."""

    def fit(self, ctx: Context) -> None:
        cfg, st = ctx.exp.vaal, ctx.vae_images
        self.vae, self.disc, vae_stats = autoencoder(ctx)
        aug = ctx.exp.task.augment == "hflip"
        self.vae.eval()  # frozen: BatchNorm statistics fixed too
        stats = train_discriminator(self.disc, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                                    augment=aug, features=lambda x: self.vae.encode(x)[0])
        self.info = {"vae_trd": vae_stats["vae_trd"], "disc_loss": stats["disc_loss"]}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        return lowest_scored(self, ctx, lambda idx: discriminator_scores(self.vae, self.disc, ctx.vae_images, idx, bs))


@register("vae_w2",
          chapters=("ablation",),
          label="VAE alone (W2)",
          color="darkgoldenrod",
          settings=("vaal",),
          relative_cost=2.0,
          paper="VAAL ablation, paper §5.1")
class VAEWasserstein(Strategy):
    """Ablation "VAE alone" (paper §5.1): the β-VAE trained with Eq. (1) alone, no D; each unlabeled
    image is scored by the 2-Wasserstein distance of its posterior to the labeled set's Gaussian
    (:func:`vaal.wasserstein_to_labeled`), and the farthest are picked."""

    def fit(self, ctx: Context) -> None:
        self.vae, _, stats = autoencoder(ctx)
        self.info = {"vae_trd": stats["vae_trd"]}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        mu_l, lv_l = latents(self.vae, ctx.vae_images, ctx.labeled_idx, bs)
        mu_u, lv_u = latents(self.vae, ctx.vae_images, ctx.unlabeled_idx, bs)
        d = wasserstein_to_labeled(mu_u, lv_u, mu_l, lv_l)
        self.info["mean_w2"] = float(d.mean())
        return highest(d, ctx.unlabeled_idx, ctx.budget, ctx.generator)
