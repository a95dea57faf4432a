"""The course site's own Sphinx extension (tools/site/conf.py loads it).

- Course order: lesson 00 is the home page; a hidden table of contents added to it lists the
  other lessons in order, for the sidebar and the previous / next buttons.
- Explorers without a kernel: lrlab/explorers/static_host.js goes into _static, and every page
  calls its `renderPage(document)`, which draws each anywidget view from the widget state myst-nb
  writes into the page (no require.js, no widget manager, nothing from a CDN).
- Launch links in each lesson's header (Colab, and JupyterLab on Binder), built by
  tools/navigation.py's functions from its GITHUB_REPOSITORY, and absent while that is empty.
- index.html sends a visitor to lesson 00.

Run as a script, it builds the site (what `make site` does):

    python tools/site/lrlab_site.py [OUT] [--notebooks DIR] [--root-doc NAME] [--repository O/N]

writes OUT/html (the site; OUT is build/site by default), with Sphinx's OUT/doctrees and myst-nb's
OUT/jupyter_execute beside it, afresh each time; any Sphinx warning (a broken link between lessons,
say) fails the build.
"""

import argparse
import html
import pathlib
import shutil
import sys

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STATIC_HOST = ROOT / "lrlab" / "explorers" / "static_host.js"
sys.path.insert(0, str(ROOT / "tools"))
import navigation  # noqa: E402


def jupyterlab_slug(title):
    """A heading's anchor as JupyterLab makes it ("Course map" -> "Course-map"), so that the
    lessons' links to each other's headings work on the site as they do in JupyterLab."""
    return title.strip().replace(" ", "-")


class LessonsInOrder(SphinxTransform):
    """Give the home page (lesson 00) a hidden toctree of the other lessons, in course order."""

    default_priority = 850  # before Sphinx emits doctree-read (880), where toctrees are noted

    def apply(self):
        if self.env.docname != self.config.root_doc:
            return
        lessons = sorted(name for name in self.env.found_docs if name != self.config.root_doc)
        toctree = addnodes.toctree(
            parent=self.env.docname,
            entries=[(None, name) for name in lessons],
            includefiles=lessons,
            maxdepth=1,
            caption=None,
            glob=False,
            hidden=True,
            includehidden=False,
            numbered=0,
            titlesonly=True,
            rawentries=[],
        )
        wrapper = nodes.compound(classes=["toctree-wrapper"])
        wrapper += toctree
        section = next(iter(self.document.findall(nodes.section)), self.document)
        section += wrapper


def launch_buttons(pagename, repository, branch=navigation.BRANCH):
    """The header's launch menu of a lesson (sphinx-book-theme's `header_buttons`): Colab, and
    JupyterLab on Binder, with tools/navigation.py's links; none while `repository` is empty."""
    if not repository:
        return []
    navigation.check_repository(repository)
    name = f"{pagename}.ipynb"
    links = [  # (where, the menu's text, its link, its logo in the theme's _static/images)
        ("Colab", "Colab", navigation.colab_url(repository, branch, name), "logo_colab.png"),
        (
            "JupyterLab",
            "JupyterLab on Binder",
            navigation.binder_url(repository, branch, name),
            "logo_binder.svg",
        ),
    ]
    return [
        {
            "type": "group",
            "tooltip": "Run this lesson",
            "icon": "fas fa-rocket",
            "label": "launch-buttons",
            "buttons": [
                {
                    "type": "link",
                    "text": text,
                    "tooltip": f"Open this lesson in {where}",
                    "icon": f"_static/images/{logo}",
                    "url": url,
                    "label": f"launch-{where.lower()}",
                }
                for where, text, url, logo in links
            ],
        }
    ]


def on_page(app, pagename, templatename, context, doctree):
    # No favicon request (a 404 in the console of every page).
    context["metatags"] = context.get("metatags", "") + '<link rel="icon" href="data:,">\n'
    if doctree is not None and pagename in app.env.found_docs:
        context.setdefault("header_buttons", []).extend(
            launch_buttons(pagename, app.config.lrlab_repository)
        )


def on_builder_inited(app):
    static = pathlib.Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "static_host.js").write_text(STATIC_HOST.read_text(encoding="utf-8"), "utf-8")
    (static / "lrlab_site.js").write_text(
        "// Draw every explorer on this page from its saved widget state, with no kernel; then say\n"
        "// how many were drawn (<html data-explorers>), for the site's browser test.\n"
        'import { renderPage } from "./static_host.js";\n\n'
        "const models = await renderPage(document);\n"
        "document.documentElement.dataset.explorers = String(models.length);\n",
        "utf-8",
    )


def on_build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        # The theme's FontAwesome script (1.5 MB, on every page) only redraws as SVG the icons
        # its stylesheet already draws with the icon fonts it ships: a page is 40% lighter without.
        fontawesome = pathlib.Path(app.outdir) / "_static" / "scripts" / "fontawesome.js"
        if fontawesome.is_file():
            fontawesome.write_text("// The icons come from the theme's stylesheet and fonts.\n")
        first = f"{app.config.root_doc}.html"
        (pathlib.Path(app.outdir) / "index.html").write_text(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="refresh" content="0; url={first}">\n'
            f"<title>{html.escape(app.config.project)}</title></head>\n"
            f'<body><a href="{first}">{html.escape(app.config.project)}: lesson 00</a></body>'
            "</html>\n",
            "utf-8",
        )


def setup(app):
    app.add_transform(LessonsInOrder)
    # An ES module on every page; its import of static_host.js resolves against its own URL in
    # _static, so one file serves pages at any depth.
    app.add_js_file("lrlab_site.js", type="module")
    app.connect("builder-inited", on_builder_inited)
    # "owner/name" of the course on GitHub (`-D lrlab_repository=...` to try another).
    app.add_config_value("lrlab_repository", navigation.GITHUB_REPOSITORY, "html", str)
    # After sphinx-book-theme has started the page's header buttons (priority 500).
    app.connect("html-page-context", on_page, priority=502)
    app.connect("build-finished", on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def build(
    out=ROOT / "build" / "site", notebooks=ROOT / "notebooks", root_doc=None, repository=None
):
    """Build the site from the executed notebooks in `notebooks` into out/html; return
    Sphinx's exit status (0: built, with no warning)."""
    from sphinx.cmd.build import build_main

    out = pathlib.Path(out)
    for part in ("html", "doctrees", "jupyter_execute"):  # only what a build writes
        shutil.rmtree(out / part, ignore_errors=True)
    options = ["-q", "-W", "--keep-going", "-b", "html", "-c", str(HERE)]
    options += ["-d", str(out / "doctrees")]
    if root_doc:
        options += ["-D", f"root_doc={root_doc}"]
    if repository:
        options += ["-D", f"lrlab_repository={repository}"]
    return build_main([*options, str(notebooks), str(out / "html")])


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the course site from the notebooks.")
    parser.add_argument("out", nargs="?", default=ROOT / "build" / "site", type=pathlib.Path)
    parser.add_argument("--notebooks", default=ROOT / "notebooks", type=pathlib.Path)
    parser.add_argument("--root-doc", help="the home page's notebook name (00_welcome)")
    parser.add_argument(
        "--repository", help="owner/name on GitHub for the launch links (tools/navigation.py's)"
    )
    args = parser.parse_args(argv)
    status = build(args.out, args.notebooks, args.root_doc, args.repository)
    if status == 0:
        print(f"The site is in {args.out / 'html'}: python -m http.server -d {args.out / 'html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
