"""The paper's claims as a declarative table, and the rule that turns this book's numbers into a verdict.

Each :class:`Claim` quotes the paper's sentence verbatim (section, figure; "…" where the text extracted
from the PDF interleaves a figure, "[…]" for a citation number), names the setting of this book
that tests it (a chapter and its variants), and lists the :class:`Comparison` s the sentence makes — as the
paper words it: "outperforms" is a difference above 0, "on par" / "comparable" / "does not affect" is an
equivalence, "similar or worse" an upper bound. The reproduction report (:mod:`reproduction`) computes
every comparison from the stored runs and renders this table, each row linked to the chapter section and
the figure that carry its evidence.

**The rule.** Every comparison is a paired difference over seeds (the seeds share their initial labeled
pool), with a 95 % Student-t interval [lo, hi] (:mod:`stats`):

- ``greater`` (A outperforms B): **supported** when lo > 0, **contradicted** when hi < 0, else
  **inconclusive at this scale**;
- ``equivalent`` (A on par with B): **supported** when the whole interval lies inside ±δ, **contradicted**
  when it lies wholly outside (lo > δ or hi < −δ), else inconclusive — two one-sided tests at the 95 % level;
- ``at_most`` (A similar to or worse than B): **supported** when hi < δ, **contradicted** when lo > δ.

δ = :data:`MARGIN` = 1 AUBC point: the smallest margin the paper itself calls a win ("VAAL consistently
outperforms all baselines by an average margin of ... 1.01% from ... Core-set", §4.1, Caltech-256), so a
difference the paper would not call a win either way is "on par". A claim of several comparisons ("VAAL
outperforms random sampling, DBAL, and MC-Dropout") is supported only when every one is, contradicted when
any one is, inconclusive otherwise. A claim whose runs are not all finished is **not measured yet**; one
that the book's data cannot test (it has one 10-class data set) is **not testable here**, with the reason.
Table 1's speed claim compares the timed queries themselves (:func:`faster`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pandas as pd

SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive at this scale"
NOT_MEASURED, NOT_TESTABLE = "not measured yet", "not testable here"
VERDICTS = (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_MEASURED, NOT_TESTABLE)
MARGIN = 1.0  # δ of the equivalence rules, in AUBC points (see the module docstring)
RULES = ("greater", "equivalent", "at_most")


def verdict(low: float, high: float, rule: str = "greater", margin: float = MARGIN) -> str:
    """The verdict of a paired difference whose 95 % interval is [low, high] (NaN: one seed, no interval)."""
    if rule not in RULES:
        raise ValueError(f"rule={rule!r} must be one of {RULES}")
    if pd.isna(low) or pd.isna(high):
        return INCONCLUSIVE
    if rule == "greater":
        return SUPPORTED if low > 0 else CONTRADICTED if high < 0 else INCONCLUSIVE
    if rule == "equivalent":
        if -margin < low and high < margin:
            return SUPPORTED
        return CONTRADICTED if low > margin or high < -margin else INCONCLUSIVE
    return SUPPORTED if high < margin else CONTRADICTED if low > margin else INCONCLUSIVE


def combine(verdicts: list[str]) -> str:
    """A claim of several comparisons: supported only when all are, contradicted when any is."""
    if not verdicts or NOT_MEASURED in verdicts:
        return NOT_MEASURED
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    return SUPPORTED if all(v == SUPPORTED for v in verdicts) else INCONCLUSIVE


@dataclass(frozen=True)
class Comparison:
    """A − B in one measure, paired by seed. ``variant``/``variant_b``: the chapter variants A and B are
    taken from (B's defaults to A's). Measures (:func:`reproduction.per_seed`):

    - ``aubc``: the area under the budget curve over the fractions both have (``above``: only those above
      it, as the paper's "for data ratios above 15 %");
    - ``gap``: (A − B at ``variant``) − (A − B at ``variant_b``), in AUBC points: whether a setting changes
      the gap between two methods;
    - ``missing``: labeled samples of the classes the biased initial pool left out, at the last cycle;
    - ``labels``: labels B needs minus labels A needs to reach ``target`` (positive: A needs fewer).
    """

    a: str
    b: str
    rule: str = "greater"
    measure: str = "aubc"
    variant: str = ""
    variant_b: Optional[str] = None
    above: Optional[float] = None
    target: Optional[str] = None  # labels: "A at 25%": A's mean accuracy at 25 % of the pool

    @property
    def other_variant(self) -> str:
        return self.variant if self.variant_b is None else self.variant_b


@dataclass(frozen=True)
class Claim:
    id: str
    title: str  # a short name of the claim, for the book's summaries
    where: str  # the paper's section and figure
    quote: str  # verbatim from the paper's text
    chapter: str  # the book's chapter whose runs test it
    reading: str  # how the book reads it (what is compared, and why)
    comparisons: tuple = ()
    figure: str = ""  # the chapter's figure that shows the evidence (its label)
    section: str = ""  # the chapter's section (its MyST target)
    untestable: str = ""  # why the book's data cannot test it (then comparisons is empty)
    unit: str = "AUBC points"
    extra: dict = field(default_factory=dict)


def _vs(a: str, others: list, **kw) -> tuple:
    return tuple(Comparison(a, b, **kw) for b in others)


CLAIMS: tuple[Claim, ...] = (
    Claim("fig2-cifar10", "VAAL beats Random, DBAL, MC-Dropout and Ensembles and is on par with Core-set (Fig. 2)",
          "§4.1, Fig. 2 (CIFAR-10)",
          "Comparing the mean accuracy values for data ratios above 15% shows that VAAL evidently outperforms "
          "random sampling, DBAL, and MC-Dropout while beating Ensembles by a smaller margin and becoming "
          "onpar with Core-set.",
          "classification",
          "Fashion-MNIST has CIFAR-10's 10 classes. Five comparisons of AUBC over the fractions above 15 %: "
          "VAAL above Random, DBAL, MC-Dropout and Ensembles, and within ±1 point of Core-set.",
          (*_vs("vaal", ["random", "dbal", "mc_dropout", "ensembles"], above=0.15),
           Comparison("vaal", "coreset", "equivalent", above=0.15)),
          figure="fig-cls-paired", section="cls-paired"),
    Claim("labels-to-reach", "VAAL needs the fewest labels to reach a given accuracy (§4.1)",
          "§4.1, Fig. 2 (Caltech-256)",
          "By looking at the number of labels required to reach a fixed performance, for instance, 83.6%, VAAL "
          "needs 25% of data (7651 images) to be labeled whereas this number is approximately 9200 and 9500 "
          "for Core-set and Ensemble w. VarR, respectively. Random sampling, DBAL, and MC-Dropout all need "
          "more than 12200 images.",
          "classification",
          "The paper's target is VAAL's own accuracy at 25 % of the data; ours is VAAL's mean accuracy at 25 % "
          "of the pool. Per seed, the labels each baseline needs to reach it minus VAAL's (linear "
          "interpolation), above 0 for each of the five.",
          _vs("vaal", ["coreset", "ensembles", "random", "dbal", "mc_dropout"], measure="labels",
              target="vaal@0.25"),
          figure="fig-cls-curves", section="cls-reach", unit="labels"),
    Claim("fewer-classes", "Core-set is more effective with fewer classes (§4.1)", "§4.1, Fig. 2",
          "The theoretical analysis shown in […] confirms that Core-set is more effective when fewer classes "
          "are present due to the negative impact of high dimensionality on p-norms in the Core-set method.",
          "classification",
          "A trend over the number of classes (10, 100, 256 in the paper).",
          untestable="the book runs one 10-class data set (Fashion-MNIST); a trend over the number of classes "
                     "needs several"),
    Claim("fig3-segmentation", "VAAL has the highest mIoU in segmentation (Fig. 3)", "§4.2, Fig. 3",
          "VAAL consistently demonstrate significantly better performance by achieving the highest mean IoU "
          "on both Cityscapes and BDD100K across different labeled data ratios.",
          "segmentation",
          "On the generated street scenes: VAAL's mIoU AUBC above each of the five baselines.",
          _vs("vaal", ["qbc", "coreset", "sa", "mc_dropout", "random"]),
          figure="fig-seg-paired", section="seg-paired", unit="AUBC points (mIoU)"),
    Claim("fig4-vaal", "VAAL outperforms every ablation (Fig. 4)", "§5.1, Fig. 4",
          "However, VAAL appears to outperform all these scenarios by implicitly learning the uncertainty over "
          "the adversarial game between the discriminator and the VAE.",
          "ablation", "VAAL above each of the three ablations.",
          _vs("vaal", ["fixed_vae_dis", "dis_only", "vae_w2"]),
          figure="fig-abl-paired", section="abl-paired", unit="AUBC points (mIoU)"),
    Claim("fig4-d-alone", "D alone is the weakest (Fig. 4)", "§5.1, Fig. 4",
          "As shown in Fig. 4, this setting results in the discriminator to only memorize the data and yields "
          "the lowest performance.",
          "ablation", "D alone (no VAE) below every other method of the figure, Random included.",
          tuple(Comparison(b, "dis_only") for b in ["vaal", "fixed_vae_dis", "vae_w2", "random"]),
          figure="fig-abl-paired", section="abl-paired", unit="AUBC points (mIoU)"),
    Claim("fig4-fixed-vae", "a fixed VAE + D beats D alone, not Random (Fig. 4)", "§5.1, Fig. 4",
          "This setting performs better than having only the D trained in a high dimensional … space, but "
          "yet performs similar or worse than random sampling",
          "ablation", "Fixed VAE + D above D alone, and at most 1 point above Random.",
          (Comparison("fixed_vae_dis", "dis_only"), Comparison("fixed_vae_dis", "random", "at_most")),
          figure="fig-abl-paired", section="abl-paired", unit="AUBC points (mIoU)"),
    Claim("fig4-vae-alone", "the VAE alone beats Random (Fig. 4)", "§5.1, Fig. 4",
          "In this setting, we see an improvement over random sampling which shows the effect of explicitly "
          "measuring the uncertainty in the learned latent space.",
          "ablation", "VAE alone (2-Wasserstein) above Random.", (Comparison("vae_w2", "random"),),
          figure="fig-abl-paired", section="abl-paired", unit="AUBC points (mIoU)"),
    Claim("fig5-bias-picks", "VAAL labels the missing classes best (Fig. 5, biased pool)", "§5.2, Fig. 5 (left)",
          "Figure 5 shows for m = 10 and m = 20, VAAL is superior to Core-set and random sampling in selecting "
          "informative samples from the classes that were underrepresented in the initial labeled set.",
          "bias",
          "m = 1 and m = 2 of Fashion-MNIST's 10 classes (the paper's 10 and 20 of 100): at each level, the "
          "labeled samples of the missing classes at the last cycle, VAAL minus Core-set and minus Random.",
          tuple(Comparison("vaal", b, measure="missing", variant=v) for v in ("m=1", "m=2")
                for b in ("coreset", "random")),
          figure="fig-bias-missing", section="bias-missing", unit="missing-class labels"),
    Claim("fig5-bias-accuracy", "VAAL with twice the missing classes matches Core-set (Fig. 5, biased pool)",
          "§5.2, Fig. 5 (left)",
          "We also observe that VAAL with m = 20 missing classes performs nearly identical to Core-Set and "
          "significantly better than random sampling where each has half number of missing classes.",
          "bias",
          "VAAL at m = 2 against Core-set and Random at m = 1, paired by seed: within ±1 AUBC point of "
          "Core-set, above Random.",
          (Comparison("vaal", "coreset", "equivalent", variant="m=2", variant_b="m=1"),
           Comparison("vaal", "random", variant="m=2", variant_b="m=1")),
          figure="fig-bias-paired", section="bias-paired"),
    Claim("fig5-budget", "VAAL outperforms Core-set, Ensembles and Random at both budgets (Fig. 5)",
          "§5.2, Fig. 5 (middle)",
          "We observed that VAAL outperforms Core-Set and Ensemble w. VarR, as well as random sampling, on "
          "both budget sizes of b = 5% and b = 10%.",
          "budget", "At each budget, VAAL above Core-set, Ensembles and Random.",
          tuple(Comparison("vaal", b, variant=v) for v in ("b=5%", "b=10%")
                for b in ("coreset", "ensembles", "random")),
          figure="fig-budget-paired", section="budget-paired"),
    Claim("fig5-budget-order", "Core-set is second, Ensembles third (Fig. 5, budgets)", "§5.2, Fig. 5 (middle)",
          "Core-set comes at the second best method followed by Ensemble in Fig 5.",
          "budget", "At each budget, Core-set above Ensembles.",
          tuple(Comparison("coreset", "ensembles", variant=v) for v in ("b=5%", "b=10%")),
          figure="fig-budget-paired", section="budget-paired"),
    Claim("fig5-budget-size", "every method is better with the smaller budget (Fig. 5)", "§5.2, Fig. 5 (middle)",
          "We note that b = 5% for all methods, including VAAL, has a slightly better performance compared to "
          "when b = 10%",
          "budget",
          "Per method, its AUBC at b = 5 % minus at b = 10 %, over the fractions both budgets measure (10, 20, "
          "30, 40 %), above 0 for all four.",
          tuple(Comparison(m, m, variant="b=5%", variant_b="b=10%") for m in ("vaal", "coreset", "ensembles",
                                                                            "random")),
          figure="fig-budget-curves", section="budget-both"),
    Claim("fig5-noise-relative", "the methods' gaps do not change under a noisy oracle (Fig. 5)",
          "§5.2, Fig. 5 (right)",
          "Because both Core-set and VAAL … do not depend on the task learner, we see that the relative "
          "performance is comparable to the ideal oracle presented in Section 4.1.",
          "noise",
          "Read as: the gaps between the methods (VAAL − Core-set, VAAL − Random) do not change with the noise "
          "— at each ε, the gap minus the noise-free gap lies within ±1 AUBC point. (The other reading, each "
          "curve close to its noise-free self, is false by construction: the learner trains on wrong labels.) Every "
          "method trains the regularised learner here: the book's is unstable on noisy labels.",
          tuple(Comparison("vaal_regularised", b, "equivalent", measure="gap", variant=v, variant_b="ε=0")
                for v in ("ε=10%", "ε=20%", "ε=30%") for b in ("coreset_regularised", "random_regularised")),
          figure="fig-noise-paired", section="noise-paired"),
    Claim("fig5-noise-converge", "under heavy noise every method converges to Random (Fig. 5)", "§5.2, Fig. 5 (right)",
          "Intuitively, as the percentage of noisy labels increases, all of the active learning strategies "
          "converge to random sampling.",
          "noise", "At the largest noise (ε = 30 %), VAAL and Core-set within ±1 AUBC point of Random.",
          tuple(Comparison(m, "random_regularised", "equivalent", variant="ε=30%")
                for m in ("vaal_regularised", "coreset_regularised")),
          figure="fig-noise-paired", section="noise-paired"),
    Claim("fig6-architecture", "the architecture does not change VAAL's gap to Core-set (Fig. 6)",
          "§5.2, appendix Fig. 6",
          "Figure 6 in the appendix shows the choice of the architecture does not affect the performance gap "
          "between VAAL and Core-set.",
          "architecture",
          "The gap VAAL − Core-set with ResNet18 minus the gap with VGG16, paired by seed, within ±1 AUBC point.",
          (Comparison("vaal", "coreset", "equivalent", measure="gap", variant="resnet18", variant_b="vgg16"),),
          figure="fig-arch-paired", section="arch-paired"),
    Claim("table1", "VAAL samples faster than Core-set and Ensembles (Table 1)", "§5.3, Table 1",
          "However, in sampling time, VAAL takes 10.59 seconds while Coreset requires 75.33 sec and Ensembles "
          "w. VarR needs 20.48 sec.",
          "timing", "Every timed VAAL query faster than every timed query of Core-set and of Ensembles.",
          (Comparison("vaal", "coreset", measure="time"), Comparison("vaal", "ensembles", measure="time")),
          figure="fig-timing", section="timing-table", unit="seconds"),
)

# Munjal et al. (CVPR 2022) regularised every method's task learner: the samplers under that learner, and
# what the learner alone adds. Not the paper's claims; the report shows them after the paper's.
MUNJAL: tuple[Claim, ...] = (
    Claim("munjal-samplers", "under a regularised learner, VAAL and Core-set beat Random", "Munjal et al., CVPR 2022",
          "random sampling with a well-regularised task learner is hard to beat (their finding on CIFAR-10)",
          "classification",
          "Under the same regularised learner, VAAL and Core-set above Random (sampler against sampler).",
          (Comparison("vaal_regularised", "random_regularised"),
           Comparison("coreset_regularised", "random_regularised")),
          figure="fig-cls-regularised", section="cls-regularised"),
    Claim("munjal-learner", "the regularised learner itself adds accuracy", "Munjal et al., CVPR 2022",
          "a gain of an active learner over random sampling shrinks once the learner is well regularised",
          "classification",
          "The regularised learner's own gain: each method's regularised AUBC minus its plain one, same picks rule.",
          (Comparison("random_regularised", "random"), Comparison("vaal_regularised", "vaal"),
           Comparison("coreset_regularised", "coreset")),
          figure="fig-cls-regularised", section="cls-regularised"),
    Claim("munjal-vaal", "VAAL beats a regularised Random", "Munjal et al., CVPR 2022",
          "VAAL does not beat random sampling beside a well-regularised learner",
          "classification",
          "VAAL with the book's learner against Random with the regularised one (what a reader who regularises "
          "only the baseline would see).",
          (Comparison("vaal", "random_regularised"),),
          figure="fig-cls-regularised", section="cls-regularised"),
)


def faster(table: pd.DataFrame, method: str, others: list) -> dict:
    """Table 1's claim on one timing table (median, min, max seconds per method): ``method`` against each
    of ``others`` — supported when every timed query of ``method`` was faster than every timed query of
    the other, contradicted when every one was slower — and the ratios of the medians."""
    t = table.set_index("method")
    ratios = {m: t.loc[method, "median_s"] / t.loc[m, "median_s"] for m in others}
    verdicts = {}
    for m in others:
        if t.loc[method, "max_s"] < t.loc[m, "min_s"]:
            verdicts[m] = SUPPORTED
        elif t.loc[method, "min_s"] > t.loc[m, "max_s"]:
            verdicts[m] = CONTRADICTED
        else:
            verdicts[m] = INCONCLUSIVE
    return {"ratios": ratios, "verdicts": verdicts, "verdict": combine(list(verdicts.values()))}


def verdict_counts(verdicts) -> dict:
    """How many claims got each verdict (every verdict listed, 0 when none)."""
    counts = pd.Series(list(verdicts)).value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def munjal_points(points: pd.DataFrame) -> Optional[str]:
    """What Munjal et al. (CVPR 2022) found for CIFAR-10 (VAAL − Random at the fractions read off their
    figure), from the reference data; None when the data set has no such points."""
    p = points[points["who"] != "VAAL paper"]
    if not len(p):
        return None
    piv = p.pivot_table(index="labeled_fraction", columns="method", values="value")
    diff = (piv["VAAL"] - piv["Random"]).round(1)
    return ", ".join(f"{100 * f:.0f} %: {d:+.1f}" for f, d in diff.items())
