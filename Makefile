# Everything runs inside .venv, created by `make setup` with the versions pinned in environment.yml.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

# Data: use the local mirror beside the project when there is one and D2L_DATA_DIR is unset.
ifeq ($(origin D2L_DATA_DIR),undefined)
ifneq ($(wildcard ../shared/data),)
export D2L_DATA_DIR := $(abspath ../shared/data)
endif
endif

# Stored outputs are the CPU's: execute and validate notebooks on the CPU, without progress bars.
NB_ENV := D2L_DEVICE=$${D2L_NB_DEVICE:-cpu} TQDM_DISABLE=1 PYTHONHASHSEED=0

.PHONY: help setup test lint unit nbval book execute lab bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

setup: $(STAMP)  ## create .venv with the versions pinned in environment.yml (quick when done)

# The exact versions are the pinned pip entries of environment.yml (the conda recipe).
$(STAMP): environment.yml pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	sed -n 's/^ *- \([A-Za-z0-9_.-]*==.*\)$$/\1/p' environment.yml > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

test: lint unit nbval book  ## everything CI checks: ruff, unit tests, strict nbval, the book, browser tests
	$(PY) -m pytest -q tests/test_book.py tests/test_lab.py

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and notebooks
	$(VENV)/bin/ruff check d2lutils tests benchmarks notebooks

unit: $(STAMP)  ## unit tests of d2lutils
	$(PY) -m pytest -q tests --ignore=tests/test_book.py --ignore=tests/test_lab.py

nbval: $(STAMP)  ## re-execute every notebook and compare with its stored outputs
	$(NB_ENV) $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300 $(NOTEBOOKS)

execute: $(STAMP)  ## re-execute every notebook in place in a fresh kernel (or NB=notebooks/x.ipynb)
	@for nb in $(or $(NB),$(NOTEBOOKS)); do \
	  echo "executing $$nb"; start=$$(date +%s); \
	  $(NB_ENV) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.store_widget_state=False --ExecutePreprocessor.record_timing=False \
	    "$$nb" || exit 1; \
	  $(PY) -c 'import sys; from d2lutils.interact import strip_live_views as s; s(sys.argv[1])' "$$nb" || exit 1; \
	  echo "  $$(( $$(date +%s) - start )) s"; \
	done

book: $(STAMP)  ## build the HTML book from the stored outputs into book/_build/html
	rm -rf book/_build
	$(VENV)/bin/jupyter-book build book --warningiserror --nitpick --keep-going --quiet
	@echo "open book/_build/html/index.html"

lab: $(STAMP)  ## read and run the book in JupyterLab
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(STAMP)  ## run the speed benchmarks
	@for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:  ## remove the built book and caches (keeps .venv)
	rm -rf book/_build .pytest_cache .ruff_cache
