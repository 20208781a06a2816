"""The key of a run in the results store (ARCHITECTURE.md §3): a content hash of everything that changes
the run's numbers — the data, task and loop settings, the method, the seed, ``RESULTS_VERSION``, and the
settings sections the method declares (``Strategy.settings``: VAAL's and its ablations' ``vaal``, the
baselines' ``strategies``) — and of nothing that does not (chapter, preset name, paths, device, the list
of other methods), so that two chapters asking for the same run share it. A user's own method
(``package.module:ClassName``) is keyed by its import path and a hash of its module's source."""
from __future__ import annotations

import dataclasses
import hashlib
import json

from . import RESULTS_VERSION
from .config import Experiment
from .data import dataset_version
from .oracle import groups_spec
from .strategies import is_import_path, source_hash, strategy_class


def content_hash(d: dict, digits: int = 16) -> str:
    """The first ``digits`` hex digits of the SHA-1 of ``d`` as sorted JSON (a run key, a settings hash)."""
    return hashlib.sha1(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:digits]


def run_key(exp: Experiment, method: str, seed: int) -> tuple[str, dict]:
    """The 16-hex-digit key of one run (a method, ``"full"`` for the full-data bound, or ``"timing"``)
    and the dict it hashes (stored as the run's ``config.json``)."""
    d = {"data": dataclasses.asdict(exp.data), "task": dataclasses.asdict(exp.task),
         "loop": dataclasses.asdict(exp.loop), "method": method, "seed": int(seed),
         "results_version": RESULTS_VERSION}
    if method == "full":  # the full-data bound has no cycles: only the validation share matters, and the
        # oracle's noise, which the bound's labels carry too (a key only when there is noise, so that
        # the clean bounds keep the keys they were stored under)
        d["loop"] = {"val_fraction": exp.loop.val_fraction}
        if exp.loop.noise_rate:
            d["loop"]["noise_rate"] = exp.loop.noise_rate
    version = dataset_version(exp.data.dataset)
    if version != 1:  # a generated data set whose generator changed (data.register)
        d["data_version"] = version
    if exp.loop.noise_rate:  # which classes the noisy oracle confuses is part of what it answers
        d["noise_groups"] = groups_spec(exp.data.dataset)
    if method not in ("full", "timing"):
        cls = strategy_class(method)
        if is_import_path(method):  # a user's own method: editing its module is a new run
            d["source"] = source_hash(method)
        for section in cls.settings:
            d[section] = dataclasses.asdict(getattr(exp, section))
    return content_hash(d), d
