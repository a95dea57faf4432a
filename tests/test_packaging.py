"""Setup files agree with each other, and notebooks are stored the way strict nbval needs."""

import json
import pathlib
import re

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def _normalise(requirement):
    return re.sub(r"\s+", "", requirement).replace('"', "'")


def test_environment_yml_pip_section_matches_pyproject_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert pip_section[-1] == "-e .", "environment.yml's pip section must end with `-e .`"
    assert sorted(map(_normalise, pip_section[:-1])) == sorted(map(_normalise, pyproject))
    assert "conda-forge" in env["channels"]


def test_notebooks_are_numbered_from_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_")
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_in_order_quiet_with_a_kernelspec(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), "run `make execute`"
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", f"stderr stored: {output.get('text', '')[:200]}"
            assert output["output_type"] != "error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shape(path):
    nb = json.loads(path.read_text())
    text = ["".join(c["source"]) for c in nb["cells"]]
    assert nb["cells"][0]["metadata"].get("lrlab", {}).get("nav") == "top"
    assert nb["cells"][-1]["metadata"].get("lrlab", {}).get("nav") == "bottom"
    assert re.match(r"# \S", text[1]), "second cell: the H1 title"
    assert any("lrlab.setup(" in t for t in text), "a Setup cell calling lrlab.setup()"
    assert not any(re.search(r"^from \S+ import \*", t, re.M) for t in text)


def test_the_environment_has_the_versions_the_stored_outputs_were_made_with():
    """`make install` keeps to tools/constraints.txt; nbval's comparisons only mean something there."""
    from importlib import metadata

    from packaging.requirements import Requirement

    lines = (ROOT / "tools" / "constraints.txt").read_text().splitlines()
    pins = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    assert {"tensorflow-cpu", "keras", "numpy"} <= {pin.name for pin in pins}
    for pin in pins:
        if pin.marker is not None and not pin.marker.evaluate():
            continue
        try:
            installed = metadata.version(pin.name)
        except metadata.PackageNotFoundError:  # e.g. tensorflow-cpu where `tensorflow` is installed instead
            continue
        assert pin.specifier.contains(installed), f"{pin.name} {installed} is installed; run `make install`"
