"""Headless Chromium as the browser tests and benchmarks launch it: Debian's chromium, with no
sandbox (these machines run as root) and none of its background traffic (this machine's network
is closed, and a test must not depend on it)."""

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
