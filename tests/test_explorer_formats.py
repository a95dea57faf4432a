"""common.js's formatG and formatF print numbers as Python's format() does, digit for digit (the
explorers' status lines are compared with Python's words): exact ties to even, exponents, signs."""

import math

from lrlab.widgets import DescentExplorer1D

G_CASES = [
    (0.3, 3),
    (10.25, 3),
    (0.03125, 3),
    (2.5, 1),
    (1e-5, 3),
    (1.5e-4, 3),
    (123456, 3),
    (999.5, 3),
    (0.0001, 3),
    (1e16, 6),
    (-0.125, 2),
    (2 / 3, 6),
    (1.0, 6),
    (0.0, 3),
    (-0.0, 3),
    (12345678, 6),
    (math.inf, 3),
    (-math.inf, 3),
    (math.nan, 3),
    (5e-324, 3),
    (1.7976931348623157e308, 3),
]
F_CASES = [
    (12.5, 0, False),
    (13.5, 0, False),
    (0.125, 2, False),
    (2.675, 2, False),
    (-2.5, 0, False),
    (0.7, 3, True),
    (-0.5, 3, True),
    (0.0, 3, True),
    (1e-7, 2, False),
    (123456.5, 0, False),
    (4.166666666666667, 0, False),
    (0.98, 2, False),
    (math.inf, 2, False),
]


def test_formats_are_pythons(explorer_page):
    page = explorer_page.show(DescentExplorer1D())
    module = DescentExplorer1D().get_state()["_esm"]
    g, f = page.page.evaluate(
        """async ([source, gCases, fCases]) => {
            const text = source + "\\nexport { formatG, formatF };";
            const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
            const { formatG, formatF } = await import(url);
            const number = (v) => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : v);
            return [
                gCases.map(([v, digits]) => formatG(number(v), digits)),
                fCases.map(([v, decimals, plus]) => formatF(number(v), decimals, plus)),
            ];
        }""",
        [
            module,
            [[_json(v), d] for v, d in G_CASES],
            [[_json(v), d, p] for v, d, p in F_CASES],
        ],
    )
    assert g == [f"{v:.{d}g}" for v, d in G_CASES]
    assert f == [f"{v:{'+' if p else ''}.{d}f}" for v, d, p in F_CASES]


def _json(value):
    """JSON has no inf or nan: send them as words."""
    return value if math.isfinite(value) else {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
