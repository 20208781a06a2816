"""The sweep that chose the book preset's VAAL settings: ``python -m bench.sweep_vaal``.

On the classification book preset's pool and initial labeled pools (seeds 0 and 1), for each candidate
(λ2 and the passes over the unlabeled pool; the VAE sees the task learner's 32×32 images): train the
β-VAE and the discriminator (Algorithm 1) with a fifth of the initial labeled pool held out, then measure
- D's AUC at telling the labeled samples it trained on from the unlabeled pool ("seen"), and the held-out
  labeled samples from the unlabeled pool ("held out": the initial pool is a random draw, so a D that
  learned a distribution rather than memorised samples scores ~0.5 there);
- the final loss terms (L_trd = Eq. (1), L_adv = Eq. (2));
- the validation accuracy (a split of the training set outside the pool, never the test set) of the book's
  task learner trained on the initial pool plus the budget VAAL picks, beside Random's picks;
- the seconds Algorithm 1 took.
Writes ``results/tables/sweep-vaal/sweep.csv`` (read by the classification chapter), one row per job.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import time
from pathlib import Path

import pandas as pd
import torch

# label → vaal overrides on the book preset ("random" picks at random: the reference). The VAE sees the
# task learner's 32×32 images in every candidate.
CANDIDATES = {
    "random": None,
    "λ2=1, 5 passes": {"image_size": None, "lambda2": 1.0, "passes": 5},
    "λ2=10, 2 passes": {"image_size": None, "lambda2": 10.0, "passes": 2},
    "λ2=10, 5 passes": {"image_size": None, "lambda2": 10.0, "passes": 5},
    "λ2=10, 10 passes": {"image_size": None, "lambda2": 10.0, "passes": 10},
    "λ2=100, 5 passes": {"image_size": None, "lambda2": 100.0, "passes": 5},
    # the released code's choices (ARCHITECTURE.md §5), each one switch on top of λ2=10, 5 passes
    "released: ELBO scale": {"image_size": None, "lambda2": 10.0, "passes": 5, "elbo_scale": "released"},
    "released: 2 VAE steps per D step": {"image_size": None, "lambda2": 10.0, "passes": 5, "vae_steps": 2},
    "released: 3-layer D": {"image_size": None, "lambda2": 10.0, "passes": 5, "disc_layers": 3},
}
VAL_SIZE = 5000
HOLD_OUT = 0.2
OUT = "results/tables/sweep-vaal/sweep.csv"


def _job(label: str, seed: int) -> dict:
    torch.set_num_threads(1)
    from vaal_core import config, loop, presets
    from vaal_core.diagnostics import held_out_fit
    from vaal_core.runtime import derive_seed, seed_everything
    from vaal_core.strategies import Context, RandomSampling

    exp = presets.resolve("classification", "book", overrides={"data": {"val_size": VAL_SIZE}})
    if CANDIDATES[label]:
        exp = config.with_overrides(exp, {"vaal": CANDIDATES[label]})
    prep = loop.prepare(exp)
    initial = loop.seed_initial_pool(prep, seed)
    row = {"candidate": label, "seed": seed}
    t0 = time.perf_counter()
    if CANDIDATES[label] is None:
        g = seed_everything(derive_seed(seed, "sweep-vaal-random"))
        ctx = Context(prep.store, initial, loop.unlabeled_of(prep.pool_size, initial), prep.sizes["budget"],
                      prep.task, None, exp, g)
        picked = RandomSampling().query(ctx)
    else:
        fit = held_out_fit(prep, seed, HOLD_OUT)
        row["fit_s"] = time.perf_counter() - t0
        picked = fit.picked
        info = fit.strategy.info
        row.update(iterations=info["iterations"], auc_seen=fit.auc_seen, auc_held_out=fit.auc_held_out,
                   d_labeled=float(fit.scores["seen"].mean()), d_unlabeled=float(fit.scores["unlabeled"].mean()),
                   l_trd=info["vae_trd"], l_adv=info["vae_adv"])
    labeled = torch.cat([initial, picked.cpu()])
    tg = seed_everything(derive_seed(seed, "sweep-vaal-task"))
    model = prep.task.build(prep.device)
    prep.task.fit(model, prep.store, labeled, prep.pool_targets[labeled], tg)
    row["val_accuracy"] = prep.task.evaluate(model, prep.val_store, prep.val_targets)["accuracy"]
    row["n_labeled"] = len(labeled)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    # the longest jobs first, so the workers drain evenly
    def cost(job):
        return (CANDIDATES[job[0]] or {}).get("passes", 0)

    jobs = sorted(((c, s) for c in CANDIDATES for s in args.seeds), key=cost, reverse=True)
    rows = []
    with cf.ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for f in cf.as_completed([pool.submit(_job, *j) for j in jobs]):
            r = f.result()
            rows.append(r)
            print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
    from vaal_core.results import atomic_write_text

    df = pd.DataFrame(rows).sort_values(["candidate", "seed"])
    atomic_write_text(Path(args.out), df.to_csv(index=False))
    from vaal_core import findings

    print(findings.vaal_sweep_table(df).round(2).to_string())


if __name__ == "__main__":
    main()
