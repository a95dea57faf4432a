"""The reference answer's telling code, which no verdict may write (the tables' leak tests)."""

import inspect
import re

from instructor import solutions

# A line's telling part: what it returns, tests, assigns or appends (the first match's group).
_TELLING = [
    r"return (.+)",
    r"if (.+):",
    r"[\w\[\]\"'., ]+?(?<![=<>!])=(?!=)(.+)",
    r"\w+\.append\((.+)\)",
]


def _computes(key, min_length):
    """A key worth guarding: long enough, computing something (an operator, a call, an index,
    an assignment, or a whole return line), and not a fragment (a bare name, a string or a
    keyword argument is what a hint may rightly name)."""
    return (
        len(key) >= min_length
        and (re.search(r"[-+*/@(<>=\[]", key) or key.startswith("return"))
        and not key.endswith(("(", "[", "{", ","))
    )


def telling_code(exercise_id, min_length=8):
    """Each code line between the reference's SOLUTION markers and its telling part (see
    `_TELLING`), spaces and comments removed, where it computes something (`_computes`): e.g.
    "estimate=v@product" and "v@product", "-alpha_t*m/(np.sqrt(v)+epsilon)"."""
    marked = inspect.getsource(solutions.reference(exercise_id))
    keys = set()
    for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", marked, re.S):
        for line in (line.split("#")[0].strip() for line in region.splitlines()):
            parts = [line] + [m.group(1) for p in _TELLING if (m := re.fullmatch(p, line))][:1]
            keys |= {k for k in ("".join(p.split()) for p in parts) if _computes(k, min_length)}
    return keys
