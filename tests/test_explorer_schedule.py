"""Lesson 05's explorer: the data Python hands over, and the page's parameters, curve, Keras code and
words against lrlab.codegen and against Keras itself (in headless Chromium, tests/explorer_page.py)."""

import numpy as np
import pytest

from lrlab import codegen
from lrlab.explorers.schedule import ScheduleExplorer

# ---- Python: the data and settings handed over, and what Python computes from them ---------------


def test_the_state_carries_the_schedules_the_settings_and_the_module():
    state = ScheduleExplorer(schedule="cosine_decay", epochs=12, steps_per_epoch=15).get_state()
    assert (state["schedule"], state["epochs"], state["steps_per_epoch"]) == (
        "cosine_decay",
        12,
        15,
    )
    assert [key for key, _ in state["labels"]] == list(ScheduleExplorer.LABELS)
    assert dict(state["labels"]) == ScheduleExplorer.LABELS
    assert {key: set(names) for key, names in state["uses"].items()} == ScheduleExplorer.USES
    assert (state["initial_lr"], state["decay_rate"], state["per"], state["factor"]) == (
        0.1,
        0.01,
        "step",
        0.5,
    )
    assert (state["step_size"], state["final_fraction"], state["warmup_epochs"]) == (5, 0.01, 1)
    assert "function scheduleCurve" in state["_esm"] and "export default" in state["_esm"]


