"""The lessons' explorers: widgets whose drawing and math run in the page (anywidget).

Python only hands each explorer its data (the curvatures, recorded runs, a schedule's parameters)
and its starting settings as synced traits; the explorer's ES module (a `.js` file beside its
Python module, after `common.js`) draws an SVG and recomputes on every drag, with no kernel round
trip. The module and the settings are saved in the notebook's widget state, so a lesson reopened
without a kernel, or the course site, still has explorers that move.
"""

import json
import pathlib
import uuid

import anywidget

HERE = pathlib.Path(__file__).resolve().parent


def module_source(filename):
    """The ES module of one explorer: the shared helpers, then the explorer's own file."""
    return (HERE / "common.js").read_text() + "\n" + (HERE / filename).read_text()


def _open_widgets():
    """ipywidgets' registry of the kernel's open widgets, by model id (renamed in ipywidgets 8)."""
    from ipywidgets.widgets import widget

    instances = getattr(widget, "_instances", None)
    return widget.Widget.widgets if instances is None else instances


class Explorer(anywidget.AnyWidget):
    """Base class: a subclass names its ES module (`class X(Explorer, module="x.js")`) and declares
    its data and settings as traits tagged `sync=True`.

    Tests and lessons read and set the settings as attributes (`explorer.lr = 0.5`); the page
    redraws on the change.
    """

    _css = (HERE / "common.css").read_text()

    def __init__(self, **traits):
        # The same explorer with the same data gets the same model id in every run, so the outputs
        # of a re-run lesson still name the widget state the lesson was committed with, which
        # JupyterLab restores on reopening (the course turns its saveState off: ipywidgets would
        # save only the widgets of a running kernel, dropping all others; tools/jupyterlab-overrides.json).
        identity = json.dumps([type(self).__qualname__, traits], sort_keys=True, default=repr)
        model_id = uuid.uuid5(uuid.NAMESPACE_URL, f"lrlab:{identity}").hex
        earlier = _open_widgets().get(model_id)
        if earlier is not None:  # its cell ran again (the old output is gone): one comm per id
            earlier.close()
        super().__init__(model_id=model_id, **traits)

    def __init_subclass__(cls, module=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if module is not None:
            cls._esm = module_source(module)

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        # What a renderer without widgets (GitHub, a terminal) shows instead.
        data["text/plain"] = (
            f"{type(self).__name__}: an interactive explorer. Open the lesson in JupyterLab, "
            "Colab or on the course site to move it."
        )
        return data, metadata
