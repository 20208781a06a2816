"""Sampling strategies: one interface for VAAL and every baseline, independent of the task.

A strategy gets a :class:`Context` (the pool on the device, the labeled and unlabeled pool positions,
the budget, the task and its model trained this cycle) and returns exactly ``budget`` distinct positions
taken from ``unlabeled_idx``. The loop checks that contract after every call.

Each strategy has two phases: :meth:`Strategy.fit` trains whatever the sampler needs beyond the task
model (VAAL's VAE and discriminator, the extra members of an ensemble) and :meth:`Strategy.query` picks
the budget. The paper's Table 1 times the query; the loop records both.

The acquisition rules themselves are pure functions on tensors (:func:`k_center_greedy`,
:func:`variation_ratio`, :func:`predictive_entropy`), each tested on hand-built cases.

Method names, as a papermill user types them in ``methods``: see :data:`REGISTRY`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from .config import Experiment, regularised_task
from .metrics import auc
from .models import ImageDiscriminator
from .runtime import ImageStore, derive_seed, seed_everything
from .vaal import (
    ascending,
    build_vaal,
    discriminator_scores,
    image_scores,
    latents,
    lowest,
    train_discriminator,
    train_vaal,
    wasserstein_to_labeled,
)


@dataclass
class Context:
    store: ImageStore  # pool images on the device
    labeled_idx: torch.Tensor  # (n_L,) int64 pool positions, CPU
    unlabeled_idx: torch.Tensor  # (n_U,) int64 pool positions, CPU
    budget: int
    task: object  # a task.Task: .build(), .fit(), .mc_scores(), .member_scores(), .embed()
    task_model: Optional[nn.Module]  # trained on the labeled set this cycle
    exp: Experiment
    generator: torch.Generator  # seeded per (seed, cycle): every random draw goes through it
    labels: Optional[torch.Tensor] = None  # oracle labels of labeled_idx (ensembles train on them)
    vae_images: Optional[ImageStore] = None  # the pool as the VAE sees it (resized); None: ``store`` itself

    def __post_init__(self):
        if self.vae_images is None:
            self.vae_images = self.store


class Strategy:
    """Base class. ``info`` holds what the last call measured (losses, scores), for the results."""

    name = ""  # the id a papermill user types in ``methods``
    label = ""  # the name tables and legends show
    color = None  # its colour, the same in every chapter
    settings: tuple = ()  # config sections besides data, task and loop that its numbers depend on (run key)
    relative_cost = 1.0  # a run's rough cost against Random's, so the longest runs start first
    paper = ""
    cost = ""  # in forward passes over the unlabeled pool, for the docs and the timing chapter

    def __init__(self):
        self.info: dict = {}
        self.history: Optional[list] = None  # loss snapshots of the sampler's own training, when it has one

    def task_config(self, exp: Experiment):
        """The task learner's settings this method trains with: ``exp.task``, except for a baseline
        defined by its learner (:class:`RegularisedRandom`)."""
        return exp.task

    def fit(self, ctx: Context) -> None:
        """Train what the sampler needs besides the task model (nothing by default)."""

    def query(self, ctx: Context) -> torch.Tensor:
        raise NotImplementedError

    def select(self, ctx: Context) -> torch.Tensor:
        self.fit(ctx)
        return self.query(ctx)

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def separation(labeled_scores: torch.Tensor, unlabeled_scores: torch.Tensor) -> dict:
    """What a labeled-vs-unlabeled discriminator achieved on the pool (stored per cycle): its AUC at
    telling the labeled samples from the unlabeled ones (0.5: not at all) and its mean score
    (probability of *labeled*) on each."""
    return {"disc_auc": auc(labeled_scores, unlabeled_scores), "d_mean_labeled": float(labeled_scores.mean()),
            "d_mean_unlabeled": float(unlabeled_scores.mean())}


def highest(scores: torch.Tensor, candidates: torch.Tensor, budget: int,
            generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """The ``budget`` candidates with the highest scores, ties broken at random by ``generator``."""
    return lowest(-scores.float(), candidates, budget, generator)


# ---------------------------------------------------------------------------------------------- random

class RandomSampling(Strategy):
    """Random: ``budget`` samples drawn uniformly without replacement from the unlabeled pool (paper §4.1)."""

    name = "random"
    label = "Random"
    color = "tab:gray"
    paper = "uniform sampling, the paper's reference baseline"
    cost = "no forward pass"

    def query(self, ctx: Context) -> torch.Tensor:
        perm = torch.randperm(len(ctx.unlabeled_idx), generator=ctx.generator)
        return ctx.unlabeled_idx[perm[:ctx.budget]]


class RegularisedRandom(RandomSampling):
    """Random sampling beside a task learner with its regularisation turned up (``regularised.task``:
    random translations, weight decay, longer training, chosen on the validation split by
    ``python -m bench.sweep_task --group regularised``). Munjal et al. (CVPR 2022) found that such a
    baseline matches or beats the active learners on CIFAR; this is the book's test of that claim. The
    picks are drawn as Random's are (uniformly, from the cycle's generator); only the learner differs."""

    name = "random_regularised"
    label = "Random, regularised"
    color = "black"
    settings = ("regularised",)
    relative_cost = 2.0  # twice the optimizer steps
    paper = "Munjal et al. (CVPR 2022): random sampling with a well-regularised task learner"

    def task_config(self, exp: Experiment):
        return regularised_task(exp)


# ---------------------------------------------------------------------------------------------- VAAL

class VAALSampling(Strategy):
    """VAAL (paper Algorithms 1 and 2): train the β-VAE and the discriminator on labeled ∪ unlabeled,
    then pick the ``budget`` unlabeled samples that D scores lowest (most confidently unlabeled).

    Does not use the task model (task-agnostic). With ``loop.warm_start`` the VAE and D continue from
    the previous cycle instead of being re-initialised.
    """

    name = "vaal"
    label = "VAAL"
    color = "tab:red"
    settings = ("vaal",)
    relative_cost = 2.5
    paper = "Sinha, Ebrahimi & Darrell, ICCV 2019"
    cost = "one VAE-encoder + discriminator pass (after `iterations` training steps)"

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
        scores = discriminator_scores(self.vae, self.disc, ctx.vae_images, ctx.unlabeled_idx, bs)
        self.info.update(separation(discriminator_scores(self.vae, self.disc, ctx.vae_images, ctx.labeled_idx, bs),
                                    scores))
        return lowest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)

    def state_dict(self) -> dict:
        if self.vae is None:
            return {}
        return {"vae": self.vae.state_dict(), "disc": self.disc.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._restored = state or None  # the models need the data's shape: built in the next fit()


# ---------------------------------------------------------------------------------------------- Core-set

def k_center_greedy(labeled: torch.Tensor, unlabeled: torch.Tensor, budget: int,
                    chunk: int = 4096) -> torch.Tensor:
    """Greedy k-center (Sener & Savarese, ICLR 2018, Alg. 1): ``budget`` positions into ``unlabeled``.

    Each step takes the unlabeled point farthest from every center so far (labeled points and earlier
    picks), in squared Euclidean distance. Work: one (n_U × n_L) distance matrix, computed in chunks of
    ``chunk`` labeled points as matrix products, then per pick the distances to the new center, in chunks
    of ``chunk`` unlabeled points (a (chunk × D) temporary, not (n_U × D)) — O(n_U·(n_L + b)·D) in all,
    vectorised on the device; the Python loops run over the ``budget`` picks and the chunks.
    labeled: (n_L, D), unlabeled: (n_U, D) features on one device.

    The per-pick distance keeps the difference form ‖u − c‖² rather than ‖u‖² − 2u·c + ‖c‖² (one mat-vec:
    7 ms against 66 ms per pick for 20,000 × 512 features on one core here): the expansion changes the
    float values, and with them near-tied picks, so it waits for a results-version bump that recomputes
    every Core-set run. The chunked update gives the same values as the whole-pool one (tested).
    """
    u = unlabeled.float()
    u_sq = u.pow(2).sum(1)  # (n_U,)
    min_d = torch.full((len(u),), float("inf"), device=u.device)
    for c in labeled.float().split(chunk):
        d = u_sq[:, None] - 2 * u @ c.T + c.pow(2).sum(1)[None, :]  # (n_U, chunk) squared distances
        min_d = torch.minimum(min_d, d.min(dim=1).values)
    picks = torch.empty(budget, dtype=torch.long, device=u.device)
    for i in range(budget):
        j = torch.argmax(min_d)  # stays on the device: no host sync per pick
        picks[i] = j
        for lo in range(0, len(u), chunk):
            min_d[lo:lo + chunk] = torch.minimum(min_d[lo:lo + chunk], (u[lo:lo + chunk] - u[j]).pow(2).sum(1))
        min_d[j] = -1.0  # a pick is never picked again, even among exact duplicates
    return picks


class CoreSet(Strategy):
    """Core-set (Sener & Savarese, ICLR 2018): k-center greedy on the task model's penultimate-layer
    features of labeled ∪ unlabeled (the paper's Core-set baseline, without the robust MIP refinement)."""

    name = "coreset"
    label = "Core-set"
    color = "tab:blue"
    paper = "Sener & Savarese, ICLR 2018"
    cost = "one task-model pass over labeled ∪ unlabeled, then b greedy distance updates"

    def query(self, ctx: Context) -> torch.Tensor:
        feats = ctx.task.embed(ctx.task_model, ctx.store, torch.cat([ctx.labeled_idx, ctx.unlabeled_idx]))
        n_l = len(ctx.labeled_idx)
        pos = k_center_greedy(feats[:n_l], feats[n_l:], ctx.budget).cpu()
        return ctx.unlabeled_idx[pos]


# ---------------------------------------------------------------------------------------------- the regularised learner

class RegularisedVAAL(VAALSampling):
    """VAAL's picks beside the regularised task learner (``regularised.task``, as :class:`RegularisedRandom`'s):
    Munjal et al. (CVPR 2022) regularised every method's learner, so that a sampler is compared with
    random sampling under the same strong learner. VAAL does not read the task model; only the learner
    trained on its picks (and the cycle's generator it consumes first) differs from :class:`VAALSampling`."""

    name = "vaal_regularised"
    label = "VAAL, regularised"
    color = "darkred"
    settings = ("vaal", "regularised")
    relative_cost = 3.5
    paper = "VAAL with Munjal et al.'s (CVPR 2022) regularised task learner"

    def task_config(self, exp: Experiment):
        return regularised_task(exp)


class RegularisedCoreSet(CoreSet):
    """Core-set's picks (k-center greedy on the regularised learner's features) beside the regularised
    task learner, as :class:`RegularisedVAAL`."""

    name = "coreset_regularised"
    label = "Core-set, regularised"
    color = "navy"
    settings = ("regularised",)
    relative_cost = 2.0
    paper = "Core-set with Munjal et al.'s (CVPR 2022) regularised task learner"

    def task_config(self, exp: Experiment):
        return regularised_task(exp)


# ---------------------------------------------------------------------------------------------- MC-Dropout, DBAL

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


def per_sample(score: torch.Tensor) -> torch.Tensor:
    """Average a per-element score (n, *spatial) to one value per sample (segmentation: per image)."""
    return score.flatten(1).mean(dim=1) if score.dim() > 1 else score


class MCDropout(Strategy):
    """MC-Dropout (Gal & Ghahramani 2016; Gal, Islam & Ghahramani 2017): ``mc_passes`` stochastic
    forward passes with dropout on and BatchNorm in eval mode; acquire the highest variation ratio
    (segmentation: per pixel, averaged over the image)."""

    name = "mc_dropout"
    label = "MC-Dropout"
    color = "tab:purple"
    settings = ("strategies",)
    paper = "Gal & Ghahramani, ICML 2016; Gal et al., ICML 2017 (variation ratios)"
    cost = "10 dropout passes (the deterministic trunk once, the dropout head 10 times where they split)"
    acquisition = staticmethod(variation_ratio)

    def query(self, ctx: Context) -> torch.Tensor:
        scores = ctx.task.mc_scores(ctx.task_model, ctx.store, ctx.unlabeled_idx, ctx.exp.strategies.mc_passes,
                                    lambda p: per_sample(self.acquisition(p)))
        self.info = {"mean_acquisition": float(scores.mean())}
        return highest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


class DBAL(MCDropout):
    """DBAL (Gal, Islam & Ghahramani, ICML 2017) with the max-entropy acquisition the paper uses: the
    entropy of the mean of ``passes`` MC-dropout predictions."""

    name = "dbal"
    label = "DBAL"
    color = "tab:orange"
    settings = ("strategies",)
    paper = "Gal, Islam & Ghahramani, ICML 2017 (max entropy)"
    acquisition = staticmethod(predictive_entropy)


# ---------------------------------------------------------------------------------------------- ensembles

def train_members(ctx: Context, n: int, bootstrap: bool = False, include_task_model: bool = True) -> list:
    """``n`` task models trained like the cycle's own, each from its own seed (drawn from the cycle's
    generator); with ``bootstrap`` each trains on a resample with replacement of the labeled set."""
    models = [ctx.task_model] if include_task_model else []
    while len(models) < n:
        g = seed_everything(derive_seed(int(torch.randint(0, 2 ** 62, (1,), generator=ctx.generator)), len(models)))
        pos = torch.arange(len(ctx.labeled_idx))
        if bootstrap:
            pos = torch.randint(0, len(pos), (len(pos),), generator=g)
        model = ctx.task.build(ctx.store.device)
        ctx.task.fit(model, ctx.store, ctx.labeled_idx[pos], ctx.labels[pos], g)
        models.append(model)
    return models


class Ensembles(Strategy):
    """Ensembles w. VarR (Beluch et al., CVPR 2018): ``members`` independently initialised task models
    trained on the labeled set (the cycle's task model is the first), acquisition by the variation ratio
    of their votes."""

    name = "ensembles"
    label = "Ensembles w. VarR"
    color = "tab:green"
    settings = ("strategies",)
    relative_cost = 5.0
    paper = "Beluch, Genewein, Nürnberger & Köhler, CVPR 2018"
    cost = "trains members − 1 extra task models; one pass of each member over the unlabeled pool"

    def __init__(self):
        super().__init__()
        self.models: list = []

    def fit(self, ctx: Context) -> None:
        self.models = train_members(ctx, ctx.exp.strategies.members)

    def acquisition(self, probs: torch.Tensor) -> torch.Tensor:
        return per_sample(variation_ratio(probs))

    def query(self, ctx: Context) -> torch.Tensor:
        scores = ctx.task.member_scores(self.models, ctx.store, ctx.unlabeled_idx, self.acquisition)
        self.info = {"mean_acquisition": float(scores.mean())}
        return highest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


def js_divergence(probs: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence of several predictive distributions: H[mean p] − mean H[p].

    probs: (M, n, K, *spatial); returns (n, *spatial) in nats; 0 when every member agrees exactly.
    """
    p = probs.float().clamp_min(1e-12)
    mean_entropy = -(p * p.log()).sum(dim=2).mean(dim=0)
    return predictive_entropy(probs) - mean_entropy


class QBC(Ensembles):
    """Query-By-Committee for segmentation (Kuo et al., MICCAI 2018): a committee of ``members`` task
    models; acquisition by their disagreement, the Jensen-Shannon divergence of their per-pixel
    predictions averaged over the image."""

    name = "qbc"
    label = "QBC"
    color = "tab:brown"
    settings = ("strategies",)
    relative_cost = 5.0
    paper = "Kuo, Häne, Yuh, Mukherjee & Malik, MICCAI 2018"

    def acquisition(self, probs: torch.Tensor) -> torch.Tensor:
        return per_sample(js_divergence(probs))


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


class SuggestiveAnnotation(Strategy):
    """Suggestive Annotation (Yang, Zhang, Chen, Zhang & Chen, MICCAI 2017): ``members`` task models
    trained on bootstrap resamples of the labeled set give the uncertainty of each unlabeled image
    (the variance of their per-pixel class probabilities, averaged over the image); among the
    ``sa_candidates × budget`` most uncertain, the budget is chosen by greedy maximum cover of the whole
    unlabeled pool in the cosine similarity of the task model's pooled features (representativeness)."""

    name = "sa"
    label = "SA"
    color = "tab:pink"
    settings = ("strategies",)
    relative_cost = 5.0
    paper = "Yang et al., MICCAI 2017"
    cost = "trains members bootstrapped models; one pass of each over the unlabeled pool, one feature pass"

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


# ---------------------------------------------------------------------------------------------- ablations (Fig. 4)

class DiscriminatorOnly(Strategy):
    """Ablation "D alone" (paper §5.1): no VAE; a discriminator on the image space (the VAE encoder's
    convolutional layout + the 5-layer MLP) learns labeled vs unlabeled with Eq. (3); the lowest-scored
    unlabeled images are picked, as in Algorithm 2."""

    name = "dis_only"
    label = "D alone"
    color = "tab:cyan"
    settings = ("vaal",)
    relative_cost = 2.0
    paper = "VAAL ablation, paper §5.1"

    def fit(self, ctx: Context) -> None:
        cfg, st = ctx.exp.vaal, ctx.vae_images
        self.disc = ImageDiscriminator(st.images.shape[1], st.images.shape[-1], cfg.z_dim, cfg.width,
                                       cfg.disc_width, cfg.disc_layers).to(st.device, memory_format=torch.channels_last)
        stats = train_discriminator(self.disc, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                                    augment=ctx.exp.task.augment == "hflip")
        self.info = {k: v for k, v in stats.items() if k != "history"}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        scores = image_scores(self.disc, ctx.vae_images, ctx.unlabeled_idx, bs)
        self.info.update(separation(image_scores(self.disc, ctx.vae_images, ctx.labeled_idx, bs), scores))
        return lowest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


class FixedVAEDiscriminator(Strategy):
    """Ablation "fixed VAE + D" (paper §5.1). The paper: "we avoid training the VAE and hence merely
    explore its role as an autoencoder". Implemented as: the β-VAE is trained as an autoencoder on
    labeled ∪ unlabeled with Eq. (1) alone (no adversarial term), then frozen, and D is trained with
    Eq. (3) on its latent means; lowest D picked. A never-trained (random) encoder would not be an
    autoencoder at all, so we read "fixed" as "not shaped by the adversarial game"."""

    name = "fixed_vae_dis"
    label = "Fixed VAE + D"
    color = "tab:olive"
    settings = ("vaal",)
    relative_cost = 2.5
    paper = "VAAL ablation, paper §5.1"

    def fit(self, ctx: Context) -> None:
        cfg, st = ctx.exp.vaal, ctx.vae_images
        self.vae, self.disc = build_vaal(cfg, st.images.shape[1], st.images.shape[-1], st.device)
        aug = ctx.exp.task.augment == "hflip"
        vae_stats = train_vaal(self.vae, None, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                               augment=aug, adversarial=False)
        self.vae.eval()  # frozen: BatchNorm statistics fixed too
        stats = train_discriminator(self.disc, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                                    augment=aug, features=lambda x: self.vae.encode(x)[0])
        self.info = {"vae_trd": vae_stats["vae_trd"], "disc_loss": stats["disc_loss"]}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        scores = discriminator_scores(self.vae, self.disc, ctx.vae_images, ctx.unlabeled_idx, bs)
        self.info.update(separation(discriminator_scores(self.vae, self.disc, ctx.vae_images, ctx.labeled_idx, bs),
                                    scores))
        return lowest(scores, ctx.unlabeled_idx, ctx.budget, ctx.generator)


class VAEWasserstein(Strategy):
    """Ablation "VAE alone" (paper §5.1): the β-VAE trained with Eq. (1) alone, no D; each unlabeled
    image is scored by the 2-Wasserstein distance of its posterior to the labeled set's Gaussian
    (:func:`vaal.wasserstein_to_labeled`), and the farthest are picked."""

    name = "vae_w2"
    label = "VAE alone (W2)"
    color = "darkgoldenrod"
    settings = ("vaal",)
    relative_cost = 2.0
    paper = "VAAL ablation, paper §5.1"

    def fit(self, ctx: Context) -> None:
        cfg, st = ctx.exp.vaal, ctx.vae_images
        self.vae, _ = build_vaal(cfg, st.images.shape[1], st.images.shape[-1], st.device)
        stats = train_vaal(self.vae, None, st, ctx.labeled_idx, ctx.unlabeled_idx, cfg, ctx.generator,
                           augment=ctx.exp.task.augment == "hflip", adversarial=False)
        self.info = {"vae_trd": stats["vae_trd"]}

    def query(self, ctx: Context) -> torch.Tensor:
        bs = ctx.exp.vaal.score_batch_size
        mu_l, lv_l = latents(self.vae, ctx.vae_images, ctx.labeled_idx, bs)
        mu_u, lv_u = latents(self.vae, ctx.vae_images, ctx.unlabeled_idx, bs)
        d = wasserstein_to_labeled(mu_u, lv_u, mu_l, lv_l)
        self.info["mean_w2"] = float(d.mean())
        return highest(d, ctx.unlabeled_idx, ctx.budget, ctx.generator)


REGISTRY: dict[str, type[Strategy]] = {
    "vaal": VAALSampling,
    "random": RandomSampling,
    "random_regularised": RegularisedRandom,
    "vaal_regularised": RegularisedVAAL,
    "coreset_regularised": RegularisedCoreSet,
    "coreset": CoreSet,
    "mc_dropout": MCDropout,
    "dbal": DBAL,
    "ensembles": Ensembles,
    "qbc": QBC,
    "sa": SuggestiveAnnotation,
    "dis_only": DiscriminatorOnly,
    "fixed_vae_dis": FixedVAEDiscriminator,
    "vae_w2": VAEWasserstein,
}


def check_method(name: str) -> None:
    if name not in REGISTRY:
        raise ValueError(f"methods: {name!r} is not a known method; choose from {sorted(REGISTRY)}")


def make_strategy(name: str) -> Strategy:
    check_method(name)
    return REGISTRY[name]()


def check_selection(selected: torch.Tensor, unlabeled_idx: torch.Tensor, budget: int, name: str) -> None:
    """The strategy contract: exactly ``budget`` distinct positions, all from the unlabeled pool."""
    if selected.dim() != 1 or len(selected) != budget:
        raise RuntimeError(f"strategy {name} returned {tuple(selected.shape)} positions, expected ({budget},)")
    if len(torch.unique(selected)) != budget:
        raise RuntimeError(f"strategy {name} returned duplicate positions")
    if not torch.isin(selected, unlabeled_idx).all():
        raise RuntimeError(f"strategy {name} returned positions outside the unlabeled pool")
