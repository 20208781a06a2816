"""The committed results store against the code (ARCHITECTURE.md §3): every run a chapter's book preset asks
for is there and finished, and a committed run recomputed from scratch gives the committed rows."""
import warnings
from pathlib import Path

import pandas as pd
import pytest
import torch

from vaal_core import catalog, config, jobs, keys, loop, presets, runtime
from vaal_core.results import ResultsStore

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "results"


def test_every_run_the_book_reads_is_committed():
    """Fails when a chapter's book preset was changed without recomputing its runs (or the results
    version was bumped): `python -m vaal_core.catalog compute` then commit results/runs/. The chapters
    still being computed (presets.PENDING) read only their finished runs and are checked below."""
    done = [ch for ch in (*catalog.CHAPTERS, *catalog.TABLE_CHAPTERS) if ch not in presets.PENDING]
    gone = catalog.missing(done, results_dir=str(COMMITTED))
    assert not gone, (f"{len(gone)} book-preset run(s) are not in the committed store, e.g. {gone[:5]}; "
                      "run `python -m vaal_core.catalog compute` and commit results/runs/")


def test_a_pending_chapter_reads_only_stored_runs_until_it_is_complete():
    """A chapter leaves presets.PENDING when its runs are all committed (its book preset then computes
    what a changed setting asks for again, and the check above covers it)."""
    assert set(presets.PENDING) <= set(catalog.CHAPTERS)
    for ch in catalog.CHAPTERS:
        assert catalog.chapter_experiment(ch).compute == ("stored" if ch in presets.PENDING else "missing")
    for ch in presets.PENDING:
        assert catalog.missing([ch], results_dir=str(COMMITTED)), \
            f"every book-preset run of {ch} is committed: remove it from presets.PENDING"


def test_stored_mode_reads_finished_runs_and_computes_nothing(tmp_path):
    exp = config.with_overrides(catalog.chapter_experiment("bias", preset="smoke"), {"results_dir": str(tmp_path)})
    with pytest.raises(RuntimeError, match="no finished run"):
        jobs.run_variants(config.with_overrides(exp, {"compute": "stored"}), exp.variants)
    base = config.with_overrides(exp, {"variants": {}, "methods": ["random"]})
    jobs.run_experiment(base, upper_bound=False, verbose=False)  # the unbiased Random run only
    stored = config.with_overrides(exp, {"compute": "stored"})
    rows = jobs.run_variants(stored, exp.variants, upper_bound=True, verbose=False)
    assert set(rows["method"]) == {"random"} and set(rows["variant"]) == {"unbiased"}
    progress = jobs.run_progress(stored, exp.variants)
    # each variant lists its methods and its full-data bound, which the bias variants share (one key)
    assert progress["finished"].sum() == 1 and len(progress) == len(exp.variants) * (len(exp.methods) + 1)
    assert progress["key"].nunique() == len(exp.variants) * len(exp.methods) + 1
    assert progress["shared"].sum() == len(exp.variants) - 1
    assert catalog.missing(["bias"], preset="smoke", results_dir=str(tmp_path))  # nothing else was computed
    c = catalog.cost(["bias"], preset="smoke", results_dir=str(tmp_path)).loc["bias"]
    assert c["runs"] == progress["key"].nunique() and c["finished"] == 1 and c["worker_h"] > 0
    # the biased Random run is estimated from the unbiased one; the other methods have no rate yet
    assert c["left_worker_h"] > 0 and c["left_unestimated"] == progress["key"].nunique() - 2


def test_catalog_lists_the_robustness_variants_and_shares_the_base_runs():
    cls = {keys.run_key(e, m, s)[0] for e, m, s in catalog.chapter_jobs("classification")}
    bias = catalog.chapter_jobs("bias")
    bias_keys = {keys.run_key(e, m, s)[0] for e, m, s in bias}
    labels = presets.resolve("bias", "book").variants
    assert set(labels) == {"unbiased", "m=1", "m=2"}
    base = [keys.run_key(e, m, s)[0] for e, m, s in bias if e.loop.bias_missing_classes == 0]
    assert base and set(base) <= cls  # the unbiased curves are the classification chapter's runs
    assert len(bias_keys) == len(bias)


def test_missing_reports_an_empty_store(tmp_path):
    gone = catalog.missing(["classification"], results_dir=str(tmp_path))
    assert len(gone) == len(catalog.chapter_jobs("classification")) and gone[0][4].endswith("/7")


def _reproduction_mode(want: pd.DataFrame) -> str:
    """``exact`` when the committed rows were computed on a machine whose kernels round as this one's
    (runtime.numerics_fingerprint), else ``statistical``."""
    stored = set(want["numerics"].dropna()) if "numerics" in want else set()
    return "exact" if stored == {runtime.numerics_fingerprint(torch.device("cpu"))} else "statistical"


