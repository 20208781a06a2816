"""Every chapter executed with papermill on the smoke preset (into one temporary results store, so the
report reads the runs the chapters wrote), and the values each glues checked the way a reader reads them:
present, of the promised type and range, no NaN where a number is promised, and counts that add up."""
import json
import math
import re
from pathlib import Path

import pytest

from vaal_core import claims

CHAPTERS = Path(__file__).resolve().parents[1] / "book" / "chapters"
ORDER = ["classification", "diagnostics", "timing", "segmentation", "ablation", "bias", "budget", "noise",
         "architecture", "own_method", "report"]  # the report last: it reads every other chapter's runs


def glued(notebook: Path) -> dict:
    """name → (mime type, text) of every value the notebook glued (myst-nb's scrapbook records)."""
    out = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for o in cell.get("outputs", []):
            rec = o.get("metadata", {}).get("scrapbook")
            if rec:
                data = {k[len(rec["mime_prefix"]):]: v for k, v in o["data"].items()}
                mime = next((m for m in ("text/markdown", "image/png") if m in data), "text/plain")
                text = data.get("text/markdown", data.get("text/plain", ""))
                out[rec["name"]] = (mime, text.strip("'\"") if isinstance(text, str) else "".join(text))
    return out


def numbers(text: str) -> list:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?", text.replace("−", "-").replace(",", ""))]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    import papermill

    out, results = tmp_path_factory.mktemp("chapters"), tmp_path_factory.mktemp("results")
    done = {}
    for name in ORDER:
        params = {"preset": "smoke", "results_dir": str(results)}
        papermill.execute_notebook(str(CHAPTERS / f"{name}.ipynb"), str(out / f"{name}.ipynb"), cwd=str(CHAPTERS),
                                   parameters=params, progress_bar=False, log_output=False)
        done[name] = glued(out / f"{name}.ipynb")
    return done


@pytest.mark.parametrize("name", ORDER)
def test_a_chapter_glues_what_it_promises(executed, name):
    g = executed[name]
    assert "finds" in g and g["finds"][0] == "text/markdown", f"{name} has no 'what this chapter finds' box"
    assert g["finds"][1].strip(), f"{name}'s finding is empty"
    for key, (mime, text) in g.items():
        if mime == "image/png":
            continue
        assert not re.search(r"\bnan\b", text, re.I), f"{name}: {key} shows NaN: {text!r}"
    figures = [k for k, (m, _) in g.items() if m == "image/png"]
    assert figures or name in ("timing",), f"{name} glues no figure"
    if name in ("classification", "bias", "budget", "noise", "architecture", "segmentation", "ablation"):
        assert "n_seeds" in g and int(g["n_seeds"][1]) >= 1


def test_the_report_counts_add_up(executed):
    g = executed["report"]
    counts = {k: int(g[k][1]) for k in ("n_supported", "n_contradicted", "n_inconclusive", "n_not_measured",
                                       "n_not_testable")}
    assert int(g["n_claims"][1]) == len(claims.CLAIMS) == sum(counts.values())
    verdict = g["finds"][1]
    assert f"{counts['n_supported']} supported" in verdict and f"{counts['n_contradicted']} contradicted" in verdict
    for key, n in (("supported_list", "n_supported"), ("contradicted_list", "n_contradicted"),
                   ("inconclusive_list", "n_inconclusive"), ("not_measured_list", "n_not_measured")):
        assert g[key][1].count("*") == 2 * counts[n], f"{key} lists other claims than the {counts[n]} it counts"
    assert 0 <= int(g["vaal_wins"][1]) and 0 <= int(g["vaal_losses"][1])
    assert int(g["n_settings"][1]) >= 0 and g["margin"][1] == f"{claims.MARGIN:g}"


def test_the_classification_chapter_numbers_are_in_range(executed):
    g = executed["classification"]
    assert 0 < float(g["reach_target"][1]) <= 100
    assert 0 <= float(g["auc_mean"][1]) <= 1 and g["auc_verdict"][1] in ("separated", "barely separated",
                                                                           "did not separate")
    assert g["reg_best"][1].startswith("shift 1, weight decay 0.05")
    for x in numbers(g["finds"][1]):
        assert math.isfinite(x)


def test_the_own_method_page_ranks_the_method_among_the_others(executed):
    g = executed["own_method"]
    rank, of = (int(x) for x in re.match(r"(\d+) of (\d+)", g["own_rank"][1]).groups())
    assert 1 <= rank <= of == 7
    assert 0 < float(g["own_aubc"][1]) <= 100
