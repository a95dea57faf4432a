"""The explorers in a real browser: JupyterLab from this environment, with the settings `make lab`
uses, driven by headless Chromium.

For lessons 01 and 10 (see LESSONS), on a scratch copy cut to its explorers (its Setup cell, the cells
that build an explorer and those they read from; nbval runs the whole lesson): Run All; every
explorer renders no wider than its cell; one key press on its first slider changes the picture;
then save, close (kernel shut down), reopen: no "model not found", the lesson is not marked
unsaved, each explorer shows the picture it was committed with (a save keeps the lesson's widget
state; a re-run explorer has the same model id), and with the kernel shut down a key press still
redraws it (the explorers compute in the page); saved, closed and reopened once more, they are
all still there.
Lesson 01 also checks the keyboard steps, the slider's accessible name and value text, a mouse
drag, and that Restart Kernel and Run All brings the explorers back. Screenshots go to
artifacts/browser/. Skipped, with the reason, where Chromium or Playwright is missing.

Run it alone with `make test-browser` (which installs both when it can).
"""

import ast
import json
import math
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import zmq
from chromium import ARGS, CHROMIUM

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "browser"
# Lesson 01 (the first explorer) and lesson 10 (the newest). Every explorer is the same anywidget
# base and common.js in JupyterLab; what differs between them, drawing and moving in a page, is
# tested for each explorer of each lesson by tests/test_site.py and tests/test_explorer_*.py.
LESSONS = ["01", "10"]
# The settings `make install` ships in .venv, which `make lab` (and the server below) reads.
OVERRIDES = ROOT / "tools" / "jupyterlab-overrides.json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXPLORER = ".jp-OutputArea-output .lrlab-explorer"
SLIDER = "input[type=range]"
# A fingerprint of what an explorer draws: SHA-256 of its SVG's markup.
PICTURE_HASH = """async explorer => {
    const bytes = new TextEncoder().encode(explorer.querySelector("svg").innerHTML);
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}"""

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: `make test-browser` installs it"
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium on this machine: `apt-get install chromium` (make test-browser does it as root)",
    ),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lesson_path(number):
    (path,) = (ROOT / "notebooks").glob(f"{number}_*.ipynb")
    return path


def _names(source):
    """(names a cell binds, names it reads), from its Python syntax."""
    defined, used = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return defined, used


