"""Generate each notebook's navigation lines, the course map in 00 and the launch links: never edit them by hand.

    python tools/navigation.py           # rewrite generated cells that are stale
    python tools/navigation.py --check   # exit 1 if any is stale

A navigation cell is a markdown cell with metadata {"lrlab": {"nav": "top" | "bottom"}}; the
course map is the cell with {"lrlab": {"contents": true}}. Titles come from each notebook's H1,
and each lesson's one-line plan from the first paragraph after it.

Launch links need the course's public GitHub repository (GITHUB_REPOSITORY below). Once it is
set, every top navigation line gains "Open in Colab" (00 also "Launch on Binder"), every lesson
gains a Colab-only install cell {"lrlab": {"colab": true}} before its first code cell, and the
README's launch block (between its `<!-- launch -->` markers) gets the Binder and Colab links.
While it is empty, none of them exist (the README's block stays empty too): no link points at a
repository that is not there.
"""

import pathlib
import re
import sys
import urllib.parse

import nbformat

# The course's public GitHub repository as "owner/name" and the branch students get. Set it when
# the course is published, then run `make execute` and commit the notebooks.
GITHUB_REPOSITORY = ""
BRANCH = "main"

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
LAUNCH_BLOCK = re.compile(r"(<!-- launch -->\n).*?(<!-- /launch -->)", re.S)


def lessons(folder=NOTEBOOKS):
    """[(path, notebook, title, summary)] in course order."""
    found = []
    for path in sorted(pathlib.Path(folder).glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title, summary = path.stem, ""
        for cell in nb.cells:
            heading = (
                re.search(r"^# (.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
            )
            if heading and "lrlab" not in cell.metadata:
                title = heading.group(1).strip()
                rest = cell.source[heading.end() :].strip().split("\n\n")[0]
                summary = " ".join(rest.split())
                break
        found.append((path, nb, title, summary))
    return found


def check_repository(repository):
    if repository and not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise ValueError(
            f'`repository` must be "owner/name" on GitHub or empty. Received: repository={repository!r}'
        )


def colab_url(repository, branch, name):
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{name}"


def binder_url(repository, branch, name):
    return f"https://mybinder.org/v2/gh/{repository}/{branch}?urlpath=lab/tree/notebooks/{name}"


def nbgitpuller_url(hub, repository, branch, name):
    """A hub link that clones (or, clicked again, merges updates into) the course, then opens `name`."""
    query = urllib.parse.urlencode(
        {
            "repo": f"https://github.com/{repository}",
            "branch": branch,
            "urlpath": f"lab/tree/{repository.split('/')[1]}/notebooks/{name}",
        }
    )
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def colab_install_source(repository, branch):
    return (
        "# On Colab only: install lrlab from the course repository (this cell does nothing elsewhere).\n"
        "# Colab already has TensorFlow, Keras, scikit-learn, matplotlib and ipywidgets: --no-deps keeps them.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet --no-deps "lrlab @ git+https://github.com/{repository}@{branch}"\n'
        "    # Lesson 04's KerasTuner, and the TensorBoard it imports.\n"
        '    %pip install --quiet "keras-tuner>=1.4.6" tensorboard'
    )


def nav_line(items, i):
    parts = []
    if i > 0:
        parts.append(f"[← {items[i - 1][2]}]({items[i - 1][0].name})")
    parts.append(f"[Course map]({items[0][0].name}#Course-map)")
    if i + 1 < len(items):
        parts.append(f"[{items[i + 1][2]} →]({items[i + 1][0].name})")
    return " | ".join(parts)


def launch_line(name, repository, branch, binder=False):
    links = [f"[Open in Colab]({colab_url(repository, branch, name)})"]
    if binder:
        links.append(f"[Launch on Binder]({binder_url(repository, branch, name)})")
    return " · ".join(links)


def course_map(items):
    lines = ["## Course map", "", "| # | Lesson | What you will do |", "|---|---|---|"]
    for path, _, title, summary in items:
        lines.append(f"| {path.name[:2]} | [{title}]({path.name}) | {summary} |")
    return "\n".join(lines)


def readme_launch_block(items, repository, branch):
    if not repository:
        return ""  # unpublished: no sentence about links that do not exist yet
    first = items[0][0].name
    return (
        f"No install at all: [launch lesson 00 on Binder]({binder_url(repository, branch, first)}) "
        f"or [open it in Colab]({colab_url(repository, branch, first)}) "
        "(every lesson has its own Colab link, and a first cell that installs `lrlab` there).\n"
        "On a class JupyterHub with nbgitpuller, replace YOUR-HUB in\n"
        f"`{nbgitpuller_url('https://YOUR-HUB', repository, branch, first)}`.\n"
    )


def refresh_colab_cell(nb, repository, branch):
    """Insert, update or remove the Colab install cell; return True if the notebook changed."""
    index = next(
        (i for i, c in enumerate(nb.cells) if c.metadata.get("lrlab", {}).get("colab")), None
    )
    if not repository:
        if index is None:
            return False
        del nb.cells[index]
        return True
    source = colab_install_source(repository, branch)
    if index is None:
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(
            first_code, nbformat.v4.new_code_cell(source, metadata={"lrlab": {"colab": True}})
        )
        return True
    if nb.cells[index].source == source:
        return False
    nb.cells[index].source = source
    return True


def refresh(items, i, repository, branch):
    """Bring notebook i's generated cells up to date; return True if it changed."""
    path, nb = items[i][0], items[i][1]
    changed = False
    for cell in nb.cells:
        meta = cell.metadata.get("lrlab", {})
        want = None
        if meta.get("nav"):
            want = nav_line(items, i)
            if meta["nav"] == "top" and repository:
                want += "\n\n" + launch_line(path.name, repository, branch, binder=i == 0)
        elif meta.get("contents"):
            want = course_map(items)
        if want is not None and cell.source != want:
            cell.source, changed = want, True
    return refresh_colab_cell(nb, repository, branch) or changed


def main(argv, repository=GITHUB_REPOSITORY, branch=BRANCH, folder=NOTEBOOKS, readme=README):
    check_repository(repository)
    check_only = "--check" in argv
    items = lessons(folder)
    stale = False
    for i, (path, nb, _, _) in enumerate(items):
        if refresh(items, i, repository, branch):
            stale = True
            print(f"{'stale' if check_only else 'updated'}: {path.name}")
            if not check_only:
                nbformat.write(nb, path)
    text = pathlib.Path(readme).read_text()
    if not LAUNCH_BLOCK.search(text):
        raise ValueError(f"{readme} has no `<!-- launch -->` ... `<!-- /launch -->` block to fill")
    block = readme_launch_block(items, repository, branch)
    want = LAUNCH_BLOCK.sub(lambda m: m.group(1) + block + m.group(2), text)
    if want != text:
        stale = True
        print(f"{'stale' if check_only else 'updated'}: {pathlib.Path(readme).name}")
        if not check_only:
            pathlib.Path(readme).write_text(want)
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
