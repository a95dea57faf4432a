"""Sphinx settings of the course site: `make site` builds the executed lessons in notebooks/
into build/site/ with myst-nb, never re-executing them, and everything a page loads is served
from the site itself (MathJax included), so it builds and reads offline."""

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

project = "LR Lab"
author = "LR Lab"
copyright = "LR Lab"
# The source folder is notebooks/ itself (`sphinx-build -c tools/site notebooks build/site`):
# the lessons only, in course order; 00 is the home page and lrlab_site lists the others.
root_doc = "00_welcome"
include_patterns = ["[0-9][0-9]_*.ipynb"]
exclude_patterns = [".ipynb_checkpoints"]

extensions = ["myst_nb", "sphinx-mathjax-offline", "lrlab_site"]

# The stored outputs are what readers see: no kernel runs at build time.
nb_execution_mode = "off"
nb_merge_streams = True
# myst-nb would load require.js and the ipywidgets HTML manager from a CDN on pages with
# widgets; lrlab_site renders the explorers with lrlab/explorers/static_host.js instead.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
# The lessons link to each other's headings as JupyterLab names them ("#Course-map").
myst_heading_anchors = 3
myst_heading_slug_func = "lrlab_site.jupyterlab_slug"

html_theme = "sphinx_book_theme"
html_title = "LR Lab: how to pick and schedule a learning rate"
html_theme_options = {
    "use_download_button": True,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navbar_persistent": [],
}
# Light, as the lessons' figures are drawn (without it the theme logs an error on a first visit).
html_context = {"default_mode": "light"}
html_last_updated_fmt = None