def _explorer_slice(source, target):
    """Copy a lesson cut to its explorers: its Setup cell, each cell that builds an explorer, and
    the cells those read names from (transitively, by name). The lesson runs whole under nbval;
    here only what the explorers need runs. Returns how many explorers the copy shows."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    code = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    shows = [i for i in code if re.search(r"\b[A-Z]\w*Explorer\w*\(", "".join(cells[i]["source"]))]
    assert shows, f"{source.name} shows no explorer"
    keep, wanted = {code[0], *shows}, set()
    for i in reversed([i for i in code if i <= shows[-1]]):
        defined, used = _names("".join(cells[i]["source"]))
        if i in keep or defined & wanted:
            keep.add(i)
            wanted |= used
    notebook["cells"] = [cells[i] for i in sorted(keep)]
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return len(shows)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, as `make lab` starts it (the same .venv, so the
    same settings overrides), serving scratch copies of the lessons; the student's own settings dir
    is a fresh one."""
    installed = (
        pathlib.Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    )
    if not installed.is_file() or json.loads(installed.read_text()) != json.loads(
        OVERRIDES.read_text()
    ):
        pytest.fail(f"{installed} is not {OVERRIDES.relative_to(ROOT)}: run `make install`")
    work = tmp_path_factory.mktemp("lab")
    (work / "notebooks").mkdir()
    explorers = {
        n: _explorer_slice(_lesson_path(n), work / "notebooks" / f"{n}.ipynb") for n in LESSONS
    }
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(work / "settings"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    if zmq.has("curve"):  # as `make lab` does: encrypted kernel traffic, no ipykernel warning
        command.append("--KernelManager.transport_encryption=auto")
    log = open(work / "server.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("JupyterLab exited:\n" + (work / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 120 s")
        yield {
            "base": base,
            "token": token,
            "log": work / "server.log",
            "work": work,
            "explorers": explorers,
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _api(lab, path, method="GET"):
    request = urllib.request.Request(f"{lab['base']}{path}?token={lab['token']}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shut_down_every_kernel(lab):
    for session in _api(lab, "/api/sessions"):
        _api(lab, f"/api/sessions/{session['id']}", method="DELETE")


def test_the_server_runs_with_the_course_settings(lab):
    """The settings `make lab` ships reach JupyterLab: a save keeps the lesson's widget state (ipywidgets
    does not rewrite it), no news pop-up."""
    widgets = _api(lab, "/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin")
    news = _api(lab, "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert widgets["schema"]["properties"]["saveState"]["default"] is False
    assert news["schema"]["properties"]["fetchNews"]["default"] == "false"


@pytest.mark.parametrize("lesson", LESSONS)
def test_explorers_redraw_then_survive_save_close_and_reopen(lab, browser, lesson):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expected = lab["explorers"][lesson]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(90_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave page?" when reloading
    print(f"{time.strftime('%X')} lesson {lesson}: start")
    try:
        # A freshly started JupyterLab sometimes loses its first kernel connection (a Run All that
        # is dropped, or a "Select Kernel" dialog); a student would reload. So do we, twice.
        for attempt in range(3):
            try:
                _open(page, lab, lesson)
                _run_all(page, expected)
                print(f"{time.strftime('%X')} lesson {lesson}: ran, attempt {attempt}")
                break
            except playwright_api.TimeoutError:
                page.screenshot(path=str(ARTIFACTS / f"lesson{lesson}_run_failure_{attempt}.png"))
                if attempt == 2:
                    raise
        explorers = page.locator(EXPLORER)
        first_pictures = [_picture(explorers.nth(i)) for i in range(expected)]
        for i in range(expected):
            _fits_its_cell(explorers.nth(i))
            _press_a_key_and_see_the_picture_change(
                page, explorers.nth(i), f"lesson{lesson}_explorer{i}"
            )
        if lesson == "01":
            _keyboard_steps_and_aria(page, explorers.first)
            _drag_redraws(page, explorers.first)

        print(f"{time.strftime('%X')} lesson {lesson}: explorers checked")
        _save_and_close(page, lab, lesson)
        print(f"{time.strftime('%X')} lesson {lesson}: saved and closed")
        explorers = _reopen(page, lab, lesson, expected, "reopened")
        assert [_picture(explorers.nth(i)) for i in range(expected)] == first_pictures, (
            "the reopened lesson does not show the pictures it was committed with"
        )
        page.wait_for_timeout(1000)
        assert page.locator(".jp-mod-dirty").count() == 0, (
            "the lesson opens marked unsaved: closing it untouched would ask to save"
        )
        print(f"{time.strftime('%X')} lesson {lesson}: reopened")
        if lesson == "01":  # Restart Kernel and Run All brings fresh explorers back
            for i in range(expected):  # so the restored ones can be told from the new ones
                explorers.nth(i).evaluate("e => { e.dataset.restored = 'yes'; }")
            page.get_by_role("menuitem", name="Kernel", exact=True).click()
            page.get_by_role(
                "menuitem", name=re.compile(r"^Restart Kernel and Run All Cells")
            ).click()
            page.locator(".jp-Dialog .jp-mod-accept").click()
            fresh = page.locator(f"{EXPLORER}:not([data-restored])")
            fresh.nth(expected - 1).wait_for(state="attached", timeout=240_000)
            assert page.locator(EXPLORER).count() == expected
        _shut_down_every_kernel(lab)  # the explorers compute in the page: no kernel needed
        _press_a_key_and_see_the_picture_change(
            page, page.locator(EXPLORER).first, f"lesson{lesson}_no_kernel"
        )
        # Saved again without re-running (ipywidgets would have written no widgets: none ran).
        _save_and_close(page, lab, lesson)
        _reopen(page, lab, lesson, expected, "reopened_twice")
    finally:
        page.close()
        _shut_down_every_kernel(lab)  # whatever happened, the next lesson has the CPU to itself
    if zmq.has(
        "curve"
    ):  # the kernels ran with encrypted traffic, as under `make lab`: no ipykernel warning
        assert "without encryption" not in lab["log"].read_text()


def _open(page, lab, lesson):
    # One workspace per lesson, so JupyterLab does not reopen the other lessons' tabs (and kernels).
    page.goto(
        f"{lab['base']}/lab/workspaces/lesson{lesson}/tree/notebooks/{lesson}.ipynb?token={lab['token']}"
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    # The kernel has started when the (visually hidden) status reads Idle.
    page.locator("text=Kernel status: Idle").first.wait_for(state="attached", timeout=90_000)
    # Idle can show before the server has the session: wait until it lists this notebook's kernel.
    deadline = time.time() + 60
    while time.time() < deadline and not any(
        session["path"].endswith(f"{lesson}.ipynb")
        and session["kernel"]["execution_state"] == "idle"
        for session in _api(lab, "/api/sessions")
    ):
        time.sleep(0.2)
    select = page.get_by_role("button", name="Select", exact=True)
    if select.count():
        select.first.click()  # a "Select Kernel" dialog: take the notebook's own kernel


def _run_all(page, expected):
    """Clear every output (so what follows comes from this run), Run All, and wait for the explorers."""
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
    page.locator(EXPLORER).first.wait_for(state="detached", timeout=30_000)
    # Right after start-up the kernel can report Idle before its connection takes requests, and a
    # Run All sent then is dropped: when no cell has started within 20 s, send it again.
    for attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.locator(".jp-InputPrompt", has_text="[*]").first.wait_for(
                state="attached", timeout=20_000
            )
            break
        except playwright_api.TimeoutError:
            if page.locator(".jp-OutputArea-output").count():  # it ran (and finished) after all
                break
            if attempt == 2:
                raise
    page.locator(EXPLORER).nth(expected - 1).wait_for(state="attached", timeout=240_000)
    page.locator(".jp-InputPrompt", has_text="[*]").first.wait_for(
        state="detached", timeout=240_000
    )


def _reopen(page, lab, lesson, expected, name):
    """Open the lesson again (a new kernel starts, which has none of its widgets) and wait until the
    widget manager has restored every explorer from the notebook, or given up on one."""
    _open(page, lab, lesson)
    explorers, lost = page.locator(EXPLORER), page.get_by_text("model not found")
    deadline = time.time() + 60
    while time.time() < deadline and not lost.count() and explorers.count() < expected:
        page.wait_for_timeout(200)
    if explorers.count():  # JupyterLab restores its own scroll position and lays cells out lazily
        _show(page, explorers.first)
    page.screenshot(path=str(ARTIFACTS / f"lesson{lesson}_{name}.png"))
    assert lost.count() == 0, f"Error displaying widget: model not found ({name})"
    assert explorers.count() == expected, f"{explorers.count()} of {expected} explorers ({name})"
    return explorers


def _show(page, element):
    """Scroll an element to the top of the notebook for a screenshot, again until it stays there:
    JupyterLab lays out the cells above it lazily, which moves it."""
    deadline, top = time.time() + 10, None
    while time.time() < deadline:
        element.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        now = element.evaluate("e => Math.round(e.getBoundingClientRect().top)")
        if now == top:
            return
        top = now


def _picture(explorer):
    return explorer.evaluate(PICTURE_HASH)


def _fits_its_cell(explorer):
    """The picture is drawn at its own width where there is room, never wider than the cell."""
    natural, shown, room = explorer.evaluate(
        "e => { const svg = e.querySelector('svg'); return [svg.viewBox.baseVal.width, "
        "svg.getBoundingClientRect().width, e.parentElement.getBoundingClientRect().width]; }"
    )
    assert natural > 0
    assert abs(shown - min(natural, room)) <= 1, (
        f"picture shown {shown}px wide, drawn {natural}px, room {room}px"
    )


def _press_a_key_and_see_the_picture_change(page, explorer, name):
    """ArrowRight (ArrowLeft at the end) on the explorer's first slider; its readout and picture change."""
    slider = explorer.locator(SLIDER).first
    readout = slider.locator("xpath=following-sibling::output[1]")
    explorer.scroll_into_view_if_needed()
    before = (_picture(explorer), readout.inner_text())
    at_end = slider.evaluate("s => Number(s.value) >= Number(s.max) - Number(s.step) / 2")
    slider.focus()
    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    after = (_picture(explorer), readout.inner_text())
    _show(page, explorer)
    page.screenshot(path=str(ARTIFACTS / f"{name}_after_key.png"))
    assert after[1] != before[1], f"{name}: the slider's readout did not move on one key press"
    assert after[0] != before[0], f"{name}: the picture did not change"


def _lr(explorer):
    return json.loads(explorer.get_attribute("data-observed"))["lr"]


def _status_lr(explorer):
    return float(explorer.locator(".lrlab-status").inner_text().split("lr = ")[1].split(":")[0])


def _keyboard_steps_and_aria(page, explorer):
    """Lesson 01's learning-rate slider: one arrow press is a step of about x1.12, 20 about x10;
    what a screen reader gets from it is its name and the learning rate itself, not an exponent
    (artifacts/browser/lesson01_lr_slider_aria.json)."""
    slider = explorer.get_by_label("learning rate")
    slider.focus()
    start = _lr(explorer)
    page.keyboard.press("ArrowLeft")
    one_down = _lr(explorer)
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    twenty_up = _lr(explorer)
    aria = slider.evaluate(
        "s => Object.fromEntries(Array.from(s.attributes, a => [a.name, a.value]))"
    )
    aria["accessible tree"] = slider.aria_snapshot()
    aria["learning rates"] = {
        "start": start,
        "one ArrowLeft": one_down,
        "then 20 ArrowRight": twenty_up,
    }
    (ARTIFACTS / "lesson01_lr_slider_aria.json").write_text(json.dumps(aria, indent=1))
    assert 1.08 < start / one_down < 1.16
    assert 8 < twenty_up / one_down < 12
    assert aria["accessible tree"].startswith('- slider "learning rate"')
    assert aria["aria-valuetext"] == f"learning rate {twenty_up:.3g}"
    assert math.isclose(_status_lr(explorer), twenty_up, rel_tol=5e-3)  # the page redrew for it


def _drag_redraws(page, explorer):
    slider = explorer.get_by_label("learning rate")
    explorer.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("Home")  # from the left end, so there is room to drag right
    before = _status_lr(explorer)
    box = slider.bounding_box()
    page.mouse.move(box["x"] + 4, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=10)
    page.mouse.up()
    page.screenshot(path=str(ARTIFACTS / "lesson01_after_drag.png"))
    assert _status_lr(explorer) > before  # dragged to the right on a log slider
    assert math.isclose(_status_lr(explorer), _lr(explorer), rel_tol=5e-3)


def _save_and_close(page, lab, lesson):
    """Ctrl+S, check the widget state is in the file, then close the notebook and shut its kernel down."""
    page.keyboard.press("Escape")  # out of the slider, into the notebook's command mode
    page.keyboard.press("Control+s")
    page.locator(".jp-mod-dirty").first.wait_for(state="detached", timeout=30_000)
    saved = json.loads((lab["work"] / "notebooks" / f"{lesson}.ipynb").read_text())
    state = (
        saved["metadata"]
        .get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    shown = [
        out["data"][WIDGET_VIEW]["model_id"]
        for cell in saved["cells"]
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]
    assert shown and all(model_id in state for model_id in shown), (
        "the saved notebook lacks its widgets' state"
    )
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Close and Shut Down Notebook")).click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    deadline = time.time() + 60
    while _api(lab, "/api/kernels") and time.time() < deadline:
        time.sleep(0.5)
    assert not _api(lab, "/api/kernels"), "the kernel is still running after Close and Shut Down"
