"""Binder builds the course from environment.yml: repo2docker's own plan for this repository, checked.

repo2docker can write the Dockerfile it would build without a Docker engine (--no-build); that
plan is what these tests read. Building the image itself needs Docker (or mybinder.org).
"""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPO2DOCKER = shutil.which(
    "repo2docker", path=str(pathlib.Path(sys.executable).parent)
) or shutil.which("repo2docker")
pytestmark = pytest.mark.skipif(
    REPO2DOCKER is None, reason="repo2docker is not installed (`make binder-deps` installs it)"
)


@pytest.fixture(scope="module")
def plan():
    out = subprocess.run(
        [
            REPO2DOCKER,
            "--no-build",
            "--no-run",
            "--debug",
            "--user-id",
            "1000",
            "--user-name",
            "jovyan",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout + out.stderr


def test_binder_uses_environment_yml_with_its_python(plan):
    assert "Building conda environment for python=3.11" in plan
    assert re.search(r"^\s*- python=3\.11$", (ROOT / "environment.yml").read_text(), re.M)


def test_the_repository_is_copied_before_environment_yml_is_installed(plan):
    """environment.yml's pip section ends with `-e .`: it only works once the source is in the image."""
    copy = plan.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    install = plan.index('env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"')
    assert copy < install


def test_the_kernel_and_jupyterlab_share_one_environment(plan):
    """So the widgets' JupyterLab extension that pip installs with ipywidgets is the one the server loads."""
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in plan


def test_the_binder_link_target_exists():
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), (
        "a binder/ folder would override environment.yml"
    )
