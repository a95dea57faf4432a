"""Generate each notebook's navigation lines and the course map in 00: never edit them by hand.

    python tools/navigation.py           # rewrite navigation cells that are stale
    python tools/navigation.py --check   # exit 1 if any is stale

A navigation cell is a markdown cell with metadata {"lrlab": {"nav": "top" | "bottom"}}; the
course map is the cell with {"lrlab": {"contents": true}}. Titles come from each notebook's H1,
and each lesson's one-line plan from the first paragraph after it.
"""

import pathlib
import re
import sys

import nbformat

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def lessons():
    """[(path, notebook, title, summary)] in course order."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title, summary = path.stem, ""
        for cell in nb.cells:
            heading = re.search(r"^# (.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
            if heading and "lrlab" not in cell.metadata:
                title = heading.group(1).strip()
                rest = cell.source[heading.end():].strip().split("\n\n")[0]
                summary = " ".join(rest.split())
                break
        found.append((path, nb, title, summary))
    return found


def nav_line(items, i):
    parts = []
    if i > 0:
        parts.append(f"[← {items[i - 1][2]}]({items[i - 1][0].name})")
    parts.append(f"[Course map]({items[0][0].name}#Course-map)")
    if i + 1 < len(items):
        parts.append(f"[{items[i + 1][2]} →]({items[i + 1][0].name})")
    return " | ".join(parts)


def course_map(items):
    lines = ["## Course map", "", "| # | Lesson | What you will do |", "|---|---|---|"]
    for path, _, title, summary in items:
        lines.append(f"| {path.name[:2]} | [{title}]({path.name}) | {summary} |")
    return "\n".join(lines)


def main(argv):
    check_only = "--check" in argv
    items = lessons()
    stale = False
    for i, (path, nb, _, _) in enumerate(items):
        changed = False
        for cell in nb.cells:
            meta = cell.metadata.get("lrlab", {})
            want = None
            if meta.get("nav"):
                want = nav_line(items, i)
            elif meta.get("contents"):
                want = course_map(items)
            if want is not None and cell.source != want:
                cell.source, changed = want, True
        if changed:
            stale = True
            print(f"{'stale' if check_only else 'updated'}: {path.name}")
            if not check_only:
                nbformat.write(nb, path)
    return 1 if check_only and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
