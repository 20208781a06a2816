"""The baselines of Fig. 2: acquisition rules on hand-built cases, and the strategy contract."""
import pytest
import torch

from vaal_core import loop, presets, strategies
from vaal_core.runtime import seed_everything
from vaal_core.strategies import k_center_greedy, predictive_entropy, variation_ratio

# ---------------------------------------------------------------------------------------------- pure rules

def test_k_center_picks_the_far_cluster_first():
    g = torch.Generator().manual_seed(0)
    labeled = torch.randn(20, 2, generator=g) * 0.1  # a cluster at the origin
    near = torch.randn(30, 2, generator=g) * 0.1 + 0.5
    far = torch.randn(5, 2, generator=g) * 0.1 + torch.tensor([10.0, 10.0])
    unlabeled = torch.cat([near, far])
    assert k_center_greedy(labeled, unlabeled, 1).item() >= 30  # a point of the far cluster


def test_k_center_covers_each_far_cluster_once():
    labeled = torch.zeros(1, 2)
    a = torch.tensor([[10.0, 0.0], [10.1, 0.0], [10.0, 0.1]])
    b = torch.tensor([[0.0, 10.0], [0.1, 10.0]])
    unlabeled = torch.cat([torch.tensor([[0.1, 0.1]]), a, b])
    picks = k_center_greedy(labeled, unlabeled, 2, chunk=1).tolist()
    assert {1 <= p <= 3 for p in picks} == {True, False}  # one from cluster a, one from cluster b


def test_k_center_matches_a_brute_force_greedy():
    g = torch.Generator().manual_seed(3)
    labeled, unlabeled = torch.randn(7, 5, generator=g), torch.randn(40, 5, generator=g)
    centers, picks = [*labeled], []
    for _ in range(6):
        d = torch.stack([((unlabeled - c) ** 2).sum(1) for c in centers]).min(0).values
        j = int(d.argmax())
        picks.append(j)
        centers.append(unlabeled[j])
    assert k_center_greedy(labeled, unlabeled, 6, chunk=3).tolist() == picks


def test_k_center_picks_do_not_depend_on_the_chunk_size():
    # the per-pick update runs in chunks of unlabeled points: the same float values as one whole-pool update
    g = torch.Generator().manual_seed(5)
    labeled, unlabeled = torch.randn(50, 64, generator=g), torch.randn(3000, 64, generator=g)
    whole = k_center_greedy(labeled, unlabeled, 200, chunk=10 ** 6)
    assert torch.equal(k_center_greedy(labeled, unlabeled, 200, chunk=128), whole)
    assert torch.equal(k_center_greedy(labeled, unlabeled, 200, chunk=7), whole)


def test_k_center_never_repeats_among_duplicates():
    picks = k_center_greedy(torch.zeros(1, 3), torch.ones(6, 3), 4)
    assert len(set(picks.tolist())) == 4


def test_max_entropy_picks_the_uniform_prediction():
    confident = torch.tensor([0.97, 0.01, 0.01, 0.01])
    uniform = torch.full((4,), 0.25)
    probs = torch.stack([confident, uniform, confident.roll(1)])[None].repeat(10, 1, 1)  # (T, n, K)
    h = predictive_entropy(probs)
    assert h.argmax().item() == 1
    assert torch.isclose(h[1], torch.log(torch.tensor(4.0)))


def test_entropy_of_the_mean_sees_disagreement():
    # each pass is confident, but they disagree: the mean prediction is uncertain
    probs = torch.tensor([[[0.99, 0.01]], [[0.01, 0.99]]])  # (T=2, n=1, K=2)
    assert predictive_entropy(probs).item() > 0.6


def test_variation_ratio_picks_the_split_vote():
    t = 10
    unanimous = torch.tensor([0.9, 0.1])
    probs = torch.zeros(t, 3, 2)
    probs[:, 0] = unanimous
    probs[:, 1] = torch.tensor([[0.8, 0.2]] * 5 + [[0.2, 0.8]] * 5)  # votes split 5 / 5
    probs[:, 2] = torch.tensor([[0.8, 0.2]] * 8 + [[0.2, 0.8]] * 2)  # 8 / 2
    vr = variation_ratio(probs)
    assert vr.tolist() == pytest.approx([0.0, 0.5, 0.2])


