"""lrlab.widgets: the names lessons import, and what every explorer shares (the Explorer base).
Each explorer's own tests, in and out of the browser, are in tests/test_explorer_<module>.py."""

import inspect

import pytest

from lrlab import widgets
from lrlab.explorers import HERE, Explorer

EXPLORERS = [getattr(widgets, name) for name in widgets.__all__]


def test_all_lists_every_public_name_and_nothing_else():
    public = {
        name
        for name, value in vars(widgets).items()
        if not name.startswith("_") and inspect.isclass(value)
    }
    assert set(widgets.__all__) == public


@pytest.mark.parametrize("cls", EXPLORERS, ids=lambda cls: cls.__name__)
def test_every_explorer_runs_in_the_page_from_one_module_after_the_shared_helpers(cls):
    assert issubclass(cls, Explorer)
    common = (HERE / "common.js").read_text()
    assert cls._esm.startswith(common) and "export default" in cls._esm[len(common) :]
    assert cls._css.startswith("/* The explorers' look")


def test_a_reader_without_widgets_is_told_where_the_explorer_moves():
    data, _ = widgets.DescentExplorer1D()._repr_mimebundle_()
    assert set(data) == {"text/plain", "application/vnd.jupyter.widget-view+json"}
    assert data["text/plain"] == (
        "DescentExplorer1D: an interactive explorer. Open the lesson in JupyterLab, Colab or on "
        "the course site to move it."
    )


def test_the_same_explorer_gets_the_same_model_id_in_every_run():
    """So a re-run lesson's outputs name the widget state it was committed with (which JupyterLab,
    with saveState off, restores on reopening), and a cell run again replaces its explorer."""
    first = widgets.DescentExplorer1D(lr=0.3)
    model_id = first.model_id
    assert model_id == "794724ac551c5bdcbac7685acf3dc348"  # a hash of the class and its traits
    again = widgets.DescentExplorer1D(lr=0.3)
    assert again.model_id == model_id and first.comm is None  # the earlier one is closed
    assert widgets.DescentExplorer1D(lr=0.5).model_id != model_id
