"""The course site (`make site`) as a reader sees it, in headless Chromium with no kernel.

The site is built once, afresh, with the command `make site` runs (tools/site/lrlab_site.py; any
Sphinx warning fails it), served on localhost by Python's http.server, and each page is opened
once. On every page: no request leaves localhost (any that tries is blocked and reported), no
console error and no failed load, every formula typeset by MathJax, every figure loaded with a
nonzero size, every internal link pointing at a page and anchor of the site (the lessons' own
`NN_name.ipynb` links included), the launch links tools/navigation.py makes (none while it has
no repository), and every explorer (`.lrlab-explorer-host`, drawn by static_host.js from the
page's saved widget state) drawn; one with a slider changes what it shows after an ArrowRight key
press on it, then after a mouse drag. Pages with explorers are photographed into artifacts/site/.
The home page opens lesson 00, the sidebar lists the lessons in course order, and the search page
finds a lesson.

A scratch notebook with a tiny anywidget, executed here with nbclient (widget state stored), is
built into a second small site the same way, as if the course were published (launch links to
a made-up repository): the path from a notebook's saved anywidget to a live explorer on the page
is tested whatever the lessons hold.

Skipped, with the reason, where Sphinx (`make site-deps`), Playwright or Chromium
(`make browser-deps`) is missing.
"""

import functools
import http.server
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from chromium import ARGS, CHROMIUM

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "tools" / "site" / "lrlab_site.py"
ARTIFACTS = ROOT / "artifacts" / "site"
LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytest.importorskip("sphinx", reason="Sphinx is not installed: `make site-deps` installs it")
pytest.importorskip("myst_nb", reason="myst-nb is not installed: `make site-deps` installs it")
sys.path.insert(0, str(BUILD.parent))
import lrlab_site  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import navigation  # noqa: E402

# The scratch explorer: a slider whose value the text beside it shows.
SCRATCH_WIDGET = '''import anywidget
import traitlets


class Scratch(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const input = document.createElement("input");
        Object.assign(input, { type: "range", min: 0, max: 10, step: 1, value: model.get("value") });
        input.setAttribute("aria-label", "value");
        const shown = document.createElement("output");
        const draw = () => { shown.textContent = `value ${model.get("value")}`; };
        input.addEventListener("input", () => { model.set("value", Number(input.value)); model.save_changes(); });
        model.on("change:value", draw);
        draw();
        el.append(input, shown);
      },
    };
    """
    _css = ".lrlab-explorer-host output { margin-left: 1em; }"
    value = traitlets.Int(3).tag(sync=True)


Scratch()'''


# ---- without a browser ---------------------------------------------------------------------------


def _launch_urls(buttons):
    return [button["url"] for group in buttons for button in group["buttons"]]


def test_no_launch_links_while_the_course_has_no_public_repository():
    assert lrlab_site.launch_buttons("03_too_small", repository="") == []


def test_launch_links_are_navigation_pys_colab_and_binder_links():
    buttons = lrlab_site.launch_buttons("03_too_small", "someone/lr-lab", branch="main")
    name = "03_too_small.ipynb"
    assert _launch_urls(buttons) == [
        navigation.colab_url("someone/lr-lab", "main", name),
        navigation.binder_url("someone/lr-lab", "main", name),
    ]
    with pytest.raises(ValueError, match="repository"):
        lrlab_site.launch_buttons("03_too_small", repository="not a repository")


def test_headings_are_anchored_as_jupyterlab_anchors_them():
    assert lrlab_site.jupyterlab_slug("Course map") == "Course-map"  # 00_welcome.ipynb#Course-map


# ---- the built site in Chromium ------------------------------------------------------------------


def _anywidget_views(notebook):
    """How many of a notebook's outputs are views of an anywidget model (an explorer)."""
    states = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return sum(
        states.get(output["data"][WIDGET_VIEW]["model_id"], {}).get("model_module") == "anywidget"
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    )


def _figures(notebook):
    """How many outputs the page shows as a figure: those with an image and nothing myst-nb
    prefers to it (a widget view, JavaScript, HTML)."""
    preferred = {WIDGET_VIEW, "application/javascript", "text/html"}
    return sum(
        any(kind.startswith("image/") for kind in output.get("data", {}))
        and not preferred & output["data"].keys()
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def _scratch_notebook(folder):
    """A one-explorer notebook, executed as `make execute` does (widget state stored)."""
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A scratch explorer\n\nIts slider sets $v$."),
        nbformat.v4.new_code_cell(SCRATCH_WIDGET),
    ]
    nbclient.NotebookClient(notebook, store_widget_state=True, timeout=120).execute()
    folder.mkdir()
    nbformat.write(notebook, folder / "00_scratch.ipynb")


