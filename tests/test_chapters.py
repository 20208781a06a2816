"""A chapter run end to end with papermill on the smoke preset, its glued numbers checked against the
results store it wrote (nbval only checks that cells run)."""
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from vaal_core import keys, presets
from vaal_core.results import ResultsStore

CHAPTERS = Path(__file__).resolve().parents[1] / "book" / "chapters"


def glued(notebook: Path) -> dict:
    """name → text of every value the notebook glued (myst-nb's scrapbook records)."""
    out = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for o in cell.get("outputs", []):
            rec = o.get("metadata", {}).get("scrapbook")
            if rec:
                out[rec["name"]] = o["data"][rec["mime_prefix"] + "text/plain"].strip("'\"")
    return out


def number(text: str) -> float:
    return float(re.match(r"[+-]?[0-9.]+", text).group(0))


@pytest.mark.slow
def test_classification_chapter_glues_what_the_store_holds(tmp_path):
    import papermill

    out = tmp_path / "classification.ipynb"
    papermill.execute_notebook(str(CHAPTERS / "classification.ipynb"), str(out), cwd=str(CHAPTERS),
                               parameters={"preset": "smoke", "results_dir": str(tmp_path / "res")},
                               progress_bar=False, log_output=False)
    g = glued(out)
    for name in ("vaal_final", "random_final", "gap_final", "full_acc", "min_margin", "auc_mean", "auc_verdict"):
        assert name in g, f"{name} was not glued"
    exp = presets.resolve("classification", "smoke")
    store = ResultsStore(tmp_path / "res")
    rows = pd.concat([store.rows(keys.run_key(exp, m, s)[0]) for m in exp.methods for s in exp.seeds])
    acc = rows[rows["metric"] == "accuracy"]
    last = acc[acc["cycle"] == acc["cycle"].max()]
    vaal = number(g["vaal_final"])
    assert 0 <= vaal <= 100 and vaal == pytest.approx(last[last.method == "vaal"]["value"].mean(), abs=0.006)
    rand = number(g["random_final"])
    assert number(g["gap_final"]) == pytest.approx(vaal - rand, abs=0.011)
    full = store.rows(keys.run_key(exp, "full", exp.seeds[0])[0])
    assert number(g["full_acc"]) == pytest.approx(full[full.metric == "accuracy"]["value"].mean(), abs=0.006)
    auc = rows[rows["metric"] == "sampler/disc_auc"]["value"].mean()
    assert number(g["auc_mean"]) == pytest.approx(auc, abs=0.0006) and 0 <= auc <= 1
    assert g["auc_verdict"] in ("separated", "barely separated", "did not separate")
    # the regularised Random: the sweep's best recipe, and every other method compared with it
    assert g["reg_best"].startswith("shift 1, weight decay 0.05")
    n = int(g["n_others"])
    assert n == len(exp.methods) - 1 and int(g["n_beat_strong"]) + int(g["n_below_strong"]) <= n
