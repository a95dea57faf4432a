"""A headless-Chromium page that renders an explorer from its widget state, as the course site does
(lrlab/explorers/static_host.js, no kernel), for the tests that compare what the page computes with
lrlab's NumPy. The page is served by Playwright itself from an origin that never reaches the
network. Skipped, with the reason, where Chromium or Playwright is missing.

Use the `explorer_page` fixture (tests/conftest.py makes it from `open_page`):

    page = explorer_page.show(DescentExplorer1D(lr=0.3))
    page.set(lr=1.5)
    page.observed()["path"]    # the numbers the page drew
    page.status()              # the status line's text
"""

import json
import pathlib

import pytest
from chromium import ARGS, CHROMIUM

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXPLORERS = ROOT / "lrlab" / "explorers"
ORIGIN = "http://explorers.lrlab.test"
PAGE = '<!doctype html><meta charset="utf-8"><div id="host"></div>'


class ExplorerPage:
    def __init__(self, page):
        self.page = page
        self.errors = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def show(self, widget):
        """Render `widget` (an lrlab explorer) alone on the page, from its state."""
        self.page.goto(f"{ORIGIN}/")
        state = widget.get_state()
        self.page.evaluate(
            """async state => {
                const host = await import("/static_host.js");
                window.model = await host.renderStatic(document.querySelector("#host"), state);
            }""",
            state,
        )
        self.check_errors()
        return self

    def set(self, **values):
        """Set traits as the controls do (one model.set each, in order)."""
        self.page.evaluate(
            "values => { for (const [k, v] of Object.entries(values)) window.model.set(k, v); }",
            values,
        )
        self.check_errors()
        return self

    def sweep(self, grid):
        """[(observed, status)] for each dict of traits in `grid`, set in order as the controls
        would: one page round trip for a whole grid of settings."""
        results = self.page.evaluate(
            """grid => grid.map(values => {
                for (const [k, v] of Object.entries(values)) window.model.set(k, v);
                const root = document.querySelector(".lrlab-explorer");
                return [JSON.parse(root.dataset.observed), root.querySelector(".lrlab-status").innerText];
            })""",
            grid,
        )
        self.check_errors()
        return results

    def observed(self):
        """The numbers the page drew (its `data-observed`), JSON's null standing for inf/nan."""
        return json.loads(self.page.get_attribute(".lrlab-explorer", "data-observed"))

    def status(self):
        return self.page.inner_text(".lrlab-status")

    def check_errors(self):
        errors, self.errors = self.errors, []
        assert not errors, f"the page reported errors: {errors}"


def _serve(route):
    """Serve the page and the explorers' files; refuse anything else."""
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body=PAGE)
    elif path.endswith(".js") and (EXPLORERS / path.lstrip("/")).is_file():
        route.fulfill(
            status=200,
            content_type="text/javascript",
            body=(EXPLORERS / path.lstrip("/")).read_text(),
        )
    else:
        route.abort()


def open_page():
    """Yield one ExplorerPage in headless Chromium (a generator, for a session fixture)."""
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: `make browser-deps` installs it (as root)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: `make browser-deps` installs it"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.route(
            "**/*",
            lambda route: _serve(route) if route.request.url.startswith(ORIGIN) else route.abort(),
        )
        yield ExplorerPage(page)
        browser.close()