def test_without_widgets_a_reader_is_told_where_it_moves():
    data, _ = ScheduleExplorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("ScheduleExplorer: an interactive explorer")


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("schedule", "linear"),
        ("epochs", 0),
        ("epochs", 2.5),
        ("steps_per_epoch", 0),
        ("steps_per_epoch", 101),
    ],
)
def test_bad_settings_raise_value_errors_naming_them(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`.*{value}"):
        ScheduleExplorer(**{argument: value})


def test_the_warm_up_leaves_an_epoch_of_decay():
    assert ScheduleExplorer(schedule="cosine_decay", epochs=1).warmup_epochs == 0
    explorer = ScheduleExplorer(schedule="cosine_decay", epochs=4)
    explorer.warmup_epochs = 3
    assert explorer.params["decay_steps"] == 20
    with pytest.raises(ValueError, match="`warmup_epochs`.*4"):
        explorer.warmup_epochs = 4


def test_python_reads_the_code_and_curve_of_the_current_settings():
    explorer = ScheduleExplorer(schedule="time_based_decay", epochs=12, steps_per_epoch=15)
    smooth, code = explorer.curve, explorer.code
    assert "staircase" not in code and len(smooth) == 12 * 15
    explorer.per = "epoch"
    stairs = explorer.curve
    assert "staircase=True" in explorer.code and "decay_steps=15" in explorer.code
    assert stairs[14] == stairs[0] and smooth[14] < smooth[0]
    np.testing.assert_array_equal(explorer.epoch_lrs, stairs[::15])
    explorer.steps_per_epoch, explorer.decay_rate = 30, 0.123456
    assert len(explorer.curve) == 12 * 30 and "decay_steps=30, decay_rate=0.123" in explorer.code
    name, params = explorer.schedule_params(**explorer.settings)
    assert (explorer.name, explorer.params) == (name, params) == ("time_based_decay", params)
    assert explorer.code == codegen.keras_code(name, **params)
    np.testing.assert_array_equal(
        explorer.curve, codegen.numpy_curve(name, np.arange(12 * 30), **params)
    )


# ---- the page: a grid of settings covering every schedule and every control ----------------------

BASE = {
    "initial_lr": 0.1,
    "decay_rate": 0.01,
    "per": "step",
    "factor": 0.5,
    "step_size": 5,
    "final_fraction": 0.01,
    "warmup_epochs": 1,
    "steps_per_epoch": 20,
}
# Each control's values: its ends, values a slider gives (10**x), values 3 significant digits round
# to a new decade (0.09996), and exact ties at the 4th digit, which Python rounds to even (0.03125 ->
# 0.0312, where JavaScript's toPrecision says 0.0313; 0.5 * 0.0625 is one for the final LR).
VALUES = {
    "initial_lr": [1e-3, 0.03125, 0.0123456789, 0.09996, 0.5, 1.0],
    "decay_rate": [1e-4, 10**-2.35, 0.3, 1.0],
    "per": ["epoch"],
    "factor": [0.05, 0.35, 1.0],
    "step_size": [1, 3, 10],
    "final_fraction": [1e-3, 0.0625, 10**-0.5, 1.0],
    "warmup_epochs": [0, 2, 5],
    "steps_per_epoch": [1, 7, 100],
}


def _grid():
    """(schedule, settings): each schedule at the base, then each control it uses moved alone,
    then a few pairs (a decay counted per epoch at each rate; the tie in the final LR)."""
    grid = []
    for name, uses in ScheduleExplorer.USES.items():
        grid.append((name, dict(BASE)))
        for control in sorted(uses | {"steps_per_epoch"}):
            grid += [(name, {**BASE, control: value}) for value in VALUES[control]]
        if "per" in uses:
            grid += [
                (name, {**BASE, "per": "epoch", "decay_rate": k, "steps_per_epoch": 7})
                for k in VALUES["decay_rate"]
            ]
        if "final_fraction" in uses:
            grid.append((name, {**BASE, "initial_lr": 0.5, "final_fraction": 0.0625}))
    return grid


GRID = _grid()


def _expected_status(explorer, name, params, spe):
    """The status line's words, from lrlab.codegen's curve and code."""
    steps = explorer.epochs * spe
    curve = codegen.numpy_curve(name, np.arange(steps), **params)
    return (
        f"{ScheduleExplorer.LABELS[name]}: LR {curve[0]:.3g} at step 0, {curve[-1]:.3g} at the last "
        f"step ({steps} steps = {explorer.epochs} epochs × {spe}). This Keras code builds the "
        "plotted curve (the page does not run Keras; the course's tests run the code it writes, "
        "for every schedule, and compare it with the curve step by step):\n"
        + codegen.keras_code(name, **params)
    )


def _run_in_keras(code, steps):
    namespace = {}
    exec(code, namespace)
    return codegen.keras_values(namespace["learning_rate"], steps)


def test_the_page_draws_lrlabs_curve_writes_its_code_and_keras_agrees(explorer_page):
    explorer = ScheduleExplorer(epochs=20)
    page = explorer_page.show(explorer)
    worst_numpy = worst_keras = 0.0
    shown = page.sweep([{"schedule": name, **settings} for name, settings in GRID])
    for (name, settings), (drawn, words) in zip(GRID, shown):
        where = (name, settings)
        # The page's parameters are Python's, bit for bit (the same rounding to 3 digits).
        expected_name, params = explorer.schedule_params(schedule=name, **settings)
        assert (drawn["name"], drawn["params"]) == (expected_name, params), where
        steps = np.arange(20 * settings["steps_per_epoch"])
        expected = codegen.numpy_curve(name, steps, **params)
        curve = np.array(drawn["curve"], dtype=float)
        np.testing.assert_allclose(curve, expected, rtol=1e-12, atol=0, err_msg=str(where))
        worst_numpy = max(
            worst_numpy,
            float(np.max(np.abs(curve - expected) / np.maximum(np.abs(expected), 1e-300))),
        )
        np.testing.assert_array_equal(drawn["epoch_lrs"], curve[:: settings["steps_per_epoch"]])
        # The code, character for character; run in Keras it gives the curve (float32: ~1e-7).
        assert drawn["code"] == codegen.keras_code(name, **params), where
        error = np.max(np.abs(_run_in_keras(drawn["code"], steps) - curve)) / np.max(curve)
        assert error <= 1e-6, where
        worst_keras = max(worst_keras, float(error))
        assert words == _expected_status(explorer, name, params, settings["steps_per_epoch"])
    print(
        f"{len(GRID)} settings: worst |page - numpy| / numpy {worst_numpy:.1e}, worst "
        f"|keras - page| / peak {worst_keras:.1e}"
    )
    assert len(GRID) > 100 and worst_numpy <= 1e-12


def test_a_shorter_run_still_agrees_where_schedules_end_and_restart(explorer_page):
    explorer = ScheduleExplorer(epochs=3, steps_per_epoch=7)
    page = explorer_page.show(explorer)
    for name in ScheduleExplorer.LABELS:
        for settings in (
            {**BASE, "warmup_epochs": 2, "step_size": 1},
            {**BASE, "warmup_epochs": 0},
        ):
            settings["steps_per_epoch"] = 7
            page.set(schedule=name, **settings)
            drawn = page.observed()
            _, params = explorer.schedule_params(schedule=name, **settings)
            assert drawn["params"] == params and drawn["code"] == codegen.keras_code(name, **params)
            np.testing.assert_allclose(
                drawn["curve"], codegen.numpy_curve(name, np.arange(21), **params), rtol=1e-12
            )


def test_controls_a_schedule_does_not_use_are_switched_off(explorer_page):
    page = explorer_page.show(ScheduleExplorer())
    sliders = {
        "initial_lr": "initial LR",
        "decay_rate": "decay rate k",
        "factor": "factor",
        "step_size": "step size (epochs)",
        "final_fraction": "final LR / initial",
        "warmup_epochs": "warm-up epochs",
    }
    per = page.page.get_by_role("radiogroup", name="t counts").get_by_role("radio")
    for name, text in ScheduleExplorer.LABELS.items():
        page.page.get_by_label("schedule", exact=True).select_option(
            label=text
        )  # as a student picks it
        assert page.observed()["name"] == name
        uses = ScheduleExplorer.USES[name]
        for control, label in sliders.items():
            assert page.page.get_by_label(label, exact=True).is_disabled() == (
                control not in uses
            ), (name, label)
        assert all(button.is_disabled() == ("per" not in uses) for button in per.all())
        assert page.page.get_by_label("steps per epoch").is_enabled()


def test_keyboard_steps_a_twentieth_of_a_decade_and_the_code_follows(explorer_page):
    page = explorer_page.show(ScheduleExplorer(schedule="exponential_decay"))
    for label, start in (("initial LR", 0.1), ("decay rate k", 0.01)):
        slider = page.page.get_by_label(label)
        assert slider.get_attribute("aria-valuetext") == f"{label} {start:.3g}"
        slider.press("ArrowRight")
        moved = start * 10**0.05
        assert slider.get_attribute("aria-valuetext") == f"{label} {moved:.3g}"
    params = page.observed()["params"]
    assert params == {
        "initial_learning_rate": 0.112,
        "decay_rate": 0.0112,
        "steps_per_epoch": None,
    }
    assert "lr = 0.112 * exp(-0.0112 * step)" in page.observed()["code"]
