"""Run every notebook on Colab's package set: ipywidgets 7, lrlab importable but not pip-installed.

    make colab-check    # builds .venv-colab (needs the network), then runs this in it

Colab itself cannot run here; this checks what can be checked without it: the lessons and their
widgets on the ipywidgets 7 that Colab ships, with the newest TensorFlow and Keras from PyPI.
Notebooks run on scratch copies, so the committed outputs are untouched. Exit 1 if any fails.
"""

import pathlib
import shutil
import sys
import tempfile

import ipywidgets

import execute_notebooks

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    print(f"ipywidgets {ipywidgets.__version__}")
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
            copy = pathlib.Path(scratch) / path.name
            shutil.copy(path, copy)
            try:
                seconds, problems, _ = execute_notebooks.execute(str(copy))
            except Exception as error:  # report and go on with the others
                print(f"FAILED  {path.name}: {type(error).__name__}: {str(error)[-1500:]}")
                failed = True
                continue
            print(f"{seconds:6.1f} s  {path.name}" + "".join(f"\n        {p}" for p in problems))
            failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