def _build(out, *options):
    return subprocess.Popen(
        [sys.executable, str(BUILD), str(out), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finished(build, what):
    output, _ = build.communicate(timeout=300)
    assert build.returncode == 0, f"the {what} did not build (Sphinx warnings fail it):\n{output}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Both sites, built side by side: the course's and the scratch explorer's."""
    work = tmp_path_factory.mktemp("site")
    for old in ARTIFACTS.glob("*.png"):  # this run's screenshots only
        old.unlink()
    start = time.perf_counter()
    # The lessons as they are now: the checks read the very notebooks the site was built from.
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".*"))
    course = _build(work / "course", "--notebooks", str(work / "notebooks"))
    _scratch_notebook(work / "scratch-notebooks")
    # The scratch site as if the course were published (the course's follows navigation.py).
    scratch = _build(
        work / "scratch",
        *("--notebooks", str(work / "scratch-notebooks"), "--root-doc", "00_scratch"),
        *("--repository", "someone/lr-lab"),
    )
    _finished(course, "course site")
    _finished(scratch, "scratch site")
    print(f"both sites built in {time.perf_counter() - start:.1f} s")
    return work


@pytest.fixture(scope="module")
def served(sites):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(sites))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: `make browser-deps` installs it"
    )
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium` (make browser-deps)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def context(browser, served):
    """One browser context for every page (one cache, as a reader's browser has), in which any
    request that would leave localhost is blocked and noted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.outside = []

    def block(route):
        context.outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith((f"{served}/", "data:", "blob:")), block)
    yield context
    context.close()


class Reader:
    """One page as a reader opens it, with everything that went wrong on the way."""

    def __init__(self, context, served):
        self.served, self.context = served, context
        del context.outside[:]
        self.outside, self.errors = context.outside, []
        self.page = context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.page.on(
            "response",
            lambda response: (
                response.status >= 400 and self.errors.append(f"{response.status}: {response.url}")
            ),
        )

    def open(self, path):
        self.page.goto(f"{self.served}/{path}", wait_until="load")
        return self.page

    def close(self):
        self.page.close()


@pytest.fixture
def reader(context, served):
    opened = Reader(context, served)
    yield opened
    opened.close()


def _typeset(page):
    """(formulas on the page, formulas MathJax typeset, MathJax's error boxes)."""
    return page.evaluate(
        """async () => {
            const formulas = document.querySelectorAll(".math");
            if (!formulas.length) return [0, 0, 0];
            await window.MathJax.startup.promise;
            const done = [...formulas].filter(f => f.querySelector("mjx-container")).length;
            return [formulas.length, done, document.querySelectorAll("mjx-merror").length];
        }"""
    )


def _broken_links(page, served, root):
    """Links of the page's article to a file or an anchor the site does not have (`root`: the
    folder `served` serves)."""
    broken = []
    for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.href)"):
        if not href.startswith(f"{served}/"):
            continue
        url = urllib.parse.urlsplit(href)
        target = root / urllib.parse.unquote(url.path.lstrip("/"))
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(href)
        elif url.fragment and target.suffix == ".html":
            if f'id="{url.fragment}"' not in target.read_text(encoding="utf-8"):
                broken.append(href)
    return broken


def _content(host):
    """What an explorer shows, its controls left out (a slider's own attributes move with it)."""
    return host.evaluate(
        """host => {
            const copy = host.cloneNode(true);
            copy.querySelectorAll("input, select, button").forEach(control => control.remove());
            return copy.innerHTML;
        }"""
    )


def _changes(page, host, before, timeout=2.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _content(host) != before:
            return True
        page.wait_for_timeout(20)
    return False


def _check_explorers(page, expected, shot):
    """Each explorer is drawn; one with a slider moves on a key press, then on a mouse drag."""
    # lrlab_site.js marks the page once static_host.js's renderPage has drawn every explorer.
    page.wait_for_selector("html[data-explorers]", state="attached")
    drawn = int(page.get_attribute("html", "data-explorers"))
    hosts = page.locator(".lrlab-explorer-host")
    assert drawn == hosts.count() == expected, "every anywidget view of the notebook is drawn"
    for i in range(expected):
        host = hosts.nth(i)
        host.scroll_into_view_if_needed()
        box = host.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"explorer {i} is drawn"
        sliders = host.locator("input[type=range]")
        if not sliders.count():
            continue
        slider = sliders.first
        before = _content(host)
        slider.focus()
        at_max = slider.evaluate("s => Number(s.value) >= Number(s.max)")
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        assert _changes(page, host, before), f"explorer {i} does not move on a key press"
        before = _content(host)
        track = slider.bounding_box()
        y = track["y"] + track["height"] / 2
        page.mouse.move(track["x"] + track["width"] * 0.5, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] * 0.2, y, steps=5)
        page.mouse.up()
        assert _changes(page, host, before), f"explorer {i} does not move on a mouse drag"
    if expected:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        hosts.first.evaluate(
            "e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -90); }"
        )
        page.mouse.move(0, 0)
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))


def _read(reader, site, name, notebook, shot):
    """Open one page and check it as a reader would (`shot`: its screenshot's name)."""
    page = reader.open(f"{site.name}/html/{name}.html")
    formulas, typeset, failed = _typeset(page)
    assert typeset == formulas and not failed, (
        f"MathJax typeset {typeset} of {formulas} formulas ({failed} errors)"
    )
    images = page.eval_on_selector_all(
        "main img", "images => images.map(i => [i.src, i.complete && i.naturalWidth > 0])"
    )
    assert [src for src, loaded in images if not loaded] == [], "figures that did not load"
    shown = page.locator("main .cell_output img").count()
    assert shown == _figures(notebook), "every figure the notebook stores is on the page"
    assert _broken_links(page, reader.served, site.parent) == []
    assert page.locator("article a[href$='.ipynb']").count() == 0, "a lesson link left as .ipynb"
    _check_explorers(page, _anywidget_views(notebook), shot)
    assert reader.outside == [], "requests that left localhost"
    assert reader.errors == [], "console errors or failed loads"
    return page


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_a_lesson_reads_offline_with_its_math_figures_links_and_live_explorers(
    sites, reader, lesson
):
    notebook = json.loads((sites / "notebooks" / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    page = _read(reader, sites / "course", lesson, notebook, shot=lesson)
    assert page.locator("main h1").first.inner_text().strip(), "the lesson has its title"
    launch = page.locator(".dropdown-launch-buttons a")
    assert [launch.nth(i).get_attribute("href") for i in range(launch.count())] == _launch_urls(
        lrlab_site.launch_buttons(lesson, navigation.GITHUB_REPOSITORY)
    ), "launch links (none while navigation.GITHUB_REPOSITORY is empty)"


@pytest.mark.slow
def test_the_home_page_opens_lesson_00_and_the_sidebar_lists_the_lessons_in_order(sites, reader):
    page = reader.open("course/html/")
    page.wait_for_url(re.compile(rf"/{LESSONS[0]}\.html$"))
    sidebar = page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference", "links => links.map(a => a.pathname)"
    )
    assert [path.rsplit("/", 1)[-1].removesuffix(".html") for path in sidebar] == LESSONS
    assert reader.outside == [] and reader.errors == []


@pytest.mark.slow
def test_the_search_page_finds_a_lesson(sites, reader):
    page = reader.open("course/html/search.html?q=warm-up")
    page.wait_for_function("() => document.querySelectorAll('#search-results li a').length > 0")
    found = page.eval_on_selector_all(
        "#search-results li a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert any(href.startswith("07_beyond") for href in found), found
    assert reader.outside == [] and reader.errors == []


@pytest.mark.slow
def test_a_saved_anywidget_is_live_on_the_page_without_a_kernel(sites, reader):
    """The scratch notebook's explorer: drawn from its saved state; its slider moves it."""
    site = sites / "scratch"
    notebook = json.loads(
        (sites / "scratch-notebooks" / "00_scratch.ipynb").read_text(encoding="utf-8")
    )
    assert _anywidget_views(notebook) == 1
    page = _read(reader, site, "00_scratch", notebook, shot="scratch_explorer")
    host = page.locator(".lrlab-explorer-host")
    assert host.locator("output").inner_text() != "value 3", "the slider moved it from 3"
    host.locator("input").focus()
    page.keyboard.press("Home")
    assert host.locator("output").inner_text() == "value 0"
    launch = page.locator(".dropdown-launch-buttons a")
    assert [launch.nth(i).get_attribute("href") for i in range(launch.count())] == _launch_urls(
        lrlab_site.launch_buttons("00_scratch", "someone/lr-lab")
    )
