"""Sampling strategies: one interface for VAAL and every baseline, independent of the task (:mod:`.base`).

One module per family, each method one class registered by :func:`register` with its name, label, colour,
paper, cost, the settings its numbers depend on and the chapters it appears in:

- :mod:`.adversarial`: VAAL, VAAL beside the regularised learner, the ablations of Fig. 4;
- :mod:`.coreset`: Core-set (and beside the regularised learner);
- :mod:`.committees`: Ensembles w. VarR, QBC;
- :mod:`.uncertainty`: MC-Dropout, DBAL;
- :mod:`.segmentation`: Suggestive Annotation;
- :mod:`.random_sampling`: Random, and beside the regularised learner;
- :mod:`.acquisition`: the acquisition rules as pure functions on tensors.

The registration order is the order of every chapter's method list (VAAL first, Random last). A method of
your own needs no registration: ``methods: ["vaal", "random", "mymodule:MyStrategy"]``
(:func:`strategy_class`; the book's page "Add your own method").
"""
from . import adversarial, coreset, committees, uncertainty, segmentation, random_sampling  # noqa: F401, I001
from .adversarial import (
    DiscriminatorOnly,
    FixedVAEDiscriminator,
    RegularisedVAAL,
    VAALSampling,
    VAEWasserstein,
)
from .base import (
    REGISTRY,
    RegularisedLearner,
    Context,
    Strategy,
    check_method,
    check_selection,
    highest,
    import_root,
    is_import_path,
    make_strategy,
    methods_for,
    per_sample,
    register,
    separation,
    source_hash,
    strategy_class,
    style,
)
from .acquisition import js_divergence, predictive_entropy, variation_ratio
from .committees import QBC, Ensembles, train_members
from .coreset import CoreSet, RegularisedCoreSet, k_center_greedy
from .random_sampling import RandomSampling, RegularisedRandom
from .segmentation import SuggestiveAnnotation, max_cover
from .uncertainty import DBAL, MCDropout
from ..vaal import lowest

__all__ = ["DBAL", "QBC", "REGISTRY", "Context", "CoreSet", "DiscriminatorOnly", "Ensembles",
           "FixedVAEDiscriminator", "MCDropout", "RandomSampling", "RegularisedCoreSet", "RegularisedLearner",
           "RegularisedRandom", "RegularisedVAAL", "Strategy", "SuggestiveAnnotation", "VAALSampling",
           "VAEWasserstein", "check_method", "check_selection", "highest", "import_root", "is_import_path",
           "js_divergence", "k_center_greedy", "lowest", "make_strategy", "max_cover", "methods_for", "per_sample",
           "predictive_entropy", "register", "separation", "source_hash", "strategy_class", "style", "train_members",
           "variation_ratio"]
