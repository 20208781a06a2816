"""The noisy oracle's super-classes for Fashion-MNIST, by measured confusion: ``python -m bench.noise_groups``.

The paper's noisy oracle (§5.2) mislabels within CIFAR-100's super-classes, "classes that are meaningful to
be mislabeled by a human labeler". Fashion-MNIST has none. This script measures which classes a learner
actually confuses: the book preset's VGG16 trained on the whole pool (clean labels, one run per seed),
evaluated on the validation split outside the pool (never the test set); the confusion matrices of the
seeds are summed and grouped by :func:`vaal_core.oracle.groups_by_confusion`. Writes
``results/tables/noise-groups/confusion.csv`` (true class × predicted class, counts) and ``groups.csv``,
which the noise chapter reads; ``vaal_core.oracle.FASHION_GROUPS`` holds the groups it printed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

OUT = Path("results/tables/noise-groups")
VAL_SIZE = 5000


def confusion(seed: int) -> torch.Tensor:
    """(K, K) counts on the validation split of the full-pool learner trained from ``seed``."""
    from vaal_core import loop, presets
    from vaal_core.metrics import confusion_matrix
    from vaal_core.runtime import derive_seed, seed_everything

    exp = presets.resolve("classification", "book", overrides={"data": {"val_size": VAL_SIZE}})
    prep = loop.prepare(exp)
    g = seed_everything(derive_seed(seed, "full"))
    model = prep.task.build(prep.device)
    prep.task.fit(model, prep.store, torch.arange(prep.pool_size), prep.pool_targets, g)
    pred = prep.task.logits(model, prep.val_store).argmax(dim=1)
    return confusion_matrix(pred, prep.val_targets, prep.dataset.num_classes), prep.dataset.class_names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    from vaal_core.oracle import groups_by_confusion
    from vaal_core.results import atomic_write_text

    total, names = None, None
    for s in args.seeds:
        cm, names = confusion(s)
        total = cm if total is None else total + cm
        print(f"seed {s}: validation accuracy {100 * cm.diag().sum().item() / cm.sum().item():.2f} %", flush=True)
    groups = groups_by_confusion(total)
    cm = pd.DataFrame(total.numpy(), index=names, columns=names)
    cm.index.name = "true class"
    atomic_write_text(OUT / "confusion.csv", cm.to_csv())
    g = pd.DataFrame([{"group": i, "class id": k, "class": names[k]} for i, grp in enumerate(groups) for k in grp])
    atomic_write_text(OUT / "groups.csv", g.to_csv(index=False))
    print(cm.to_string())
    for grp in groups:
        print([names[k] for k in grp], grp)


if __name__ == "__main__":
    main()