def test_variation_ratio_per_pixel_then_per_image():
    probs = torch.zeros(4, 2, 3, 2, 2)  # (T, n, K, H, W)
    probs[:, :, 0] = 1.0  # everyone votes class 0 …
    probs[:2, 1, 0, 0, 0], probs[:2, 1, 1, 0, 0] = 0.0, 1.0  # … except one pixel of image 1, split 2 / 2
    vr = strategies.per_sample(variation_ratio(probs))
    assert vr[0] == 0 and vr[1] == pytest.approx(0.5 / 4)


# ---------------------------------------------------------------------------------------------- strategies

@pytest.fixture(scope="module")
def trained():
    exp = presets.resolve("classification", "smoke", results_dir="/tmp/unused",
                         overrides={"task": {"epochs": 3, "dropout": 0.5}})
    prep = loop.prepare(exp)
    g = seed_everything(4)
    perm = torch.randperm(prep.pool_size, generator=g)
    lab, unl = perm[:200], perm[200:].sort().values
    model = prep.task.build(prep.device)
    prep.task.fit(model, prep.store, lab, prep.pool_targets[lab], g)
    return exp, prep, lab, unl, model


def _ctx(trained, budget=37):
    exp, prep, lab, unl, model = trained
    return strategies.Context(prep.store, lab, unl, budget, prep.task, model, exp,
                              seed_everything(9), prep.pool_targets[lab])


@pytest.mark.parametrize("method", ["coreset", "mc_dropout", "dbal", "ensembles", "random"])
def test_baseline_contract(trained, method):
    ctx = _ctx(trained)
    picked = strategies.make_strategy(method).select(ctx)
    strategies.check_selection(picked, ctx.unlabeled_idx, ctx.budget, method)
    assert not torch.isin(picked, ctx.labeled_idx).any()


def test_mc_dropout_takes_the_highest_variation_ratios(trained):
    ctx = _ctx(trained)
    s = strategies.MCDropout()
    torch.manual_seed(0)
    picked = s.select(ctx)
    assert s.info["mean_acquisition"] > 0  # dropout 0.5: passes disagree somewhere
    assert len(picked) == ctx.budget


def test_mc_scores_split_equals_full_passes_without_dropout(trained):
    exp, prep, lab, unl, model = trained
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    try:
        mean_probs = prep.task.mc_scores(model, prep.store, unl, 3, lambda p: p.mean(0).max(1).values)
        direct = prep.task.probabilities(model, prep.store, unl).max(1).values
        assert torch.allclose(mean_probs, direct, atol=1e-5)
        vr = prep.task.mc_scores(model, prep.store, unl, 5, variation_ratio)
        assert (vr == 0).all()  # no dropout: every pass agrees
    finally:
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.5


def test_ensemble_members_are_independent(trained):
    ctx = _ctx(trained)
    s = strategies.Ensembles()
    s.fit(ctx)
    assert len(s.models) == 5 and s.models[0] is ctx.task_model
    w = [next(m.parameters()).detach().flatten()[:20] for m in s.models]
    assert all(not torch.equal(w[0], w[i]) for i in range(1, 5))


def test_coreset_uses_the_task_features(trained, monkeypatch):
    ctx = _ctx(trained, budget=5)
    seen = {}
    real = strategies.k_center_greedy

    def spy(lab, unl, b, **k):
        seen["shapes"] = (lab.shape, unl.shape)
        return real(lab, unl, b, **k)

    monkeypatch.setattr(strategies.coreset, "k_center_greedy", spy)
    strategies.CoreSet().select(ctx)
    n_l, n_u = len(ctx.labeled_idx), len(ctx.unlabeled_idx)
    d = ctx.task_model.classifier.in_features  # penultimate width
    assert seen["shapes"] == (torch.Size([n_l, d]), torch.Size([n_u, d]))


