"""D's AUC on held-out labeled images for each VAE of the capacity check: ``python -m bench.capacity``.

The diagnostics chapter's capacity section compares VAAL with the book's VAE, a VAE twice as wide and 4×
the passes of Algorithm 1 (``presets.PRESETS["capacity"]``). D's AUC on the pool is stored with every run;
whether D learned the labeled *distribution* needs labeled images it never saw: for each setting and seed,
one refit of Algorithm 1 on the seed's initial pool with a fifth of it held out
(:func:`vaal_core.diagnostics.held_out_fit`). Writes ``results/tables/capacity/heldout.csv``.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd
import torch

OUT = Path("results/tables/capacity/heldout.csv")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    from vaal_core import config, diagnostics, loop, presets
    from vaal_core.results import atomic_write_text

    exp = presets.resolve("capacity", "book")
    prep = loop.prepare(exp)
    rows = []
    for label, over in exp.variants.items():
        variant = dataclasses.replace(prep, exp=config.with_overrides(exp, over) if over else exp)
        for seed in args.seeds:
            fit = diagnostics.held_out_fit(variant, seed)
            rows.append({"setting": label, "seed": seed, "auc_seen": fit.auc_seen, "auc_held_out": fit.auc_held_out})
            print(f"{label:<22} seed {seed}: AUC seen {fit.auc_seen:.3f}, held out {fit.auc_held_out:.3f}", flush=True)
    atomic_write_text(OUT, pd.DataFrame(rows).to_csv(index=False))


if __name__ == "__main__":
    main()
