"""The one interface of every sampling method, the registry of the book's methods, and methods brought in
from a user's own file.

A strategy gets a :class:`Context` (the pool on the device, the labeled and unlabeled pool positions, the
budget, the task and its model trained this cycle) and returns exactly ``budget`` distinct positions taken
from ``unlabeled_idx``; the loop checks that contract after every call (:func:`check_selection`).

Each strategy has two phases: :meth:`Strategy.fit` trains whatever the sampler needs beyond the task model
(VAAL's VAE and discriminator, the extra members of an ensemble) and :meth:`Strategy.query` picks the
budget. The paper's Table 1 times the query; the loop records both.

A method of the book is one class in one module of this package, registered by :func:`register` with its
name, label, colour, paper, cost and the settings its numbers depend on. A method of a user's own is a
:class:`Strategy` subclass in any importable module, named in ``methods`` by its import path
``package.module:ClassName`` (:func:`strategy_class`).
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch
from torch import nn

from ..config import Experiment, regularised_task
from ..metrics import auc
from ..runtime import ImageStore
from ..vaal import lowest


@dataclass
class Context:
    store: ImageStore  # pool images on the device
    labeled_idx: torch.Tensor  # (n_L,) int64 pool positions, CPU
    unlabeled_idx: torch.Tensor  # (n_U,) int64 pool positions, CPU
    budget: int
    task: object  # a task.Task: .build(), .fit(), .mc_scores(), .member_scores(), .embed(), .logits()
    task_model: Optional[nn.Module]  # trained on the labeled set this cycle
    exp: Experiment
    generator: torch.Generator  # seeded per (seed, cycle): every random draw goes through it
    labels: Optional[torch.Tensor] = None  # oracle labels of labeled_idx (ensembles train on them)
    vae_images: Optional[ImageStore] = None  # the pool as the VAE sees it (resized); None: ``store`` itself

    def __post_init__(self):
        if self.vae_images is None:
            self.vae_images = self.store


class Strategy:
    """Base class. ``info`` holds what the last call measured (losses, scores), for the results.

    A subclass declares ``settings``: the config sections besides data, task and loop that its numbers
    depend on (``()`` when none). They enter its run key (``keys.run_key``), so that its stored runs are
    never reused after one of them changes. ``label``, ``color`` and ``relative_cost`` are optional for a
    user's own method (its class name, matplotlib's next colour, 1)."""

    name = ""  # the id a papermill user types in ``methods``
    label = ""  # the name tables and legends show
    color = None  # its colour, the same in every chapter
    relative_cost = 1.0  # a run's rough cost against Random's, so the longest runs start first
    paper = ""
    cost = ""  # in forward passes over the unlabeled pool, for the docs and the timing chapter

    def __init__(self):
        self.info: dict = {}
        self.history: Optional[list] = None  # loss snapshots of the sampler's own training, when it has one

    def task_config(self, exp: Experiment):
        """The task learner's settings this method trains with: ``exp.task``, except for a method defined
        by its learner (the regularised ones)."""
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


class RegularisedLearner:
    """Mixin of the methods that train the regularised task learner (``regularised.task``, Munjal et al.'s
    strong baseline learner) instead of ``task``: put it first among the bases, and list "regularised" in
    the method's ``settings``."""

    def task_config(self, exp: Experiment):
        return regularised_task(exp)


# ---------------------------------------------------------------------------------------------- the registry

REGISTRY: dict[str, type[Strategy]] = {}
_REQUIRED = object()
_SECTIONS = ("vaal", "strategies", "regularised", "timing")  # Experiment's sections outside every key


def register(name: str, *, label: str, color: str, settings=_REQUIRED, chapters: tuple = (), paper: str = "",
             cost: str = "", relative_cost: float = 1.0):
    """Class decorator: the book's method ``name`` (what a user types in ``methods``), its display label
    and colour, the config ``settings`` sections its numbers depend on (required: ``()`` when none, e.g.
    Random's; ``("vaal",)`` for VAAL), the ``chapters`` whose book preset runs it (:func:`methods_for`),
    its paper, its cost in passes over the pool and its run's rough cost against Random's (scheduling)."""
    if settings is _REQUIRED:
        raise TypeError(f"register({name!r}): declare settings=(...), the config sections besides data, task "
                        f"and loop that the method's numbers depend on (e.g. ('vaal',) or ('strategies',); "
                        f"() when none), so that its stored runs are keyed by them")
    if not isinstance(settings, tuple) or not all(s in _SECTIONS for s in settings):
        raise TypeError(f"register({name!r}): settings={settings!r} must be a tuple of config sections "
                        f"among {sorted(_SECTIONS)}")

    def deco(cls):
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"register({name!r}) decorates a Strategy subclass, not {cls!r}")
        if name in REGISTRY:
            raise ValueError(f"method {name!r} is registered twice ({REGISTRY[name].__name__}, {cls.__name__})")
        cls.name, cls.label, cls.color, cls.settings, cls.chapters = name, label, color, settings, tuple(chapters)
        cls.paper, cls.cost, cls.relative_cost = paper, cost, relative_cost
        REGISTRY[name] = cls
        return cls

    return deco