# ---------------------------------------------------------------------------------------------- segmentation, ablations

def test_js_divergence_zero_when_members_agree_and_positive_when_not():
    same = torch.tensor([0.7, 0.2, 0.1]).view(1, 1, 3).repeat(4, 1, 1)
    assert strategies.js_divergence(same).abs().item() < 1e-6
    split = torch.tensor([[[0.98, 0.01, 0.01]], [[0.01, 0.98, 0.01]]])
    assert strategies.js_divergence(split).item() > 0.5


def test_max_cover_prefers_a_representative_then_a_new_region():
    # pool: 5 images near direction a, 1 near b. Candidates: a-like, a-like duplicate, b-like
    sim = torch.tensor([[0.9, 0.9, 0.9, 0.9, 0.9, 0.1],
                        [0.9, 0.9, 0.9, 0.9, 0.9, 0.1],
                        [0.1, 0.1, 0.1, 0.1, 0.1, 0.9]])
    picks = strategies.max_cover(sim, 2).tolist()
    assert picks[0] in (0, 1) and picks[1] == 2  # the redundant duplicate adds nothing


def test_w2_distance_closed_form():
    from vaal_core.vaal import wasserstein_to_labeled
    mu_l = torch.zeros(10, 2)
    lv_l = torch.zeros(10, 2)  # labeled Gaussian N(0, I)
    mu = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    lv = torch.tensor([[0.0, 0.0], [0.0, 0.0], [2 * torch.log(torch.tensor(3.0)).item()] * 2])  # σ = 3
    d = wasserstein_to_labeled(mu, lv, mu_l, lv_l)
    assert d.tolist() == pytest.approx([0.0, 25.0, 8.0], abs=1e-5)  # ‖µ‖² ; (3 − 1)² · 2


@pytest.mark.parametrize("method", ["qbc", "sa", "dis_only", "fixed_vae_dis", "vae_w2"])
def test_segmentation_and_ablation_strategies_keep_the_contract(trained, method):
    ctx = _ctx(trained, budget=21)
    picked = strategies.make_strategy(method).select(ctx)
    strategies.check_selection(picked, ctx.unlabeled_idx, ctx.budget, method)


def test_sa_picks_among_the_most_uncertain(trained, monkeypatch):
    ctx = _ctx(trained, budget=10)
    s = strategies.SuggestiveAnnotation()
    s.fit(ctx)
    captured = {}
    real = ctx.task.member_scores

    def spy(*a, **k):
        captured["unc"] = real(*a, **k)
        return captured["unc"]

    monkeypatch.setattr(ctx.task, "member_scores", spy)
    picked = s.query(ctx)
    order = torch.argsort(-captured["unc"].cpu(), stable=True)[:20]  # sa_candidates = 2 × budget
    assert torch.isin(picked, ctx.unlabeled_idx[order]).all()


def plain_max_cover(similarity, k):
    """The textbook greedy: every candidate's gain recomputed at every step."""
    best = torch.zeros(similarity.shape[1])
    chosen = torch.zeros(similarity.shape[0], dtype=torch.bool)
    picks = []
    for _ in range(k):
        gain = (similarity - best).clamp_min(0).sum(dim=1)
        gain[chosen] = -1.0
        j = int(torch.argmax(gain))
        picks.append(j)
        chosen[j] = True
        best = torch.maximum(best, similarity[j])
    return picks


def test_lazy_max_cover_picks_what_the_plain_greedy_picks():
    g = torch.Generator().manual_seed(0)
    feats = torch.nn.functional.normalize(torch.randn(300, 16, generator=g), dim=1)
    sim = feats[:60] @ feats.T  # 60 candidates × a pool of 300, cosine similarities (some negative)
    lazy = strategies.max_cover(sim, 25)
    assert lazy.tolist() == plain_max_cover(sim, 25)
