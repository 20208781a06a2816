# The two commands of the README: `make book` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: book test setup data results missing clean check-html

setup: $(VENV)/.installed

# torch/torchvision are pinned in pyproject.toml (2.14.1 / 0.29.1); pip takes them from this machine's
# disk where a local index holds them, else from PyPI.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[book,test]'
	touch $@

# The book preset's real data: Fashion-MNIST (Debian's package where apt is available, else torchvision's
# download into ~/.cache/vaal/data).
data: setup
	$(BIN)/python -m vaal_core.fetch fashion_mnist

# Runs every chapter (preset from VAAL_PRESET, default book) and builds _build/html from a clean _build.
book: data
	rm -rf _build
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# The book preset's results store (committed under results/runs/): compute what is missing, or list it.
# From an empty store this recomputes everything (the README states its wall time on a 2-core CPU).
results: data
	$(BIN)/python -m vaal_core.catalog compute

missing: setup
	$(BIN)/python -m vaal_core.catalog missing

# The linter, the unit tests, and every chapter executed with papermill on the smoke preset, its glued values
# checked (tests/test_chapters.py). pytest exits 5 when it collected nothing: that is not a failure of the code.
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests -q; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc

# The built book read as a reader would (after `make book`): no NaN cell, no truncated setting, every figure
# captioned, every claim's evidence link resolving.
check-html:
	VAAL_REQUIRE_HTML=1 $(BIN)/python -m pytest -q tests/test_html.py

clean:
	rm -rf _build
