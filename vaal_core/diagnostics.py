"""What VAAL's discriminator learns (the diagnostics chapter), from the stored runs and one refit.

- :func:`held_out_fit`: Algorithm 1 on a seed's initial pool with a share of the labeled samples held out
  (D never sees them), so that D's AUC on the samples it trained on can be set beside its AUC on labeled
  samples it never saw: a D that learned the labeled *distribution* separates both from the unlabeled
  pool, a D that memorised its training samples separates only those (the initial pool is a random draw,
  so held-out labeled and unlabeled samples come from one distribution there). ``bench/sweep_vaal.py``
  runs it for every candidate.
- :func:`pick_classes`: the class make-up of each method's picks, read from the stored selections.
- :func:`loss_history`: the loss snapshots of Algorithm 1 that every VAAL run stores per cycle.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from .loop import seed_initial_pool, unlabeled_of
from .metrics import auc
from .results import ResultsStore
from .runtime import derive_seed, seed_everything
from .strategies import Context, VAALSampling
from .vaal import discriminator_scores, latents


@dataclass
class HeldOutFit:
    strategy: VAALSampling  # the trained VAE and D
    seen: torch.Tensor  # labeled pool positions D trained on
    held_out: torch.Tensor  # labeled positions it never saw
    unlabeled: torch.Tensor
    scores: dict  # "seen" / "held_out" / "unlabeled" → D's scores (probability of labeled), CPU
    auc_seen: float
    auc_held_out: float
    picked: torch.Tensor  # the budget Algorithm 2 picks from the unlabeled pool (lowest D first)


def held_out_fit(prep, seed: int, hold_out: float = 0.2) -> HeldOutFit:
    """Train VAAL's VAE and D on seed ``seed``'s initial pool minus ``hold_out`` of it, then score every
    pool sample. ``prep`` is a :func:`loop.prepare`'d experiment (its ``vaal`` settings are used)."""
    exp = prep.exp
    g = seed_everything(derive_seed(seed, "held-out-fit"))
    initial = seed_initial_pool(prep, seed)
    perm = torch.randperm(len(initial), generator=g)
    n_out = int(round(hold_out * len(initial)))
    held, seen = initial[perm[:n_out]], initial[perm[n_out:]]
    unlabeled = unlabeled_of(prep.pool_size, initial)
    ctx = Context(prep.store, seen, unlabeled, prep.sizes["budget"], prep.task, None, exp, g,
                  prep.pool_targets[seen], prep.vae_images)
    strategy = VAALSampling()
    strategy.fit(ctx)
    picked = strategy.query(ctx).cpu()
    bs = exp.vaal.score_batch_size
    scores = {name: discriminator_scores(strategy.vae, strategy.disc, ctx.vae_images, idx, bs).cpu()
              for name, idx in (("seen", seen), ("held_out", held), ("unlabeled", unlabeled))}
    return HeldOutFit(strategy, seen, held, unlabeled, scores, auc(scores["seen"], scores["unlabeled"]),
                      auc(scores["held_out"], scores["unlabeled"]), picked)


def latent_map(fit: HeldOutFit, prep, n_unlabeled: int = 2000, seed: int = 0) -> pd.DataFrame:
    """2-D PCA of the VAE's latent means µ: the labeled samples D saw, the held-out ones, a random
    ``n_unlabeled`` of the unlabeled pool and the picked budget; columns pc1, pc2, group."""
    from sklearn.decomposition import PCA

    g = torch.Generator().manual_seed(seed)
    rest = fit.unlabeled[~torch.isin(fit.unlabeled, fit.picked)]
    rest = rest[torch.randperm(len(rest), generator=g)[:n_unlabeled]]
    groups = {"unlabeled": rest, "labeled (seen by D)": fit.seen, "labeled, held out": fit.held_out,
              "picked by VAAL": fit.picked}
    vae = fit.strategy.vae
    mus = {k: latents(vae, prep.vae_images, v, prep.exp.vaal.score_batch_size)[0].cpu() for k, v in groups.items()}
    pca = PCA(n_components=2, random_state=0).fit(torch.cat(list(mus.values())).numpy())
    frames = [pd.DataFrame(pca.transform(m.numpy()), columns=["pc1", "pc2"]).assign(group=k) for k, m in mus.items()]
    return pd.concat(frames, ignore_index=True)


def pick_classes(rows: pd.DataFrame, store: ResultsStore, pool_targets: torch.Tensor,
                 class_names: list) -> pd.DataFrame:
    """Per method: the share of each class among all its picks (every cycle and seed) and the entropy of
    that make-up in bits (log2 of the class count for a uniform one)."""
    out = {}
    for method, g in rows[rows["method"] != "full"].groupby("method"):
        picks = [p for key in g["key"].unique() for sel in store.selections(key).values() for p in sel]
        if not picks:
            continue
        counts = torch.bincount(pool_targets[torch.tensor(picks)], minlength=len(class_names)).double()
        out[method] = (counts / counts.sum()).tolist()
    t = pd.DataFrame(out, index=class_names)
    ent = -(t * t.where(t > 0, 1.0).map(math.log2)).sum()
    t.loc["entropy (bits)"] = ent
    return t


def loss_history(rows: pd.DataFrame, store: ResultsStore, method: str = "vaal") -> pd.DataFrame:
    """Every stored loss snapshot of ``method``'s runs: seed, cycle, iteration, trd, adv, disc."""
    frames = []
    for key, g in rows[rows["method"] == method].groupby("key"):
        seed = int(g["seed"].iloc[0])
        for cycle, hist in store.history(key).items():
            frames.append(pd.DataFrame(hist).assign(seed=seed, cycle=int(cycle)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
