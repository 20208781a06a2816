"""What a chapter ran, where and how long: its settings, the provenance of its stored rows, the
environment, and links to every run's files (the "How this was computed" sections)."""
from __future__ import annotations

import platform

import pandas as pd
import torch

from . import __version__
from .config import Experiment, regularised_task
from .plots import method_label
from .presets import REGULARISED_METHODS
from .results import git_commit


def _learner(t) -> str:
    return (f"{t.arch} × width {t.width:g}, dropout {t.dropout:g}, {t.optimizer} {t.lr:g} ({t.schedule} schedule, "
            f"weight decay {t.weight_decay:g}), batch {t.batch_size}, {t.epochs} epochs and at least "
            f"{t.min_steps} steps per cycle, augment {t.augment}" + (f" + shifts of ±{t.shift} px" if t.shift else ""))


def settings_table(exp: Experiment, prep) -> pd.DataFrame:
    """What this chapter ran: the resolved settings that matter for reading the numbers."""
    s = prep.sizes
    rows = [
        ("preset", exp.preset),
        ("data set", prep.dataset.describe()),
        ("pool (training set of the active learner)", f"{prep.pool_size} images"
         + (" (seeded subset)" if exp.data.pool_size else "")),
        ("test set", f"{len(prep.test_targets)} images"),
        ("initial labeled pool / budget per cycle", f"{s['initial']} / {s['budget']} "
         f"({100 * exp.loop.initial_fraction:g} % / {100 * s['budget'] / prep.pool_size:.2f} % of the pool)"),
        ("cycles", f"{s['cycles']} (to {100 * exp.loop.final_fraction:g} %)"),
        ("task learner", _learner(exp.task)),
        ("β-VAE / discriminator", f"width {exp.vaal.width:g}, latent {exp.vaal.z_dim}, D {exp.vaal.disc_layers}"
         f"×{exp.vaal.disc_width}, β={exp.vaal.beta:g}, λ1={exp.vaal.lambda1:g}, λ2={exp.vaal.lambda2:g}, "
         f"Adam {exp.vaal.lr_vae:g}/{exp.vaal.lr_disc:g}, "
         + (f"{exp.vaal.iterations} iterations" if exp.vaal.iterations
            else f"{exp.vaal.passes:g} passes over the unlabeled pool")
         + f", VAE input {exp.vaal.image_size or exp.data.image_size}×{exp.vaal.image_size or exp.data.image_size}"
         + f", {exp.vaal.vae_steps} VAE step(s) per D step, ELBO scale {exp.vaal.elbo_scale}"),
        ("baselines", f"{exp.strategies.mc_passes} MC-dropout passes, committees/ensembles of "
                      f"{exp.strategies.members}, SA candidates {exp.strategies.sa_candidates:g} × budget"),
        ("methods × seeds", f"{exp.methods} × {exp.seeds}"),
    ]
    if set(REGULARISED_METHODS) & set(exp.methods):
        rows.insert(7, ("task learner of the regularised Random", _learner(regularised_task(exp))))
    return pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting")


def provenance_table(df: pd.DataFrame) -> pd.DataFrame:
    """Where and by what the stored rows were computed, and how long they took (sum of cycle times)."""
    d = df.drop_duplicates(subset=["key", "cycle"])
    # numerics: runtime.numerics_fingerprint of the machine (rows stored before it was recorded lack it)
    d = d.assign(numerics=d["numerics"].fillna("not recorded") if "numerics" in d else "not recorded")
    g = d.groupby("method").agg(runs=("key", "nunique"), compute_s=("wall_s", "sum"),
                                select_s=("select_s", "sum"), device=("device", lambda v: ", ".join(sorted(set(v)))),
                                numerics=("numerics", lambda v: ", ".join(sorted(set(map(str, v))))),
                                commit=("git_commit", lambda v: ", ".join(sorted(set(map(str, v))))),
                                vaal_core=("vaal_core_version", lambda v: ", ".join(sorted(set(map(str, v))))))
    g.index = [method_label(m) if m != "full" else "full data" for m in g.index]
    g["compute_s"] = g["compute_s"].round(1)
    g["select_s"] = g["select_s"].round(1)
    return g


def environment_line() -> str:
    return (f"vaal_core {__version__}, commit {git_commit()}, torch {torch.__version__}, "
            f"Python {platform.python_version()}, {platform.machine()}, {torch.get_num_threads()} CPU threads"
            + (f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"))


def downloads(progress: pd.DataFrame, results_dir: str = "results") -> str:
    """A MyST table of every finished run a page read (each once), with download links to its ``rows.csv``
    and ``released.json`` (paths from book/chapters/, where the pages live)."""
    p = progress[progress["finished"]].drop_duplicates("key")
    lines = ["| setting | method | seed | key | rows | picks |", "|---|---|---|---|---|---|"]
    for r in p.itertuples():
        base = f"../../{results_dir}/runs/{r.key}"
        picks = f"{{download}}`released.json <{base}/released.json>`" if r.method != "full" else "—"
        lines.append(f"| {r.variant or '—'} | {method_label(r.method) if r.method != 'full' else 'full data'} | "
                     f"{r.seed} | `{r.key}` | {{download}}`rows.csv <{base}/rows.csv>` | {picks} |")
    return "\n".join(lines)
