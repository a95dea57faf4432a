"""The course site's build time and what each page costs a reader to load.

    .venv/bin/python benchmarks/site.py            # build afresh into a scratch folder, then measure
    .venv/bin/python benchmarks/site.py --repeat 3 # the build three times (the median is the figure)

Budget (COURSE.md): the site builds in <= 60 s on 2 cores (`make site`'s command, from the stored
outputs, no kernel). Then every page is opened in headless Chromium from localhost with an empty
cache, and its transferred size is the sum of its HTML and every resource it loads (scripts,
styles, fonts, figures, MathJax), as served uncompressed by Python's http.server; MathJax's share
(its script and fonts) is shown apart, and so is what a host that gzips its files would send
(each response gzipped at level 6; the fonts hardly shrink). Needs `make site-deps` and `make browser-deps`.
"""

import functools
import gzip
import http.server
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from chromium import ARGS, CHROMIUM  # noqa: E402

BUILD = ROOT / "tools" / "site" / "lrlab_site.py"


def build_time(out):
    """Seconds for the build `make site` runs, into `out`, from a cold start of Python."""
    start = time.perf_counter()
    subprocess.run([sys.executable, str(BUILD), str(out)], check=True, capture_output=True)
    return time.perf_counter() - start


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def page_sizes(html):
    """[(page, requests, HTML bytes, all bytes, MathJax bytes, gzipped bytes, explorers)] for
    every page."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for path in sorted(html.glob("*.html")):
                if path.name in ("index.html", "genindex.html"):
                    continue  # a redirect to 00, and an empty index
                context = browser.new_context()  # an empty cache: a first visit
                page = context.new_page()
                loaded = []
                page.on("requestfinished", lambda request, loaded=loaded: loaded.append(request))
                page.goto(f"{base}/{path.name}", wait_until="networkidle")
                page.evaluate("async () => window.MathJax?.startup?.promise")
                page.wait_for_selector("html[data-explorers]", state="attached")
                page.wait_for_timeout(500)  # the fonts MathJax asked for while typesetting
                sizes = [(r.url, r.sizes()["responseBodySize"]) for r in loaded]
                gzipped = sum(len(gzip.compress(r.response().body(), 6)) for r in loaded)
                rows.append(
                    (
                        path.stem,
                        len(sizes),
                        next(size for url, size in sizes if url.split("?")[0].endswith(path.name)),
                        sum(size for _, size in sizes),
                        sum(size for url, size in sizes if "/_static/mathjax/" in url),
                        gzipped,
                        int(page.get_attribute("html", "data-explorers")),
                    )
                )
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def main(argv):
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    with tempfile.TemporaryDirectory(prefix="lrlab-site-") as scratch:
        out = pathlib.Path(scratch)
        times = [build_time(out) for _ in range(repeat)]
        print(
            f"site build: {statistics.median(times):.1f} s (median of {repeat}: "
            f"{', '.join(f'{t:.1f}' for t in times)}; budget 60 s)"
        )
        size = sum(f.stat().st_size for f in (out / "html").rglob("*") if f.is_file())
        print(f"site on disk: {size / 1e6:.0f} MB (html/, MathJax's 24 MB included)")
        print()
        print(
            f"{'page':<36} {'requests':>8} {'HTML':>9} {'total':>9} {'MathJax':>9} "
            f"{'gzipped':>9} {'explorers':>9}"
        )
        rows = page_sizes(out / "html")
        for name, requests, html, total, mathjax, gzipped, explorers in rows:
            print(
                f"{name:<36} {requests:>8} {html / 1e3:>6.0f} kB {total / 1e3:>6.0f} kB "
                f"{mathjax / 1e3:>6.0f} kB {gzipped / 1e3:>6.0f} kB {explorers:>9}"
            )
        largest = max(rows, key=lambda row: row[3])
        print(f"\nlargest page: {largest[0]}, {largest[3] / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
