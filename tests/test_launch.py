"""Launch links for a published course: Colab on every lesson, Binder for lesson 00, a Colab-only install cell.

The committed course has no repository URL yet (tools/navigation.py: GITHUB_REPOSITORY), so these
tests publish a copy under a made-up repository and check what a student would click and run.
"""

import pathlib
import re
import shutil
import subprocess
import sys
import types
import urllib.parse

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import navigation  # noqa: E402

REPO = "example-org/lr-lab"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture
def published(tmp_path):
    folder, readme = tmp_path / "notebooks", tmp_path / "README.md"
    folder.mkdir()
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    shutil.copy(ROOT / "README.md", readme)
    assert navigation.main([], repository=REPO, branch="main", folder=folder, readme=readme) == 0
    return folder, readme


def _links(text, label):
    return re.findall(rf"\[{label}\]\((\S+)\)", text)


def test_every_lesson_opens_itself_in_colab(published):
    folder, _ = published
    for name in LESSONS:
        top = nbformat.read(folder / name, as_version=4).cells[0]
        assert top.metadata["lrlab"]["nav"] == "top"
        (url,) = _links(top.source, "Open in Colab")
        assert url == f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{name}"
        assert (ROOT / url.split("/blob/main/", 1)[1]).is_file()


def test_lesson_00_and_the_readme_launch_lesson_00_on_binder(published):
    folder, readme = published
    binder = f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=lab/tree/notebooks/00_welcome.ipynb"
    assert _links(
        nbformat.read(folder / LESSONS[0], as_version=4).cells[0].source, "Launch on Binder"
    ) == [binder]
    assert binder in readme.read_text()
    for name in LESSONS[1:]:
        assert "mybinder.org" not in nbformat.read(folder / name, as_version=4).cells[0].source


def test_the_readme_gives_a_jupyterhub_link_that_clones_this_repository_and_opens_lesson_00(
    published,
):
    _, readme = published
    (link,) = re.findall(
        r"`(https://YOUR-HUB/hub/user-redirect/git-pull\?\S+)`", readme.read_text()
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert query == {
        "repo": [f"https://github.com/{REPO}"],
        "branch": ["main"],
        "urlpath": [
            "lab/tree/lr-lab/notebooks/00_welcome.ipynb"
        ],  # nbgitpuller clones into the repo's name
    }


def test_the_colab_cell_is_each_lessons_first_code_cell(published):
    folder, _ = published
    for name in LESSONS:
        code = [
            c for c in nbformat.read(folder / name, as_version=4).cells if c.cell_type == "code"
        ]
        assert code[0].metadata["lrlab"] == {"colab": True}, name
        assert sum(bool(c.metadata.get("lrlab", {}).get("colab")) for c in code) == 1, name


def test_publishing_is_idempotent_and_unpublishing_restores_the_committed_files(published):
    folder, readme = published
    assert (
        navigation.main(["--check"], repository=REPO, branch="main", folder=folder, readme=readme)
        == 0
    )
    assert navigation.main([], repository="", folder=folder, readme=readme) == 0
    for name in LESSONS:
        assert (folder / name).read_text() == (ROOT / "notebooks" / name).read_text(), name
    assert readme.read_text() == (ROOT / "README.md").read_text()


def test_a_url_instead_of_owner_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match=re.escape("repository='https://github.com/a/b'")):
        navigation.main(
            [], repository="https://github.com/a/b", folder=tmp_path, readme=tmp_path / "README.md"
        )


def _run_colab_cell(monkeypatch, on_colab):
    """Run the cell as IPython would (magics transformed), recording the %pip calls."""
    calls = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append((name, line)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    code = TransformerManager().transform_cell(navigation.colab_install_source(REPO, "main"))
    exec(code, {"get_ipython": lambda: shell})
    return calls


def test_the_colab_cell_does_nothing_outside_colab(monkeypatch):
    assert _run_colab_cell(monkeypatch, on_colab=False) == []


def test_the_colab_cell_installs_lrlab_from_the_repository_without_touching_colabs_packages(
    monkeypatch,
):
    lrlab_install, tuner_install = _run_colab_cell(monkeypatch, on_colab=True)
    assert lrlab_install == (
        "pip",
        f'install --quiet --no-deps "lrlab @ git+https://github.com/{REPO}@main"',
    )
    assert tuner_install == (
        "pip",
        'install --quiet "keras-tuner>=1.4.6" tensorboard',
    )  # lesson 04; not on Colab by default
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'name = "lrlab"' in pyproject  # the name the install line asks for
    assert '"keras-tuner>=1.4.6"' in pyproject  # the same floor as the course's own environment


@pytest.mark.slow
def test_lrlab_works_installed_on_its_own_without_the_repository(tmp_path):
    """What the Colab cell installs is the lrlab folder alone: it must not need tools/, tests/ or notebooks/."""
    shutil.copytree(
        ROOT / "lrlab", tmp_path / "lrlab", ignore=shutil.ignore_patterns("__pycache__")
    )
    modules = sorted(p.stem for p in (ROOT / "lrlab").glob("*.py") if p.stem != "__init__")
    script = (
        "import importlib, importlib.util, lrlab\n"
        f"assert lrlab.__file__.startswith({str(tmp_path)!r}), lrlab.__file__\n"
        f"for name in {modules!r}: importlib.import_module('lrlab.' + name)\n"
        "from lrlab import exercises\n"
        "def adam_steps(gradients, learning_rate):  # Keras's Adam, one weight\n"
        "    m = v = 0.0\n"
        "    out = []\n"
        "    for t, g in enumerate(gradients, start=1):\n"
        "        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g\n"
        "        alpha = learning_rate * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t)\n"
        "        out.append(-alpha * m / (v**0.5 + 1e-7))\n"
        "    return out\n"
        "assert exercises.check('adam_steps', adam_steps).passed\n"
        "assert importlib.util.find_spec('lrlab.solutions') is None  # the solutions stay with the instructor\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
