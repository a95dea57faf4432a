"""`lrlab.migration`: every Keras 2 idiom really fails, warns or is ignored in Keras 3, and every
replacement works."""

import pytest

from lrlab import data, migration


@pytest.fixture(scope="module")
def outcomes():
    (x, y), _ = data.load_digits()
    return [
        (old, migration.outcome(run_old), new, migration.outcome(run_new))
        for old, run_old, new, run_new in migration.keras2_idioms(x, y)
    ]


def test_every_replacement_works_quietly(outcomes):
    for _, _, new, result in outcomes:
        assert result.startswith("works") and "Warning" not in result, (new, result)


def test_every_keras2_idiom_fails_warns_or_is_ignored(outcomes):
    by_idiom = {old: result for old, result, _, _ in outcomes}
    ignored = {
        "`SGD(0.1, decay=0.01)` (time-based decay)": "(LR after 10 steps: 0.1); UserWarning",
        "`ReduceLROnPlateau(epsilon=0.5)`": "min_delta = 0.0001",
    }  # swallowed: default kept
    for old, result in by_idiom.items():
        if old in ignored:
            assert ignored[old] in result, (old, result)
        elif old.startswith("`tf.keras"):
            assert result.startswith("works"), result  # tf.keras is Keras 3 itself
        else:
            assert not result.startswith("works"), (old, result)


def test_outcome_reports_the_first_warning_and_shortens_errors():
    import warnings

    def warns():
        warnings.warn("careful. more text", UserWarning, stacklevel=2)
        return 3

    assert migration.outcome(warns) == "works (3); UserWarning: careful"
    assert migration.outcome(lambda: (_ for _ in ()).throw(ValueError("x " * 100))).endswith(" ...")


def test_the_table_has_one_row_per_idiom():
    idioms = [("`a`", lambda: None, "`b`", lambda: "x|y")]
    table = migration.markdown_table(idioms).splitlines()
    assert table[2] == "| `a` | works | `b` | works (x/y) |"