def methods_for(chapter: str) -> list[str]:
    """The registered methods a chapter runs, in registration order (VAAL first, Random last)."""
    return [name for name, cls in REGISTRY.items() if chapter in cls.chapters]


def is_import_path(name: str) -> bool:
    """``package.module:ClassName``: a user's own method rather than a registered name."""
    return ":" in name


def strategy_class(name: str) -> type[Strategy]:
    """The class of method ``name``: a registered one, or the :class:`Strategy` subclass an import path
    ``package.module:ClassName`` names (imported; every error names the parameter ``methods``)."""
    if name in REGISTRY:
        return REGISTRY[name]
    if not is_import_path(name):
        raise ValueError(f"methods: {name!r} is not a known method; choose from {sorted(REGISTRY)}, or give "
                         f"the import path 'package.module:ClassName' of a vaal_core.strategies.Strategy subclass")
    module_name, _, attr = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ValueError(f"methods: {name!r}: module {module_name!r} does not import ({e}); put the file on "
                         f"the Python path (beside the notebook, or in PYTHONPATH)") from e
    cls = getattr(module, attr, None)
    if cls is None:
        raise ValueError(f"methods: {name!r}: module {module_name!r} has no {attr!r}")
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ValueError(f"methods: {name!r} is {cls!r}, not a subclass of vaal_core.strategies.Strategy")
    if cls.query is Strategy.query:
        raise ValueError(f"methods: {name!r} does not implement query(ctx), which returns ctx.budget distinct "
                         f"positions from ctx.unlabeled_idx")
    if not isinstance(getattr(cls, "settings", None), tuple):
        raise ValueError(f"methods: {name!r} must declare settings = (...), the config sections besides data, "
                         f"task and loop its numbers depend on (() when none), e.g. settings = ('strategies',)")
    return cls


def source_hash(name: str) -> str:
    """A hash of the source of the module that defines a user's method (its run key holds it, so that an
    edited method never reuses its old rows)."""
    module = sys.modules[strategy_class(name).__module__]
    return hashlib.sha1(inspect.getsource(module).encode()).hexdigest()[:16]


def import_root(name: str) -> Optional[str]:
    """The folder that must be on the Python path for a user's method to import (worker processes get it);
    None for a registered method."""
    if not is_import_path(name):
        return None
    module_name = name.partition(":")[0]
    path = Path(inspect.getfile(sys.modules[strategy_class(name).__module__])).resolve()
    depth = module_name.count(".") + (path.name == "__init__.py")
    return str(path.parents[depth])


def style(name: str) -> tuple[str, Optional[str]]:
    """(label, colour) of a method for tables and legends; a user's method: its ``label`` or class name."""
    if name in REGISTRY:
        return REGISTRY[name].label, REGISTRY[name].color
    if is_import_path(name):
        try:
            cls = strategy_class(name)
        except ValueError:
            return name, None
        return cls.label or cls.__name__, cls.color
    return name, None


def check_method(name: str) -> None:
    strategy_class(name)


def make_strategy(name: str) -> Strategy:
    return strategy_class(name)()


def check_selection(selected, unlabeled_idx: torch.Tensor, budget: int, name: str) -> None:
    """The strategy contract: exactly ``budget`` distinct integer positions, all from the unlabeled pool."""
    if not isinstance(selected, torch.Tensor):
        raise RuntimeError(f"strategy {name} returned {type(selected).__name__}, expected a 1-D tensor of pool "
                           f"positions")
    if selected.dtype.is_floating_point or selected.dtype == torch.bool:
        raise RuntimeError(f"strategy {name} returned {selected.dtype} values, expected integer pool positions")
    if selected.dim() != 1 or len(selected) != budget:
        raise RuntimeError(f"strategy {name} returned {tuple(selected.shape)} positions, expected ({budget},)")
    if len(torch.unique(selected)) != budget:
        raise RuntimeError(f"strategy {name} returned duplicate positions")
    if not torch.isin(selected, unlabeled_idx).all():
        raise RuntimeError(f"strategy {name} returned positions outside the unlabeled pool")


# ---------------------------------------------------------------------------------------------- shared helpers

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


def per_sample(score: torch.Tensor) -> torch.Tensor:
    """Average a per-element score (n, *spatial) to one value per sample (segmentation: per image)."""
    return score.flatten(1).mean(dim=1) if score.dim() > 1 else score