@pytest.mark.slow
@pytest.mark.parametrize("method,last", [("vaal", 1), ("random_regularised", 0)])
def test_a_committed_run_is_reproduced(tmp_path, method, last):
    """Recompute seed 0's first cycles of a committed classification book run into an empty store and
    compare with the committed rows: VAAL's first two (task learner, linear reference, β-VAE + D, the
    picks) and the regularised Random's first, whose rows carry the numerics fingerprint of the machine
    kind that computed them (VAAL's were stored before fingerprints existed).

    Exactly (to 1e-6, the same picks) where the committed rows carry this machine's numerics fingerprint.
    Elsewhere the CPU's kernels round differently and a few hundred optimizer steps end apart (measured:
    cycle 0's accuracy 81.56 % on an AVX-512 Xeon against the committed 80.45 %), so every value must lie
    within 3 standard deviations of the committed seeds' values at that cycle (the seeds' spread is the
    scale of a numerical difference too; a metric that does not vary over seeds, such as a count, must
    match exactly), with the same labeled sizes and metrics. A change that alters the numbers without
    bumping the results version fails in both modes unless it moves every metric by less than that."""
    exp = catalog.chapter_experiment("classification", results_dir=str(COMMITTED))
    key = keys.run_key(exp, method, 0)[0]
    committed = ResultsStore(COMMITTED)
    want = committed.rows(key)
    if not len(want):
        pytest.fail(f"run {key} ({method}, seed 0) is not in the committed store")
    fresh = config.with_overrides(exp, {"results_dir": str(tmp_path)})
    prep = loop.prepare(fresh)
    with jobs.cpu_threads(prep.device):
        got = loop.run_method(prep, method, 0, ResultsStore(tmp_path), verbose=False, stop_after=last)
        mode = _reproduction_mode(want)
    cols = ["cycle", "n_labeled", "metric", "value"]
    got = got[cols].sort_values(["cycle", "metric"]).reset_index(drop=True)
    first = want[want["cycle"] <= last][cols].sort_values(["cycle", "metric"]).reset_index(drop=True)
    print(f"reproduction mode: {mode}")
    if mode == "exact":
        pd.testing.assert_frame_equal(got, first, check_exact=False, rtol=0, atol=1e-6)
        assert ResultsStore(tmp_path).selections(key)[0] == committed.selections(key)[0]
        return
    pd.testing.assert_frame_equal(got[cols[:3]], first[cols[:3]])
    seeds = [keys.run_key(exp, method, s)[0] for s in exp.seeds]
    spread = committed.table(seeds).query(f"cycle <= {last}") \
        .groupby(["cycle", "metric"])["value"].agg(["std", "count"])
    assert (spread["count"] == len(seeds)).all(), f"a committed {method} seed lacks its first cycles"
    both = got.join(first["value"].rename("committed")).join(spread, on=["cycle", "metric"])
    both["allowed"] = 3 * both["std"].fillna(0) + 1e-9
    far = both[(both["value"] - both["committed"]).abs() > both["allowed"]]
    print(both.to_string())
    assert far.empty, f"recomputed values outside 3 seed std of the committed ones:\n{far.to_string()}"


def test_the_numerics_fingerprint_is_stable_and_sees_a_different_kernel():
    """The same kernels give the same fingerprint (cached, and recomputed); a different convolution code
    path (oneDNN switched off) gives another one."""
    cpu = torch.device("cpu")
    a = runtime.numerics_fingerprint(cpu)
    runtime._fingerprint.cache_clear()
    assert runtime.numerics_fingerprint(cpu) == a and len(a) == 12
    runtime._fingerprint.cache_clear()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "TF32 acceleration on top of oneDNN")  # set by flags(), moot here
            with torch.backends.mkldnn.flags(enabled=False):
                other = runtime.numerics_fingerprint(cpu)
    finally:
        runtime._fingerprint.cache_clear()
    assert other != a


def test_a_setting_whose_methods_all_train_the_regularised_learner_has_that_learners_bound():
    noise = presets.resolve("noise", "book")
    cls = presets.resolve("classification", "book")
    bound = jobs.bound_experiment(noise)
    assert bound.task == config.regularised_task(noise) and bound.task != noise.task
    assert keys.run_key(bound, "full", 0)[0] != keys.run_key(cls, "full", 0)[0]
    # a chapter with the book's learner among its methods keeps its bound, and its committed key
    assert jobs.bound_experiment(cls) is cls
    noisy = config.with_overrides(noise, noise.variants["ε=30%"])
    assert jobs.bound_experiment(noisy).loop.noise_rate == 0.3
    listed = {keys.run_key(e, m, s)[0] for e, m, s in catalog.chapter_jobs("noise") if m == "full"}
    assert listed == {keys.run_key(jobs.bound_experiment(config.with_overrides(noise, over)), "full", s)[0]
                      for over in noise.variants.values() for s in noise.seeds}
