# LR Lab. Two commands do everything: `make lab` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every install in .venv keeps to the versions the stored notebook outputs were made with.
PIP_INSTALL := $(BIN)/python -m pip install --progress-bar off -c tools/constraints.txt
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))
# JupyterLab refuses to start as root without this flag (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Quiet TensorFlow in every process we start (the notebooks also do it in their first cell).
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0

.DEFAULT_GOAL := help
.PHONY: help install lab test test-browser browser-deps binder-deps colab-check floor-check check execute clean

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## Create .venv and install lrlab (editable) with everything the course needs.

$(STAMP): pyproject.toml tools/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "LR Lab needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e .
	@touch $(STAMP)

# Encrypt kernel traffic where pyzmq can (CurveZMQ): without it ipykernel warns "running over TCP without encryption".
ENCRYPT_FLAG = $(shell $(BIN)/python -c "import zmq; print('--KernelManager.transport_encryption=auto' if zmq.has('curve') else '')")

lab: install ## Open JupyterLab at the first notebook (localhost only, token on).
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) $(ENCRYPT_FLAG) notebooks/00_welcome.ipynb

test: install ## Run unit tests, doctests, exercise-checker tests and strict nbval on every notebook.
	$(BIN)/python -m pytest

BROWSER_STAMP := $(VENV)/.browser-stamp
browser-deps: $(BROWSER_STAMP) ## Install Playwright (and, as root, Debian's chromium) for the browser test.

$(BROWSER_STAMP): $(STAMP)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "No chromium: install it (e.g. apt-get install chromium) for the browser test."; fi
	$(PIP_INSTALL) -e ".[browser]"
	@touch $(BROWSER_STAMP)

BINDER_STAMP := $(VENV)/.binder-stamp
binder-deps: $(BINDER_STAMP) ## Install repo2docker, for the test of Binder's build plan.

$(BINDER_STAMP): $(STAMP)
	$(PIP_INSTALL) -e ".[binder]"
	@touch $(BINDER_STAMP)

test-browser: browser-deps ## Lesson 01 in headless Chromium: run all, drag a slider (screenshot in artifacts/).
	$(BIN)/python -m pytest tests/test_browser.py -v

# Colab's own packages (it ships ipywidgets 7.7.1 and imports it at start-up), newest TensorFlow and Keras.
COLAB_VENV := .venv-colab
colab-check: ## Run every notebook on Colab's package set (ipywidgets 7; needs the network to set up).
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --progress-bar off "ipywidgets==7.7.1" tensorflow-cpu keras \
		scikit-learn matplotlib "keras-tuner>=1.4.6" tensorboard ipykernel nbclient nbformat
	PYTHONPATH=$(CURDIR) $(COLAB_VENV)/bin/python tools/execute_notebooks.py --scratch $(NOTEBOOKS)

# The lowest versions pyproject.toml admits: unit tests, and every notebook run (nbval-lax).
FLOOR_VENV := .venv-floor
floor-check: ## Run the unit tests and notebooks on the oldest supported versions (needs the network to set up).
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --progress-bar off -c tools/floor-constraints.txt -e .
	$(FLOOR_VENV)/bin/python -m pytest -o addopts="" -p no:cacheprovider --doctest-modules tests lrlab \
		--deselect tests/test_packaging.py::test_the_environment_has_the_versions_the_stored_outputs_were_made_with
	$(FLOOR_VENV)/bin/python -m pytest -o addopts="" -p no:cacheprovider --nbval-lax --nbval-current-env notebooks

check: install ## Grade the exercises in your notebooks (NOTEBOOKS="a.ipynb b.ipynb" to choose).
	$(BIN)/python -m lrlab.grading $(NOTEBOOKS)

execute: install ## Re-execute every notebook in place, top to bottom, so stored outputs are current.
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

clean: ## Remove .venv, caches and generated files.
	rm -rf $(VENV) $(COLAB_VENV) $(FLOOR_VENV) *.egg-info .pytest_cache artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
