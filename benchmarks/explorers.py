"""Time each explorer's redraw per drag event in headless Chromium (budget: 16 ms, 60 frames a second).

    .venv/bin/python benchmarks/explorers.py

Every explorer every lesson saved (its widget state, with the data the lesson handed it) is
rendered as the course site and a reopened lesson render it, with no kernel
(lrlab/explorers/static_host.js). Then each of its sliders is dragged end to end in `moves`
input events, and each event is timed from dispatch until the page's layout is done with the new
picture (the redraw is synchronous; reading the SVG's size forces the layout).
"""

import json
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

BUDGET_MS = 16.0
DRAG = """async ([state, moves]) => {
    const host = await import("/static_host.js");
    const el = document.querySelector("#host");
    el.replaceChildren();
    await host.renderStatic(el, state);
    const times = [];
    for (const slider of el.querySelectorAll("input[type=range]")) {
        const [low, high] = [Number(slider.min), Number(slider.max)];
        for (let i = 0; i <= moves; i++) {
            const start = performance.now();
            slider.value = low + (high - low) * (i % 2 ? i : moves - i) / moves;
            slider.dispatchEvent(new Event("input", { bubbles: true }));
            el.querySelector("svg").getBoundingClientRect();
            times.push(performance.now() - start);
        }
    }
    return times;
}"""


def saved_explorers():
    """[(lesson, explorer name, state)] for every anywidget a lesson saved."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        metadata = json.loads(path.read_text())["metadata"]
        state = metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        for model in state.get("state", {}).values():
            if model["model_module"] == "anywidget":
                name = model["state"]["_anywidget_id"].rsplit(".", 1)[-1]
                found.append((path.name[:2], name, model["state"]))
    return found


def main(moves=40):
    from explorer_page import open_page

    pages = open_page()
    page = next(pages)
    page.page.goto("http://explorers.lrlab.test/")
    print(f"{'lesson explorer':<36} {'events':>6} {'median':>8} {'worst':>8}  budget")
    worst_median = 0.0
    for lesson, name, state in saved_explorers():
        page.page.evaluate(DRAG, [state, 4])  # warm-up: the module compiled, the JIT awake
        times = page.page.evaluate(DRAG, [state, moves])
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        flag = "ok" if median <= BUDGET_MS else "MISSED"
        print(
            f"{lesson + ' ' + name:<36} {len(times):>6} {median:>6.2f}ms {max(times):>6.1f}ms"
            f"  <= {BUDGET_MS:g} ms median {flag}"
        )
    page.check_errors()
    pages.close()
    return 0 if worst_median <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
