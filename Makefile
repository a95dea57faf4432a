# LR Lab. Students: `make lab`, then `make check` to grade your exercises. Course developers: `make test`.
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
.PHONY: help lab check release grade install test test-fast lint format execute wheelhouse test-browser browser-deps \
	binder-deps colab-check floor-check clean

# `make help` prints each `##@` line as a heading, each `##  ` line as it is, and each
# `target: ... ## text` line as "make target  text".
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^##@ / {printf "\n%s\n", substr($$0, 5)} /^##  / {print substr($$0, 3)} \
		/^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Students
# Encrypt kernel traffic where pyzmq can (CurveZMQ): without it ipykernel warns "running over TCP without encryption".
ENCRYPT_FLAG = $(shell $(BIN)/python -c "import zmq; print('--KernelManager.transport_encryption=auto' if zmq.has('curve') else '')")

lab: install ## Set up .venv (first time only) and open JupyterLab at lesson 00 (localhost only, token on).
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) $(ENCRYPT_FLAG) notebooks/00_welcome.ipynb

# An exercise not passed yet is what the table says, not an error of the command: exit 1 is fine
# here (python -m lrlab.grading keeps it, for scripts); a missing notebook (2) is an error.
check: install ## Grade your exercises: a table exercise -> passed / failed / not attempted (not the test suite).
	@$(BIN)/python -m lrlab.grading $(NOTEBOOKS) || [ $$? -eq 1 ]

##@ Instructors
##  make check NOTEBOOKS="their/*.ipynb"   grade one student's copies (read-only)
##  .venv/bin/python -m lrlab.grading their/*.ipynb   the same; exits 1 unless every exercise passed
# nbgrader's course folder: source/ (solutions and hidden cases, from instructor/), release/, gradebook.db.
COURSE ?= build/nbgrader
SUBMISSIONS ?= $(COURSE)/submitted
WORKERS ?= 2
release: install ## nbgrader: build the course folder (COURSE=build/nbgrader) and the student release (release/<lesson>/).
	$(BIN)/python -m instructor.autograde release --course $(COURSE)

grade: install ## nbgrader: autograde SUBMISSIONS=dir (<student>/<lesson>/<lesson>.ipynb) -> grades.csv and feedback.
	@test -f $(COURSE)/gradebook.db || { echo "Run \`make release\` first (no $(COURSE)/gradebook.db)."; exit 2; }
	$(BIN)/python -m instructor.autograde grade $(SUBMISSIONS) --course $(COURSE) --csv grades.csv --workers $(WORKERS)

##@ Course developers
# JupyterLab reads overrides.json from the environment it runs in (<prefix>/share/jupyter/lab/settings),
# so the course's defaults travel with .venv and never touch the student's own ~/.jupyter.
# fetchNews "false": no "Would you like to get notified about official Jupyter news?" toast over lesson 00
# (the feed needs the network anyway, and with it off JupyterLab also skips its update check).
# saveState true: saving a notebook saves its widgets' state too, so a saved lesson reopened without
# its kernel shows each explorer's last picture, not "Error displaying widget: model not found".
# A student can still turn news on in Settings: user settings win over these defaults.
# One file, tools/jupyterlab-overrides.json, which Binder's postBuild copies too.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

install: $(STAMP) $(LAB_OVERRIDES) ## Only set up .venv: lrlab (editable) and the course's tools (the `course` extra).

$(STAMP): pyproject.toml tools/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "LR Lab needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e ".[course]"
	@touch $(STAMP)

$(LAB_OVERRIDES): tools/jupyterlab-overrides.json | $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@
	@# nbgrader comes with the course extra for instructors' `make release`/`make grade` (command line);
	@# its JupyterLab menus and panels would only puzzle students, so this environment hides them.
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1

# pytest-xdist: three workers on two cores, since the class and browser tests spend part of their
# time waiting on the processes they start (measured: 353 s, against 369 s with two); --dist
# loadscope keeps a notebook's cells (and a module's shared fixtures) on one worker, in order, and
# --no-loadscope-reorder keeps the longest-first order tests/conftest.py gives them. PYTEST_ARGS
# passes more (benchmarks/test_suite.py uses it).
XDIST := -n 3 --dist loadscope --no-loadscope-reorder
test: install ## The full suite (what .ci/run runs): every test, strict nbval on every lesson, the class, the browser.
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: install ## The contributor's loop, under a minute: unit tests, doctests, checker tables (no notebooks).
	$(BIN)/python -m pytest -n 2 --dist loadscope -m "not slow" tests lrlab $(PYTEST_ARGS)

lint: install ## ruff: lint and formatting of every Python file and notebook (configured in pyproject.toml).
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## ruff: fix what `make lint` can fix by itself (imports, formatting), then lint again.
	$(BIN)/ruff check --fix-only .
	$(BIN)/ruff format .
	$(BIN)/ruff check .

execute: install ## Reset the exercise cells of NOTEBOOKS to their stubs (answers replaced), then re-execute them in place.
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

# The run-time wheels of `pip install lrlab` (no extras) and setuptools to build it, downloaded while
# the network is on, so that tests/test_packaging.py can install the built wheel in a clean venv offline.
# That test downloads them itself the first time it runs; .ci/run calls this first, then goes offline.
WHEELHOUSE_STAMP := $(VENV)/wheelhouse/complete
wheelhouse: $(WHEELHOUSE_STAMP) ## Download lrlab's run-time wheels (~400 MB) for the offline test of `pip install lrlab`.

$(WHEELHOUSE_STAMP): $(STAMP)
	$(BIN)/python tools/wheelhouse.py

BROWSER_STAMP := $(VENV)/.browser-stamp
browser-deps: $(BROWSER_STAMP) ## Install Playwright (and, as root, Debian's chromium) for the browser test.

$(BROWSER_STAMP): $(STAMP)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "No chromium: install it (e.g. apt-get install chromium) for the browser test."; fi
	$(PIP_INSTALL) -e ".[course,browser]"
	@touch $(BROWSER_STAMP)

BINDER_STAMP := $(VENV)/.binder-stamp
binder-deps: $(BINDER_STAMP) ## Install repo2docker, for the test of Binder's build plan.

$(BINDER_STAMP): $(STAMP)
	$(PIP_INSTALL) -e ".[course,binder]"
	@touch $(BINDER_STAMP)

test-browser: install browser-deps ## Lessons 01, 03-05 in headless Chromium: every explorer, save and reopen (screenshots in artifacts/).
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
	$(FLOOR_VENV)/bin/python -m pip install --quiet --progress-bar off -c tools/floor-constraints.txt -e ".[course]"
	$(FLOOR_VENV)/bin/python -m pytest -o addopts="" -p no:cacheprovider --doctest-modules tests lrlab \
		--deselect tests/test_packaging.py::test_the_environment_has_the_versions_the_stored_outputs_were_made_with
	$(FLOOR_VENV)/bin/python -m pytest -o addopts="" -p no:cacheprovider --nbval-lax --nbval-current-env notebooks

clean: ## Remove .venv (and its wheelhouse), caches and generated files.
	rm -rf $(VENV) $(COLAB_VENV) $(FLOOR_VENV) *.egg-info .pytest_cache artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
