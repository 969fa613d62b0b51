"""The Subgradients lesson's exercises on what frameworks return at a kink (issue 29).

Each public function is the ``build`` of one :class:`~gradcore.exercises.catalogue.Exercise`:
given a seed it returns ``(prompt, link, solution, check)``. The expected answers and the
wrong answers the checkers name come from ``gradcore.calculus.frameworks.KINK_TABLE`` (the
frameworks' cells) and from gradcore's own slope at the kink (``project_value``), so an
exercise cannot disagree with the table the page shows.
"""

from __future__ import annotations

from gradcore.calculus.frameworks import BY_KEY, FRAMEWORKS, project_value, value_text
from gradcore.exercises.checks import choice_checker, number_checker, param
from gradcore.exercises.seeds import pick
from gradcore.expressions.expression import trusted_expression

# The question "which framework returns v at this kink?" for the (row, v) whose answer is one
# framework only; seed 0 is the issue's own example, |x|′(0) = 1.
UNIQUE_QUESTIONS = (("abs", 1.0), ("relu", 0.5), ("max", 1.0))
OPTIONS = {
    "PyTorch": ("pytorch", "torch"),
    "JAX": ("jax", "jnp"),
    "TensorFlow": ("tensorflow", "tf", "keras"),
    "HIPS autograd": ("autograd", "hips"),
    "micrograd": ("micrograd",),
}
# The row each question opens on the Subgradients page: its catalogue function at the kink,
# or relu = max(x, 0) for the tie of max(x, y).
_PAGE_FUNCTION = {"abs": "abs", "relu": "relu", "max": "relu", "hinge": "hinge"}
# The rows gradcore's catalogue has, for "what does this page return here?".
PROJECT_ROWS = ("abs", "relu", "hinge")


def _link(row_key: str) -> dict[str, str]:
    row = BY_KEY[row_key]
    x0 = row.point if row.catalogue else 0.0
    return {"fn": _PAGE_FUNCTION[row_key], "x0": param(x0)}


def _what_it_returns(name: str, row_key: str) -> str:
    cell = BY_KEY[row_key].cells[name]
    if cell.value is None:
        return f"{name} has no such operation ({cell.source})."
    return (f"{name} returns {value_text(cell.value)} there ({cell.written}: "
            f"{cell.source}).")


def which_framework(seed: int):
    """Which framework returns this value at this kink? One of ``UNIQUE_QUESTIONS``."""
    row_key, value = pick("which-framework", seed, UNIQUE_QUESTIONS[0], UNIQUE_QUESTIONS)
    assert_unique(row_key, value)
    row = BY_KEY[row_key]
    answer = next(name for name, cell in row.cells.items() if cell.value == value)
    prompt = (f"Which framework's automatic differentiation returns {value_text(value)} for "
              f"{row.label}? (Answer PyTorch, JAX, TensorFlow, HIPS autograd or micrograd.)")
    right = (f"Right: {_what_it_returns(answer, row_key)} The others: "
             + " ".join(_what_it_returns(name, row_key) for name in FRAMEWORKS
                        if name != answer))
    wrong = {name: f"No: {_what_it_returns(name, row_key)} Look for the one whose derivative "
                   f"code takes the other branch on the tie."
             for name in FRAMEWORKS if name != answer}
    return prompt, _link(row_key), answer, choice_checker(OPTIONS, answer, right, wrong)


def project_choice(seed: int):
    """What does Gradient Lab's derivative return at this kink? The midpoint convention."""
    row_key = pick("project-kink", seed, "hinge", PROJECT_ROWS)
    row = BY_KEY[row_key]
    ours = project_value(row)
    by_value: dict[float, list[str]] = {}
    for name, cell in row.cells.items():
        if cell.value is not None and cell.value != ours:
            by_value.setdefault(cell.value, []).append(name)
    mistakes = [(value, f"{value_text(value)} is what {_names(names)} "
                        f"return{'s' if len(names) == 1 else ''} here; Gradient Lab takes the "
                        "midpoint of the two one-sided slopes.")
                for value, names in by_value.items()]
    kink = trusted_expression(row.formula, ("x",)).kink(row.point)
    for side, slope in (("left", kink.left), ("right", kink.right)):
        if slope not in by_value:
            mistakes.append((slope, f"{value_text(slope)} is the slope from the {side} only; "
                                    "Gradient Lab averages the two sides."))
    prompt = (f"PyTorch, JAX and the others disagree at {row.label}. What number does "
              f"Gradient Lab's derivative return there, the slope this page uses at the kink?")
    check = number_checker(ours, f"Right: {value_text(ours)}, {row.why}.", mistakes,
                           "Take the slope just left and just right of the kink and average.")
    return prompt, _link(row_key), value_text(ours).replace("−", "-"), check


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def assert_unique(row_key: str, value: float) -> None:
    """ValueError unless exactly one framework returns `value` in row `row_key` (a question
    with two right answers would mark one of them wrong)."""
    names = [name for name, cell in BY_KEY[row_key].cells.items() if cell.value == value]
    if len(names) != 1:
        raise ValueError(f"{len(names)} frameworks return {value} for {row_key}: {names}")
