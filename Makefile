# LR Lab. Students: `make lab`, then `make check` to grade your exercises. The instructors' and course
# developers' targets (`make release`, `make test`...) are in tools/instructor.mk and tools/develop.mk,
# which the student edition (`make student-edition`) leaves out.
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
.PHONY: help lab check install clean

# `make help` prints each `##@` line as a heading, each `##  ` line as it is, and each
# `target: ... ## text` line as "make target  text".
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^##@ / {printf "\n%s\n", substr($$0, 5)} /^##  / {print substr($$0, 3)} \
		/^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Students
# Encrypt kernel traffic where pyzmq can (CurveZMQ): without it ipykernel warns "running over TCP without encryption".
ENCRYPT_FLAG = $(shell $(BIN)/python -c "import zmq; print('--KernelManager.transport_encryption=auto' if zmq.has('curve') else '')")

lab: install ## Set up .venv (first time only) and open JupyterLab at lesson 00 (localhost only, token on).
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) $(ENCRYPT_FLAG) notebooks/00_welcome.ipynb

# An exercise not passed yet is what the table says, not an error of the command: exit 1 is fine
# here (python -m lrlab.grading keeps it, for scripts); a missing notebook (2) is an error.
check: install ## Grade your exercises: a table exercise -> passed / failed / not attempted (not the test suite).
	@$(BIN)/python -m lrlab.grading $(NOTEBOOKS) || [ $$? -eq 1 ]

##@ Setup
# JupyterLab reads overrides.json from the environment it runs in (<prefix>/share/jupyter/lab/settings),
# so the course's defaults travel with .venv and never touch the student's own ~/.jupyter.
# fetchNews "false": no "Would you like to get notified about official Jupyter news?" toast over lesson 00
# (the feed needs the network anyway, and with it off JupyterLab also skips its update check).
# saveState false: a save leaves the widget state the lesson came with. ipywidgets would write only the
# widgets of the running kernel (none, in a lesson reopened and not re-run), so the next reopening
# showed "Error displaying widget: model not found"; and it marked every reopened lesson unsaved. An
# explorer has the same model id in every run (lrlab/explorers), so a re-run lesson still finds its state.
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

clean: ## Remove .venv (and its wheelhouse), caches and generated files.
	rm -rf $(VENV) $(COLAB_VENV) $(FLOOR_VENV) *.egg-info .pytest_cache artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The instructors' and developers' targets: absent from the student edition, hence -include.
-include tools/instructor.mk tools/develop.mk
