# Everything runs inside .venv, created by `make setup` with the versions pinned in environment.yml.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
PYTHON   ?= python3
# The pinned numpy needs Python 3.11 or newer.
PY_OK    := import sys; sys.exit(sys.version_info < (3, 11))
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

# Data: use the local mirror beside the project when there is one and D2L_DATA_DIR is unset.
ifeq ($(origin D2L_DATA_DIR),undefined)
ifneq ($(wildcard ../shared/data),)
export D2L_DATA_DIR := $(abspath ../shared/data)
endif
endif

# Stored outputs are the CPU's: execute and validate notebooks on the CPU, without progress bars.
NB_ENV := D2L_DEVICE=$${D2L_NB_DEVICE:-cpu} TQDM_DISABLE=1 PYTHONHASHSEED=0

.PHONY: help setup data test lint unit nbval book execute lab bench mutation clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

setup: $(STAMP)  ## create .venv with the versions pinned in environment.yml (quick when done)

# The exact versions are the pinned pip entries of environment.yml (the conda recipe).
# A .venv without pip (half made, e.g. by a Debian python3 without python3-venv) is made again.
$(STAMP): environment.yml pyproject.toml
	@if ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  if ! $(PYTHON) -c '$(PY_OK)' 2>/dev/null; then \
	    found=$$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 || echo "not installed"); \
	    echo "make setup needs Python 3.11 or newer; $(PYTHON) is $$found." \
	      "Install Python 3.11 and run: make setup PYTHON=python3.11" >&2; \
	    exit 1; \
	  fi; \
	  rm -rf $(VENV); echo "creating $(VENV) with $$($(PYTHON) --version)"; \
	  if ! { $(PYTHON) -m venv $(VENV) && $(PY) -m pip --version >/dev/null 2>&1; }; then \
	    rm -rf $(VENV); \
	    echo "$(PYTHON) -m venv made no $(VENV) with pip in it. On Debian or Ubuntu:" \
	      "apt-get install python3-venv (python3.11-venv for python3.11), then make setup" >&2; \
	    exit 1; \
	  fi; \
	fi
	@$(PY) -c '$(PY_OK)' || { echo "$(VENV) has $$($(PY) --version); the book needs Python" \
	  "3.11 or newer: rm -rf $(VENV) && make setup PYTHON=python3.11" >&2; exit 1; }
	sed -n 's/^ *- \([A-Za-z0-9_.-]*==.*\)$$/\1/p' environment.yml > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# The filter: runpy warns that the package imported d2lutils.data first (harmless, no side effects).
data: $(STAMP)  ## fetch and verify every data set (from D2L_DATA_DIR when set, else download once)
	$(PY) -W "ignore:'d2lutils.data' found in sys.modules" -m d2lutils.data fetch

test: data lint unit nbval book  ## everything CI checks: ruff, unit tests, strict nbval, the book, browser tests
	$(PY) -m pytest -q tests/test_book.py tests/test_lab.py

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and notebooks
	$(VENV)/bin/ruff check d2lutils tests benchmarks notebooks

unit: $(STAMP)  ## unit tests of d2lutils
	$(PY) -m pytest -q tests --ignore=tests/test_book.py --ignore=tests/test_lab.py

nbval: $(STAMP) data  ## re-execute every notebook and compare with its stored outputs
	$(NB_ENV) $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300 $(NOTEBOOKS)

execute: $(STAMP) data  ## re-execute every notebook in place in a fresh kernel (or NB=notebooks/x.ipynb)
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

# Not part of `make test`: mutmut changes the code one mutant at a time and runs the unit tests
# that reach it (about half an hour on 2 cores); the modules are listed in pyproject.toml.
mutation: $(STAMP)  ## share of deliberate code changes (mutants) the unit tests detect, per module
	rm -rf mutants && mkdir mutants
	$(VENV)/bin/mutmut run --max-children $${MUTMUT_CHILDREN:-2} >mutants/run.log \
	  || { tail -c 3000 mutants/run.log; exit 1; }
	$(PY) tests/mutation_score.py

clean:  ## remove the built book and caches (keeps .venv)
	rm -rf book/_build .pytest_cache .ruff_cache mutants
