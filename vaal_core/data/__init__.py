"""Data sets of the book: a registry of real loaders that return in-memory uint8 tensors.

Every loader returns a :class:`DataSet` whose splits hold images as ``uint8`` tensors of shape
``(N, C, H, W)`` and integer targets, so that a small data set can live on the device as one tensor
(ARCHITECTURE.md §6) and the active-learning loop never does per-sample Python work.

A missing data set raises :class:`DataSetNotFound`, naming every place that was searched and how to get
the files. There is never a silent fallback to other data.

Chapters: every chapter loads its data through :func:`load_dataset`.

Layout: :mod:`.registry` (splits, the registry, the not-found error), :mod:`.formats` (file formats),
:mod:`.classification` and :mod:`.segmentation` (the loaders; importing them registers them), :mod:`.scenes`
(the generator of the synthetic street scenes).
"""
from . import classification, scenes, segmentation  # noqa: E402  (registers every loader)
from .formats import decode_images, pad_to, read_idx, stratified_split
from .registry import (
                       DEFAULT_DATA_ROOT,
                       DataSet,
                       DataSetNotFound,
                       Split,
                       available_datasets,
                       check_dataset_name,
                       dataset_version,
                       load_dataset,
                       not_found,
                       register,
)

__all__ = ["DEFAULT_DATA_ROOT", "DataSet", "DataSetNotFound", "Split", "available_datasets", "check_dataset_name",
           "classification", "dataset_version", "decode_images", "load_dataset", "not_found", "pad_to", "read_idx",
           "register", "scenes", "segmentation", "stratified_split"]
