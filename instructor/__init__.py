"""LR Lab's instructor source: reference solutions, hidden cases and the nbgrader autograder.

Not part of the `lrlab` package students install (neither the wheel nor the Colab install ships
this folder). Run from the repository root (the Makefile does), which puts it on `sys.path`.

- `instructor.lesson01` ... `lesson09`: each lesson's reference answers (the single source of its
  exercise cells) and hidden cases; `instructor.solutions` finds them by exercise id;
- `instructor.cells`: the cells generated from them (student stub, nbgrader source, check cell);
- `instructor.hidden`: runs the hidden cases, only in the autograder;
- `instructor.sandbox`: the bubblewrap sandbox student code runs in when a class is graded;
- `instructor.judge`: grades one hand-in: its cells run in the sandbox, its verdicts are decided here;
- `instructor.autograde`: nbgrader's release, autograde and export for a class (`make release`, `make grade`).
"""
