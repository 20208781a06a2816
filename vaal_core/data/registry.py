"""The data-set registry: the in-memory splits every loader returns, the names chapters ask for, and
the error a missing data set raises (naming every place searched and how to get the files)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch


class DataSetNotFound(FileNotFoundError):
    """A data set's files were not found in any of the places searched."""


@dataclass
class Split:
    """One split of a data set.

    images: uint8 tensor (N, C, H, W); targets: int64 tensor (N,) for classification;
    coarse_targets: optional int64 (N,) super-class labels (CIFAR-100's 20 coarse classes).
    """

    images: torch.Tensor
    targets: torch.Tensor
    coarse_targets: Optional[torch.Tensor] = None

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"images must be a uint8 (N, C, H, W) tensor, got {self.images.dtype} "
                             f"{tuple(self.images.shape)}")
        if len(self.targets) != len(self.images):
            raise ValueError(f"{len(self.images)} images but {len(self.targets)} targets")
        if self.coarse_targets is not None and len(self.coarse_targets) != len(self.images):
            raise ValueError(f"{len(self.images)} images but {len(self.coarse_targets)} coarse targets")

    def __len__(self) -> int:
        return len(self.images)


@dataclass
class DataSet:
    """A loaded data set: train and test splits plus what the models need to know about it."""

    name: str
    train: Split
    test: Split
    num_classes: int
    class_names: list = field(default_factory=list)
    coarse_names: list = field(default_factory=list)
    source: str = ""  # where the files were read from, for the chapter's provenance line

    @property
    def channels(self) -> int:
        return int(self.train.images.shape[1])

    @property
    def image_size(self) -> int:
        """The side of square images; for non-square ones (street scenes of Cityscapes) the height."""
        return int(self.train.images.shape[-2])

    def describe(self) -> str:
        h, w = self.train.images.shape[-2:]
        return (f"{self.name}: {len(self.train)} train / {len(self.test)} test images, "
                f"{self.channels}×{h}×{w}, {self.num_classes} classes"
                + (f", read from {self.source}" if self.source else ""))


# ----------------------------------------------------------------------------------------------
# registry

_LOADERS: dict[str, Callable[..., DataSet]] = {}
_VERSIONS: dict[str, int] = {}


def register(name: str, version: int = 1):
    """Decorator: make a loader available to :func:`load_dataset` under ``name``. ``version``: bumped when
    what the loader returns changes (a generated data set's generator); a version above 1 is part of the
    run key of every run on it (``keys.run_key``), so its stored runs are never reused."""

    def deco(fn):
        _LOADERS[name] = fn
        _VERSIONS[name] = version
        return fn

    return deco


def dataset_version(name: str) -> int:
    """The registered version of a data set's loader (1 for real files, whose bytes do not change)."""
    return _VERSIONS.get(name, 1)


def available_datasets() -> list[str]:
    return sorted(_LOADERS)


def check_dataset_name(name: str) -> None:
    """Raise a ValueError naming the parameter ``dataset`` when ``name`` is not registered."""
    if name not in _LOADERS:
        raise ValueError(f"dataset={name!r} is not a known data set; choose one of {available_datasets()}")


DEFAULT_DATA_ROOT = Path("~/.cache/vaal/data")


def load_dataset(name: str, data_root: str | os.PathLike | None = None, **kwargs) -> DataSet:
    """Load data set ``name``; ``data_root`` is searched first (``~`` is expanded). Without one, the
    default root ``~/.cache/vaal/data`` is searched when it exists, then each loader's system places."""
    check_dataset_name(name)
    if data_root:
        root = Path(os.path.expanduser(str(data_root)))
    else:
        default = DEFAULT_DATA_ROOT.expanduser()
        root = default if default.is_dir() else None
    return _LOADERS[name](root, **kwargs)


def not_found(name: str, what: str, searched: list[Path], how: str) -> DataSetNotFound:
    where = ", ".join(str(d) for d in searched) if searched else "nowhere (no data_root was given)"
    return DataSetNotFound(f"{name}: no {what} in any of: {where}. {how}")
