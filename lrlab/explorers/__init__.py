"""The lessons' explorers: widgets whose drawing and math run in the page (anywidget).

Python only hands each explorer its data (the curvatures, recorded runs, a schedule's parameters)
and its starting settings as synced traits; the explorer's ES module (a `.js` file beside its
Python module, after `common.js`) draws an SVG and recomputes on every drag, with no kernel round
trip. The module and the settings are saved in the notebook's widget state, so a lesson reopened
without a kernel, or the course site, still has explorers that move.
"""

import pathlib

import anywidget

HERE = pathlib.Path(__file__).resolve().parent


def module_source(filename):
    """The ES module of one explorer: the shared helpers, then the explorer's own file."""
    return (HERE / "common.js").read_text() + "\n" + (HERE / filename).read_text()


class Explorer(anywidget.AnyWidget):
    """Base class: a subclass names its ES module (`class X(Explorer, module="x.js")`) and declares
    its data and settings as traits tagged `sync=True`.

    Tests and lessons read and set the settings as attributes (`explorer.lr = 0.5`); the page
    redraws on the change.
    """

    _css = (HERE / "common.css").read_text()

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
