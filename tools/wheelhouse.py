"""Download the wheels `pip install lrlab` needs at run time (about 400 MB), and setuptools to build
it, into a folder, so that tests/test_packaging.py can install the built wheel in a clean venv offline.

    python tools/wheelhouse.py [FOLDER]    # default: .venv/wheelhouse (what `make wheelhouse` runs)

The test calls `build()` itself when the folder is empty, so only a run of that test downloads;
.ci/run builds it first, while the network is on.
"""

import pathlib
import subprocess
import sys
from importlib.metadata import requires

ROOT = pathlib.Path(__file__).resolve().parent.parent
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
STAMP = "complete"  # written last: a folder without it is a download that did not finish


def is_built(folder=WHEELHOUSE):
    return (pathlib.Path(folder) / STAMP).is_file()


def build(folder=WHEELHOUSE):
    """Fill `folder` with lrlab's run-time wheels (pinned by tools/constraints.txt); raise on failure."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    runtime = [r for r in requires("lrlab") if "extra ==" not in r]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--progress-bar",
            "off",
            "-c",
            str(ROOT / "tools" / "constraints.txt"),
            "--wheel-dir",
            str(folder),
            *runtime,
            "setuptools>=77",
        ],
        check=True,
        timeout=1800,
    )
    (folder / STAMP).write_text("pip wheel finished\n")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else WHEELHOUSE)
