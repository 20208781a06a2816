"""The paper's stated numbers as data (``reference_data/``, with its provenance README).

Chapters draw them beside the book's own results; nothing here is ever used as a result.
"""
from __future__ import annotations

from importlib import resources
from typing import Optional

import pandas as pd


def _read(name: str) -> pd.DataFrame:
    with resources.files("vaal_core").joinpath("reference_data", name).open("r") as f:
        return pd.read_csv(f)


def paper_numbers(figure: Optional[str] = None, dataset: Optional[str] = None,
                  source: Optional[str] = "VAAL paper") -> pd.DataFrame:
    """Rows of ``paper_numbers.csv``, filtered by figure (e.g. "Fig. 2"), data set and source
    (``None``: every source, Munjal et al.'s re-evaluation included)."""
    df = _read("paper_numbers.csv")
    if figure is not None:
        df = df[df["figure"] == figure]
    if dataset is not None:
        df = df[df["dataset"] == dataset]
    if source is not None:
        df = df[df["source"] == source]
    return df.reset_index(drop=True)


def reference_points(dataset: str) -> pd.DataFrame:
    """Curve points (method, labeled_fraction, value in %) that the text states for ``dataset``:
    the paper's mean accuracies plus Munjal et al.'s re-run, for drawing as markers."""
    df = paper_numbers(dataset=dataset, source=None)
    df = df[df["quantity"] == "mean_accuracy"].copy()
    df["labeled_fraction"] = df["at"].str.extract(r"labeled_fraction=([0-9.]+)")[0].astype(float)
    df["who"] = df["source"].where(df["source"] == "VAAL paper", "Munjal et al. 2022")
    return df[["who", "method", "labeled_fraction", "value", "note"]].reset_index(drop=True)


def upper_bound(dataset: str) -> Optional[float]:
    """The paper's full-data accuracy (the "Top-1" line of Fig. 2) for ``dataset``, if stated."""
    df = paper_numbers(figure="Fig. 2", dataset=dataset)
    df = df[df["method"] == "full data"]
    return float(df["value"].iloc[0]) if len(df) else None


def imagenet_released_curves() -> pd.DataFrame:
    return _read("imagenet_released_curves.csv")
