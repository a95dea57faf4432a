"""Quiet TensorFlow before any test imports it, seed each test, and keep deprecations loud."""

import os
import pathlib
import sys

import pytest

# instructor/ (solutions, hidden cases, nbgrader) is not a package students install: tests import it from the tree.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from lrlab.notebook import THIRD_PARTY_NOISE, quiet_tensorflow

quiet_tensorflow()
# nbval's kernels inherit this: there `lrlab.setup()` turns DeprecationWarnings into errors too.
os.environ["LRLAB_STRICT_WARNINGS"] = "1"


def pytest_configure(config):
    # After pyproject.toml's "error::DeprecationWarning", so these win: the one list of known noise.
    for message, module in THIRD_PARTY_NOISE:
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning:{module}")


def pytest_collection_modifyitems(config, items):
    """Longest first, so that `make test`'s workers finish together: the class, the browser and
    the site tests (a minute or more each, one worker each), then the notebooks, then the unit
    tests. A stable sort: each file's tests stay together and in order (pytest-xdist's --dist
    loadscope --no-loadscope-reorder hands out whole files in this order)."""

    def tier(item):
        path = str(item.path)
        if path.endswith(("test_class_grading.py", "test_browser.py", "test_site.py")):
            return 0
        return 1 if path.endswith(".ipynb") else 2

    items.sort(key=tier)


@pytest.fixture(autouse=True)
def _seeded():
    import keras

    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def sandbox_works():
    """Skip a test that grades in the sandbox where bwrap does not work, with the reason; fail
    it instead under .ci/run (LRLAB_EXPECT_SANDBOX=1), which installs bwrap: there a missing
    sandbox is a bug, not a machine without one."""
    from instructor import sandbox

    works, why = sandbox.available()
    if not works:
        message = f"no sandbox here: {why} (make sandbox-deps)"
        if os.environ.get("LRLAB_EXPECT_SANDBOX") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def explorer_page():
    """An explorer rendered from its widget state in headless Chromium (tests/explorer_page.py)."""
    from explorer_page import open_page

    yield from open_page()
