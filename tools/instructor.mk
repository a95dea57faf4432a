# Included by the Makefile: the instructors' targets (absent from the student edition).
.PHONY: release grade sandbox-deps student-edition

##@ Instructors
##  make check NOTEBOOKS="their/*.ipynb"   grade one student's copies (read-only)
##  .venv/bin/python -m lrlab.grading their/*.ipynb   the same; exits 1 unless every exercise passed
# nbgrader's course folder: source/ (solutions and hidden cases, from instructor/), release/, gradebook.db.
COURSE ?= build/nbgrader
SUBMISSIONS ?= $(COURSE)/submitted
WORKERS ?= 2
release: install ## nbgrader: build the course folder (COURSE=build/nbgrader) and the student release (release/<lesson>/).
	$(BIN)/python -m instructor.autograde release --course $(COURSE)

# Student code runs in bubblewrap's sandbox; where there is none, `make grade` refuses unless UNSANDBOXED=1.
UNSANDBOXED ?=
grade: install ## Grade SUBMISSIONS=dir (<student>/<lesson>/<lesson>.ipynb) in a sandbox -> grades.csv and feedback.
	@test -f $(COURSE)/gradebook.db || { echo "Run \`make release\` first (no $(COURSE)/gradebook.db)."; exit 2; }
	$(BIN)/python -m instructor.autograde grade $(SUBMISSIONS) --course $(COURSE) --csv grades.csv \
		--workers $(WORKERS) $(if $(UNSANDBOXED),--unsandboxed,)

sandbox-deps: ## Install bubblewrap (Debian's package, as root), the sandbox `make grade` runs student code in.
	@command -v bwrap >/dev/null || \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
		else echo "No bwrap: install bubblewrap (e.g. sudo apt-get install bubblewrap) to grade a class."; fi

EDITION ?= build/student-edition
student-edition: ## The course for students of a graded class, without instructor/ or any solution (EDITION=dir).
	$(BIN)/python tools/student_edition.py $(EDITION)
