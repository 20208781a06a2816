"""Shared fixtures. Every test sees the presets as written: ``VAAL_PRESET`` (which the book build and
nbval set) would otherwise replace the preset a test asks for."""
import pytest


@pytest.fixture(autouse=True)
def no_env_preset(monkeypatch):
    monkeypatch.delenv("VAAL_PRESET", raising=False)
