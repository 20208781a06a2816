"""Configuration: one dataclass per concern with the paper's settings as defaults, and their validation.

The defaults of every dataclass are the paper's settings (section 4 and Algorithm 1), so the ``paper``
preset of a chapter is (almost) empty; the presets themselves and ``resolve`` are :mod:`presets`'. Where the
paper is silent the choice is a field here, with a comment saying what was chosen and why. Every check
runs before any training starts and names the parameter (:func:`validate`). The bottom layer: it imports
nothing from the rest of the package.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class DataConfig:
    dataset: str = "cifar10"
    # None: the whole training split is the pool. An int: a seeded random subset of that size (CPU presets).
    pool_size: Optional[int] = None
    # None: the whole test split. An int: a seeded random subset of that size.
    test_size: Optional[int] = None
    # A validation split for choosing settings (the sweeps in bench/): a seeded subset of the training
    # split *outside* the pool, never the test set. None: none (the active-learning runs need none).
    val_size: Optional[int] = None
    subset_seed: int = 0  # the pool/test subsets are fixed across seeds: seeds vary the AL run, not the data
    image_size: int = 32  # 28×28 inputs are padded to 32×32, 8×8 digits enlarged by pixel replication


OPTIMIZERS = ("adam", "sgd")
COMPUTE_MODES = ("missing", "stored")
SCHEDULES = ("constant", "cosine", "onecycle")


@dataclass
class TaskConfig:
    arch: str = "vgg16"  # vgg16 (BatchNorm, Xavier init; §4.1) | resnet18 (appendix Fig. 6) | drn (§4.2)
    width: float = 1.0  # channel multiplier; 1.0 is the paper's network
    epochs: int = 100  # paper: "Training continues for 100 epochs"; epochs over the labeled set
    # Optimizer steps per cycle: max(min_steps, ceil(epochs × n_labeled / batch_size)). At 1,000 labels and
    # batch 64 a handful of epochs is a few dozen steps, too few to converge; min_steps gives small
    # labeled sets enough steps (0: the paper's epochs alone).
    min_steps: int = 0
    batch_size: int = 64
    optimizer: str = "adam"  # adam (paper: "Adam ... for all modules") | sgd (momentum, Nesterov)
    lr: float = 5e-4  # paper: Adam, 5e-4 for all three modules
    momentum: float = 0.9  # sgd only
    weight_decay: float = 0.0  # paper: not stated. Adam: decoupled (AdamW); sgd: L2 in the update
    # Learning-rate schedule over the cycle's steps: constant (paper: none stated) | cosine (to 0) |
    # onecycle (linear warm-up over the first 10 % of the steps, then cosine to 0)
    schedule: str = "constant"
    augment: str = "hflip"  # paper: random horizontal flips | none
    shift: int = 0  # random translations of up to ± shift pixels on each axis (paper: none)
    dropout: float = 0.5  # VGG16 classifier dropout (torchvision's VGG16 uses 0.5)
    infer_batch_size: int = 1024  # inference batches (scoring, evaluation); segmentation needs smaller


@dataclass
class VAALConfig:
    z_dim: int = 32  # latent 32 for 32×32 inputs (the paper's Table 3 of latent sizes is in its appendix)
    width: float = 1.0  # channel multiplier of the VAE (128-256-512-1024 at 1.0)
    disc_width: int = 512  # 5-layer MLP of width 512 (paper §4.1)
    disc_layers: int = 5
    beta: float = 1.0
    lambda1: float = 1.0  # weight of the transductive VAE term, Eq. (1)
    lambda2: float = 1.0  # weight of the adversarial VAE term, Eq. (2)
    lr_vae: float = 5e-4
    lr_disc: float = 5e-4
    batch_size: int = 64  # labeled and unlabeled batches of this size each
    # Length of Algorithm 1 per cycle, in passes over the unlabeled pool: ⌈passes × n_U / batch_size⌉
    # iterations, each drawing batch_size labeled and batch_size unlabeled samples (paper: 100 epochs).
    # ``iterations``, when set, overrides it with a fixed count (smoke runs and tests).
    passes: float = 100.0
    iterations: Optional[int] = None
    vae_steps: int = 1  # VAE steps per discriminator step: Algorithm 1 says 1, the released code 2
    # How Eq. (1) is put on a scale beside Eq. (2), which is a per-sample mean of BCE terms:
    # "per_sample" (default): squared error summed over pixels and KL summed over the latent, per sample,
    #   averaged over the batch — the negative ELBO per sample, as Eq. (1) reads, so β, λ1 and λ2 keep
    #   their meaning at any batch size; "per_pixel": the same divided by the input dimension (a λ1 of
    #   1/D in disguise; measured here: the adversarial term then dominates and D never separates the
    #   pools); "released": the released code's mean-over-pixels MSE beside a KL summed over batch and
    #   latent (ARCHITECTURE.md §5), kept only to show its effect.
    elbo_scale: str = "per_sample"
    disc_input: str = "mu"  # "mu": the latent mean (the released code) | "z": a reparameterised sample
    score_batch_size: int = 1024  # Algorithm 2 scores the pool in large inference batches
    # The VAE and D see images resized to image_size × image_size (segmentation: the task learner keeps
    # its own resolution, paper §4.2); None: the task's images as they are (square, a multiple of 16).
    image_size: Optional[int] = None


@dataclass
class StrategyConfig:
    """Settings of the baselines (their papers' values as defaults)."""

    mc_passes: int = 10  # MC-Dropout / DBAL: dropout masks per image (paper §5.3: 10)
    members: int = 5  # Ensembles w. VarR (Beluch et al.: 5 models), the QBC committee, SA's bootstrapped FCNs
    sa_candidates: float = 2.0  # SA: the most uncertain sa_candidates × budget go to the representativeness step


# The regularised-Random baseline's recipe (method ``random_regularised``): the task learner's settings with
# the regularisation turned up, as overrides of ``task`` (Munjal et al., CVPR 2022: random sampling with a
# well-regularised learner is hard to beat). The default is the best of bench/sweep_task.py's
# ``--group regularised`` sweep on the book preset's validation split (Fashion-MNIST): random translations
# of ±1 pixel, AdamW's decoupled weight decay 0.05, and twice the steps (30 epochs, at least 1,000 per
# cycle), since augmented images take longer to fit. Not swept at paper scale.


def _regularised_default() -> dict:
    return {"shift": 1, "weight_decay": 0.05, "epochs": 30, "min_steps": 1000}


@dataclass
class RegularisedConfig:
    task: dict = field(default_factory=_regularised_default)  # overrides of TaskConfig's fields


@dataclass
class LoopConfig:
    initial_fraction: float = 0.10  # paper §4: 10 % of the training set, random
    budget_fraction: float = 0.05  # paper §4: 5 % of the training set per cycle
    budget: Optional[int] = None  # an explicit budget in samples overrides budget_fraction
    final_fraction: float = 0.40  # curves at 10, 15, …, 40 %
    val_fraction: float = 0.0  # share of the labeled set held out for model selection (0: none)
    warm_start: bool = False  # paper is silent; models are re-initialised each cycle by default
    bias_missing_classes: int = 0  # §5.2: the initial pool holds no sample of this many random classes
    noise_rate: float = 0.0  # §5.2: share ε of the training set the oracle mislabels within its super-class


@dataclass
class TimingConfig:
    """Sampling-time measurement (timing chapter, paper Table 1)."""

    repeats: int = 5  # the median of this many timed queries …
    warmup: int = 1  # … after this many untimed ones
    # Pool sizes for the growth curve (drawn from the training split); None: 10 %, 20 %, 50 %, 100 % of the pool
    pool_sizes: Optional[list] = None
    scaling_repeats: int = 5


@dataclass
class Experiment:
    """Everything one chapter runs: a list of methods × seeds on one data set."""

    chapter: str = "classification"
    preset: str = "paper"
    data: DataConfig = field(default_factory=DataConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    vaal: VAALConfig = field(default_factory=VAALConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
    strategies: StrategyConfig = field(default_factory=StrategyConfig)
    regularised: RegularisedConfig = field(default_factory=RegularisedConfig)
    timing: TimingConfig = field(default_factory=TimingConfig)
    # Fig. 2's methods in the paper's legend order
    methods: list = field(default_factory=lambda: ["vaal", "coreset", "ensembles", "mc_dropout", "dbal", "random"])
    seeds: list = field(default_factory=lambda: [0, 1, 2, 3, 4])  # paper: 5 runs
    data_root: Optional[str] = None  # None: ~/.cache/vaal/data when it exists, then the system places
    results_dir: str = "results"
    device: str = "auto"
    # Runs side by side: None = one per CPU core on the CPU, one at a time on a GPU (jobs.resolve_workers)
    workers: Optional[int] = None
    # GPU runs: deterministic kernels where PyTorch has them (torch.use_deterministic_algorithms, cuDNN
    # benchmark off), so that a resumed GPU run matches an uninterrupted one, at some cost in speed.
    # CPU runs are deterministic already (one thread per run). Not part of the run key.
    deterministic: bool = False
    # "missing": compute the runs the results store lacks, then read them (every preset, by default).
    # "stored": only read the runs the store has finished, compute nothing — the book preset of a chapter
    # whose committed runs are still being computed (PENDING below), so that `make book` takes minutes; the
    # chapter says how many runs it shows. `python -m vaal_core.catalog compute CHAPTER` computes the rest.
    # Not part of the run key.
    compute: str = "missing"
    # The settings a robustness chapter compares, label → nested overrides of this experiment
    # (e.g. {"b=10%": {"loop": {"budget_fraction": 0.1}}}); {} is the base experiment itself
    variants: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ derived sizes
    def sizes(self, pool_size: int) -> dict:
        """Initial pool, budget and number of cycles for a pool of ``pool_size`` samples."""
        n0 = int(round(self.loop.initial_fraction * pool_size))
        budget = self.loop.budget or int(round(self.loop.budget_fraction * pool_size))
        n_final = int(round(self.loop.final_fraction * pool_size))
        # cycle 0 is the initial pool; then as many budgets as bring the labeled set closest to the final
        # fraction (rounding: 1,347 digits at a 10 % budget reach 270, not 135, for a final 20 % = 269)
        cycles = 1 + max(0, int(math.floor((n_final - n0) / budget + 0.5)))
        return {"initial": n0, "budget": budget, "cycles": cycles}

    def summary(self, pool_size: int) -> str:
        s = self.sizes(pool_size)
        return (f"preset={self.preset} dataset={self.data.dataset} pool={pool_size} initial={s['initial']} "
                f"budget={s['budget']} cycles={s['cycles']} task={self.task.arch}×{self.task.width:g} "
                f"epochs={self.task.epochs} methods={self.methods} seeds={self.seeds} device={self.device}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _from_dict(d: dict) -> Experiment:
    exp = Experiment()
    for name, cls in (("data", DataConfig), ("task", TaskConfig), ("vaal", VAALConfig), ("loop", LoopConfig),
                      ("strategies", StrategyConfig), ("regularised", RegularisedConfig),
                      ("timing", TimingConfig)):
        sub = d.pop(name, {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(sub) - known
        if unknown:
            raise ValueError(f"unknown {name} setting(s) {sorted(unknown)}; known: {sorted(known)}")
        setattr(exp, name, cls(**{**dataclasses.asdict(getattr(exp, name)), **sub}))
    known = {f.name for f in dataclasses.fields(Experiment)}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
    for k, v in d.items():
        setattr(exp, k, v)
    return exp


def with_overrides(exp: Experiment, overrides: dict) -> Experiment:
    """A copy of ``exp`` with nested ``overrides`` applied (a chapter's variants: budgets, noise, …)."""
    d = _merge(exp.to_dict(), overrides)
    return experiment_from_dict(d)


def experiment_from_dict(d: dict) -> Experiment:
    """Rebuild an :class:`Experiment` from :meth:`Experiment.to_dict` (worker processes), validated."""
    exp = _from_dict(copy.deepcopy(d))
    validate(exp)
    return exp


def validate(exp: Experiment) -> None:
    """Check every setting before any training starts; each error names the parameter. The names of
    data sets and methods are checked against their registries by ``loop.prepare`` (config imports
    nothing from the rest of the package)."""
    if not exp.methods:
        raise ValueError("methods is empty: name at least one method")
    if len(set(exp.methods)) != len(exp.methods):
        raise ValueError(f"methods={exp.methods} lists a method twice")
    if not exp.seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in exp.seeds):
        raise ValueError(f"seeds={exp.seeds!r} must be a non-empty list of integers")
    lp = exp.loop
    if not 0 < lp.initial_fraction < 1:
        raise ValueError(f"initial_fraction={lp.initial_fraction} must lie in (0, 1)")
    if not 0 < lp.final_fraction <= 1 or lp.final_fraction < lp.initial_fraction:
        raise ValueError(f"final_fraction={lp.final_fraction} must lie in [initial_fraction, 1]")
    if lp.budget is not None and (not isinstance(lp.budget, int) or lp.budget <= 0):
        raise ValueError(f"budget={lp.budget!r} must be a positive number of samples")
    if lp.budget is None and not 0 < lp.budget_fraction < 1:
        raise ValueError(f"budget_fraction={lp.budget_fraction} must lie in (0, 1)")
    if not isinstance(lp.bias_missing_classes, int) or lp.bias_missing_classes < 0:
        raise ValueError(f"bias_missing_classes={lp.bias_missing_classes!r} must be a non-negative integer")
    if not 0 <= lp.noise_rate < 1:
        raise ValueError(f"noise_rate={lp.noise_rate} must lie in [0, 1)")
    if not 0 <= lp.val_fraction < 1:
        raise ValueError(f"val_fraction={lp.val_fraction} must lie in [0, 1)")
    if exp.data_root is not None and not os.path.isdir(os.path.expanduser(str(exp.data_root))):
        raise ValueError(f"data_root={exp.data_root!r} is not a directory; create it, point it at the "
                         f"data, or leave it None to search the default places")
    if exp.compute not in COMPUTE_MODES:
        raise ValueError(f"compute={exp.compute!r} must be one of {list(COMPUTE_MODES)}")
    if not isinstance(exp.deterministic, bool):
        raise ValueError(f"deterministic={exp.deterministic!r} must be true or false")
    if exp.device not in ("auto", "cpu", "cuda") and not str(exp.device).startswith("cuda:"):
        raise ValueError(f"device={exp.device!r} must be auto, cpu, cuda or cuda:N")
    validate_task(exp.task)
    for name, v in (("vaal batch_size", exp.vaal.batch_size), ("vaal vae_steps", exp.vaal.vae_steps)):
        if not isinstance(v, int) or v <= 0:
            raise ValueError(f"{name}={v!r} must be a positive integer")
    if exp.vaal.width <= 0:
        raise ValueError("vaal width must be positive")
    if exp.vaal.elbo_scale not in ("per_pixel", "per_sample", "released"):
        raise ValueError(f"vaal elbo_scale={exp.vaal.elbo_scale!r} must be per_pixel, per_sample or released")
    if exp.vaal.disc_input not in ("mu", "z"):
        raise ValueError(f"vaal disc_input={exp.vaal.disc_input!r} must be mu or z")
    if exp.vaal.image_size is not None and exp.vaal.image_size % 16:
        raise ValueError(f"vaal image_size={exp.vaal.image_size} must be a multiple of 16 (four stride-2 convs)")
    if exp.data.image_size % 16 and exp.vaal.image_size is None:
        raise ValueError(f"image_size={exp.data.image_size} must be a multiple of 16 (four stride-2 convs), "
                         f"or set vaal image_size")
    st = exp.strategies
    if st.mc_passes < 1 or st.members < 2 or st.sa_candidates < 1:
        raise ValueError("strategies: mc_passes must be ≥ 1, members ≥ 2, sa_candidates ≥ 1")
    t = exp.timing
    if t.repeats < 1 or t.scaling_repeats < 1 or t.warmup < 0:
        raise ValueError("timing repeats and scaling_repeats must be ≥ 1, warmup ≥ 0")
    if t.pool_sizes is not None and (not t.pool_sizes or any(not isinstance(n, int) or n < 20 for n in t.pool_sizes)):
        raise ValueError(f"timing pool_sizes={t.pool_sizes!r} must be a list of integers ≥ 20")
    for name in ("pool_size", "test_size", "val_size"):
        v = getattr(exp.data, name)
        if v is not None and (not isinstance(v, int) or v <= 0):
            raise ValueError(f"{name}={v!r} must be a positive integer or None")


def regularised_task(exp: Experiment) -> TaskConfig:
    """The task learner of the regularised-Random baseline: ``task`` with ``regularised.task`` applied."""
    over = exp.regularised.task
    if not isinstance(over, dict):
        raise ValueError(f"regularised task={over!r} must be a dict of task settings")
    known = {f.name for f in dataclasses.fields(TaskConfig)}
    unknown = set(over) - known
    if unknown:
        raise ValueError(f"regularised task: unknown task setting(s) {sorted(unknown)}; known: {sorted(known)}")
    return dataclasses.replace(exp.task, **over)


def validate_task(t: TaskConfig, name: str = "task") -> None:
    """The checks of one task learner's settings (``task``, or the regularised baseline's)."""
    if t.arch not in ("vgg16", "resnet18", "drn"):
        raise ValueError(f"{name} arch={t.arch!r} must be vgg16, resnet18 or drn")
    if not isinstance(t.shift, int) or isinstance(t.shift, bool) or t.shift < 0:
        raise ValueError(f"{name} shift={t.shift!r} must be a non-negative number of pixels")
    if t.shift and t.arch == "drn":
        raise ValueError(f"{name} shift: translations are for classification; segmentation masks would not follow")
    if t.augment not in ("hflip", "none"):
        raise ValueError(f"{name} augment={t.augment!r} must be hflip or none")
    if t.optimizer not in OPTIMIZERS:
        raise ValueError(f"{name} optimizer={t.optimizer!r} must be one of {list(OPTIMIZERS)}")
    if t.schedule not in SCHEDULES:
        raise ValueError(f"{name} schedule={t.schedule!r} must be one of {list(SCHEDULES)}")
    if not isinstance(t.min_steps, int) or isinstance(t.min_steps, bool) or t.min_steps < 0:
        raise ValueError(f"{name} min_steps={t.min_steps!r} must be a non-negative integer")
    if not t.lr > 0 or t.weight_decay < 0 or not 0 <= t.momentum < 1:
        raise ValueError(f"{name} lr={t.lr!r} must be positive, weight_decay={t.weight_decay!r} "
                         f"non-negative, momentum={t.momentum!r} in [0, 1)")
    for what, v in (("epochs", t.epochs), ("batch_size", t.batch_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ValueError(f"{name} {what}={v!r} must be a positive integer")
    if t.width <= 0:
        raise ValueError(f"{name} width={t.width!r} must be positive")


def validate_sizes(exp: Experiment, pool_size: int) -> dict:
    """Check the budget against an actual pool (after loading the data, before training)."""
    s = exp.sizes(pool_size)
    if s["initial"] < 1:
        raise ValueError(f"initial_fraction={exp.loop.initial_fraction} gives an empty initial pool "
                         f"for a pool of {pool_size}")
    if s["budget"] <= 0:
        raise ValueError(f"budget={s['budget']} must be positive (pool of {pool_size})")
    if s["budget"] > pool_size - s["initial"]:
        raise ValueError(f"budget={s['budget']} is larger than the unlabeled pool "
                         f"({pool_size - s['initial']} samples)")
    if s["initial"] + (s["cycles"] - 1) * s["budget"] > pool_size:
        raise ValueError(f"final_fraction={exp.loop.final_fraction}: {s['cycles'] - 1} budgets of {s['budget']} "
                         f"do not fit in a pool of {pool_size}")
    return s
