# Included by the Makefile: the course developers' targets (absent from the student edition).
.PHONY: test test-fast lint format execute wheelhouse test-browser browser-deps binder-deps colab-check floor-check \
	site site-deps

##@ Course developers
# pytest-xdist: three workers on two cores, since the class and browser tests spend part of their
# time waiting on the processes they start (measured: 353 s, against 369 s with two); --dist
# loadscope keeps a notebook's cells (and a module's shared fixtures) on one worker, in order, and
# --no-loadscope-reorder keeps the longest-first order tests/conftest.py gives them. PYTEST_ARGS
# passes more (benchmarks/test_suite.py uses it).
XDIST := -n 3 --dist loadscope --no-loadscope-reorder
# The lessons run once, from the student edition (the course's notebooks and lrlab, copied, with no
# instructor/ beside them): strict nbval there proves both the lessons and the edition.
SUITE_EDITION := build/suite/student-edition
test: install ## The full suite (what .ci/run runs): every test, strict nbval on every lesson, the class, the browser.
	$(BIN)/python tools/student_edition.py $(SUITE_EDITION)
	$(BIN)/python -m pytest $(XDIST) tests lrlab $(SUITE_EDITION)/notebooks $(PYTEST_ARGS)

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

test-browser: install browser-deps ## Lessons 01 and 10 in JupyterLab in headless Chromium: explorers, save and reopen (screenshots in artifacts/).
	$(BIN)/python -m pytest tests/test_browser.py -v

# The course as a website: the executed lessons as they are stored (no kernel runs), with their
# explorers live in the page, MathJax and every script served from the site (tools/site/).
SITE := build/site
SITE_STAMP := $(VENV)/.site-stamp
site-deps: $(SITE_STAMP) ## Install Sphinx, myst-nb, the book theme and MathJax (the `site` extra) for `make site`.

$(SITE_STAMP): $(STAMP)
	$(PIP_INSTALL) -e ".[course,site]"
	@touch $(SITE_STAMP)

site: site-deps ## The course as a static website in build/site/html (view: python3 -m http.server -d build/site/html).
	$(BIN)/python tools/site/lrlab_site.py $(SITE)

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
