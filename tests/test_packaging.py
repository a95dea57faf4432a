"""Setup files agree with each other, `pip install lrlab` works on its own, and notebooks are
stored the way strict nbval needs."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
sys.path.insert(0, str(ROOT / "tools"))
import wheelhouse  # noqa: E402

# .ci/run fills it (`make wheelhouse`) while the network is on; else the first test that needs it does.
WHEELHOUSE = wheelhouse.WHEELHOUSE


def _normalise(requirement):
    return re.sub(r"\s+", "", requirement).replace('"', "'")


def _name(requirement):
    from packaging.requirements import Requirement

    return re.sub(r"[-_.]+", "-", Requirement(requirement).name).lower()


def test_environment_yml_pip_section_is_pyprojects_dependencies_plus_the_course_extra():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert pip_section[-1] == "-e .[course]", (
        "environment.yml's pip section must end with `-e .[course]`"
    )
    wanted = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["course"]
    assert sorted(map(_normalise, pip_section[:-1])) == sorted(map(_normalise, wanted))
    assert "conda-forge" in env["channels"]


def test_the_course_tools_are_an_extra_and_not_what_lrlab_needs_at_run_time():
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    course = {_name(r) for r in PROJECT["optional-dependencies"]["course"]}
    assert {"jupyterlab", "pytest", "nbval", "keras-tuner", "tensorboard"} <= course
    assert not runtime & course
    assert runtime == {
        "tensorflow-cpu",
        "tensorflow",
        "keras",
        "numpy",
        "scikit-learn",
        "matplotlib",
        "ipywidgets",
        "anywidget",
    }


@pytest.fixture(scope="module")
def wheel():
    """lrlab's wheel, built offline from a copy of the files it is made of (the tree stays clean)."""
    if not wheelhouse.is_built():
        try:
            wheelhouse.build()  # about 400 MB, once
        except subprocess.CalledProcessError:
            pytest.skip(
                f"no wheelhouse at {WHEELHOUSE} and no network to download it: `make wheelhouse`"
            )
    with tempfile.TemporaryDirectory(prefix="lrlab-wheel-") as scratch:
        source, dist = pathlib.Path(scratch) / "src", pathlib.Path(scratch) / "dist"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, source / name)
        shutil.copytree(
            ROOT / "lrlab", source / "lrlab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        # Build isolation as a user's pip does it, with setuptools taken from the wheelhouse.
        _pip("wheel", "--no-deps", "--wheel-dir", str(dist), str(source))
        (built,) = dist.glob("lrlab-*.whl")
        yield built


def _pip(*args, python=None):
    """Run pip offline with no config file: packages come from the wheelhouse, or nowhere."""
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    target = ["--python", python] if python else []
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            *target,
            *args[:1],
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            "--quiet",
            "--progress-bar",
            "off",
            *args[1:],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


@pytest.mark.slow
def test_the_wheel_requires_only_what_lrlab_needs_at_run_time(wheel):
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
        packaged = {n for n in archive.namelist() if not n.startswith("lrlab-")}
    requires = [
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    unconditional = [r for r in requires if "extra ==" not in r]
    assert sorted(map(_normalise, unconditional)) == sorted(
        map(_normalise, PROJECT["dependencies"])
    )
    course = {_name(r) for r in PROJECT["optional-dependencies"]["course"]}
    assert not {_name(r) for r in unconditional} & course
    assert "Provides-Extra: course" in metadata
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "lrlab").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert packaged == sources, (
        "the wheel must hold every file of lrlab/ (package data too) and nothing else"
    )


def _memory_backed_tmp(needed=4e9):
    """Linux's /dev/shm when it has room: the venv is 1.7 GB (TensorFlow), written then deleted.
    Else None (the usual temp dir)."""
    shm = pathlib.Path("/dev/shm")
    try:
        return (
            str(shm)
            if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > needed
            else None
        )
    except OSError:
        return None


@pytest.mark.slow
def test_pip_install_lrlab_in_a_clean_venv_imports_every_module_and_runs_a_range_test(wheel):
    """The practitioner's `pip install lrlab`: a venv that sees no other site-packages, no extras."""
    with zipfile.ZipFile(wheel) as archive:
        modules = sorted(
            pathlib.PurePosixPath(n).stem
            for n in archive.namelist()
            if re.fullmatch(r"lrlab/[a-z]\w*\.py", n)
        )
    assert {"schedules", "finder", "widgets"} <= set(modules)
    script = f"""
import importlib, importlib.util, os, sys
assert sys.prefix != sys.base_prefix and not any("{ROOT}" in p for p in sys.path), sys.path
import lrlab
assert os.path.dirname(lrlab.__file__).startswith(sys.prefix), lrlab.__file__
modules = {modules!r}
for name in modules:
    importlib.import_module("lrlab." + name)
for tool in ("jupyterlab", "pytest", "nbval", "keras_tuner", "tensorboard"):  # the course extra's
    assert importlib.util.find_spec(tool) is None, tool + " is installed without the course extra"
import keras, numpy as np
from sklearn.datasets import load_digits
from lrlab import finder
digits = load_digits()
x, y = (digits.data[:256] / 16).astype("float32"), digits.target[:256]
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
result = finder.lr_range_test(model, x, y, min_lr=1e-4, max_lr=1.0, steps=8, batch_size=32)
assert 1 <= len(result.lrs) <= 8 and np.all(np.isfinite(result.raw_losses[:2])), result
assert 1e-4 <= result.suggestion() <= 1.0
import matplotlib
matplotlib.use("Agg")
result.plot()
print("ok", len(modules), "modules")
"""
    with tempfile.TemporaryDirectory(
        prefix="lrlab-clean-venv-", dir=_memory_backed_tmp()
    ) as scratch:
        venv = pathlib.Path(scratch) / "venv"
        # No pip inside (the running pip installs into it) and no system site-packages.
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
        )
        python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
        _pip("install", "--no-compile", str(wheel), python=python)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": scratch,
            "MPLCONFIGDIR": scratch,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0",
        }
        out = subprocess.run(
            [python, "-c", script],
            cwd=scratch,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert f"ok {len(modules)} modules" in out.stdout


def test_make_install_ships_jupyterlab_settings_without_the_news_prompt():
    """`make install` writes JupyterLab's overrides into .venv (not ~/.jupyter): no "official Jupyter news?" toast."""
    venv = ROOT / ".venv"
    if pathlib.Path(sys.prefix).resolve() != venv.resolve():
        pytest.skip("not running in the .venv that `make install` sets up")
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.is_file(), "run `make install`"
    settings = json.loads(overrides.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_notebooks_are_numbered_from_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_")
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_in_order_quiet_with_a_kernelspec(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    counts = [
        c["execution_count"]
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
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
    long = [
        line
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > 100
    ]
    assert not long, f"code lines over 100 characters run off a student's cell: {long}"


def test_make_execute_resets_exercise_cells_only_in_the_notebooks_it_is_given(tmp_path, capsys):
    """`make execute NOTEBOOKS=...` refreshes generated cells there, and leaves answers in every other notebook."""
    sys.path.insert(0, str(ROOT / "tools"))
    import execute_notebooks

    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    answered = {}
    for path in sorted(tmp_path.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        cell = next(
            (c for c in nb["cells"] if c["metadata"].get("lrlab", {}).get("exercise")), None
        )
        if cell is not None:
            cell["source"] = "def my_answer():\n    return 42\n"
            path.write_text(json.dumps(nb, indent=1))
            answered[path.name] = (cell["metadata"]["lrlab"]["exercise"], path.read_bytes())
    assert len(answered) >= 2
    chosen, *untouched = sorted(answered)
    execute_notebooks.refresh_generated([str(tmp_path / chosen)], folder=tmp_path)
    for name in untouched:
        assert (tmp_path / name).read_bytes() == answered[name][1], f"{name} was modified"
    assert "my_answer" not in (tmp_path / chosen).read_text()
    assert (
        f"reset to the stub (its code was replaced): {tmp_path / chosen} exercise {answered[chosen][0]}"
        in capsys.readouterr().out
    )


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
        except (
            metadata.PackageNotFoundError
        ):  # e.g. tensorflow-cpu where `tensorflow` is installed instead
            continue
        assert pin.specifier.contains(installed), (
            f"{pin.name} {installed} is installed; run `make install`"
        )


@pytest.mark.slow
def test_the_wheel_holds_no_solutions_nor_hidden_cases(wheel):
    """The reference solutions and hidden cases live in instructor/, which students never install."""
    sys.path.insert(0, str(ROOT))
    from instructor import cells
    from lrlab import exercises

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in names)
    assert not any(n.startswith("instructor/") or n.endswith("solutions.py") for n in names)
    assert (
        "### BEGIN SOLUTION" not in text
        and "BEGIN HIDDEN TESTS" not in text
        and "HIDDEN_CASES" not in text
    )
    flat = "\n".join(
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    )
    for exercise_id in (
        exercises.EXERCISES
    ):  # each solution block, as a whole (one line alone may be ordinary lrlab code)
        source = cells.nbgrader_source(exercise_id)
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)\n *### END SOLUTION", source, re.S):
            body = "\n".join(
                line.strip()
                for line in block.splitlines()
                if line.strip() and not line.strip().startswith("#")
            )
            assert body not in flat, f"the solution to {exercise_id} is in the wheel"
