"""The Gradients lesson's curvature exercises (issue 28): the second-order test and a mixed
second partial.

Each public function is the ``build`` of one :class:`~gradcore.exercises.catalogue.Exercise`: given a
seed it returns ``(prompt, link, solution, check)``. The expected answer and the wrong answers
the checker names come from ``gradcore.calculus.curvature`` applied to the formula the link opens (its
Hessian, eigenvalues and classification), so an exercise cannot disagree with the page. The
link turns on the page's curvature view (``curv``) at the point.
"""

from __future__ import annotations

import numpy as np

from gradcore.calculus.curvature import curvature_at
from gradcore.exercises.checks import choice_checker, number_checker, param
from gradcore.exercises.seeds import DEFAULT_SEED, rng
from gradcore.expressions.expression import trusted_expression
from gradcore.number_text import fmt_vector, significant

KINDS = {"minimum": ("min", "local minimum", "a minimum"),
         "maximum": ("max", "local maximum", "a maximum"),
         "saddle": ("saddle point", "a saddle", "neither")}
# f = a·x² + b·xy + c·y², none degenerate (4ac ≠ b²); some with a cross term that turns
# a bowl-looking diagonal into a saddle (x² + 3xy + y²), the classic mistake.
QUADRATIC_FORMS = ((1, 3, 1), (1, 1, 1), (-2, 1, -1), (2, -3, 1), (-1, 3, -1), (3, 2, 1),
                   (1, -1, 2), (-1, 0, -3), (0, 1, 0), (2, 0, -1), (-1, -2, -3))
DEFAULT_FORM = (1, 0, -1)
MIXED_TEXT = "x^3*y + y^2"
COORDINATES = (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)


def quadratic_form(a: int, b: int, c: int) -> tuple[str, str]:
    """(the formula as the prompt shows it, as typed into the page) of a·x² + b·xy + c·y²."""
    shown, typed = "", ""
    for coefficient, monomial, text in ((a, "x²", "x^2"), (b, "xy", "x*y"), (c, "y²", "y^2")):
        if coefficient == 0:
            continue
        size = abs(coefficient)
        if shown:
            shown += " − " if coefficient < 0 else " + "
            typed += " - " if coefficient < 0 else " + "
        elif coefficient < 0:
            shown, typed = "−", "-"
        shown += ("" if size == 1 else str(size)) + monomial
        typed += ("" if size == 1 else f"{size}*") + text
    return shown, typed


def _link(text: str, point) -> dict[str, str]:
    return {"fn": "typed", "f": text, "p_x": param(point[0]), "p_y": param(point[1]),
            "curv": "true"}


def _direction(vector) -> str:
    return fmt_vector(np.round(vector, 3) + 0.0)


def classify_point(seed: int):
    a, b, c = DEFAULT_FORM if seed == DEFAULT_SEED else \
        rng("classify", seed).choice(QUADRATIC_FORMS)
    shown, typed = quadratic_form(a, b, c)
    found = curvature_at(trusted_expression(typed, ("x", "y")), (0.0, 0.0))
    low, high = (float(v) for v in found.eigenvalues)
    down, up = found.eigenvectors[:, 0], found.eigenvectors[:, 1]
    det = 4 * a * c - b * b
    values = f"({significant(low)}, {significant(high)})"
    prompt = (f"f(x, y) = {shown}. Its gradient is 0 at (0, 0). Is (0, 0) a minimum, a "
              "maximum or a saddle point of f? (Answer minimum, maximum or saddle.)")
    right = f"Right: {found.reason}"
    diagonal = f"∂²f/∂x² = {significant(2 * a)} and ∂²f/∂y² = {significant(2 * c)}"
    if found.kind == "saddle":
        cross = (f"Along the axes {diagonal}, but the cross term counts too: det H = {det} < 0, "
                 f"so H has eigenvalues of both signs {values}. ")
        wrong = {
            "minimum": (cross if a > 0 and c > 0 else "") +
            f"f curves down along {_direction(down)} (eigenvalue {significant(low)}), so (0, 0) is no "
            "minimum: eigenvalues of both signs make a saddle.",
            "maximum": (cross if a < 0 and c < 0 else "") +
            f"f curves up along {_direction(up)} (eigenvalue {significant(high)}), so (0, 0) is no "
            "maximum: eigenvalues of both signs make a saddle.",
        }
    else:
        sign, shape = ("positive", "up") if found.kind == "minimum" else ("negative", "down")
        other = "maximum" if found.kind == "minimum" else "minimum"
        wrong = {
            "saddle": f"Both eigenvalues of H are {sign} {values}: f curves {shape} in every "
                      "direction. A saddle needs eigenvalues of both signs" +
                      (f"; the cross term alone does not make one while det H = {det} > 0."
                       if b else "."),
            other: f"Check the sign: the eigenvalues {values} are {sign}, so f curves {shape} "
                   f"in every direction, which makes (0, 0) a {found.kind}, not a {other}.",
        }
    check = choice_checker(KINDS, found.kind, right, wrong)
    return prompt, _link(typed, (0.0, 0.0)), found.kind, check


def _mixed_point(seed: int) -> tuple[float, float]:
    """(1, 2) for seed 0, else a point where the typical wrong answers all differ."""
    if seed == DEFAULT_SEED:
        return 1.0, 2.0
    draw = rng("mixed", seed)
    while True:
        x, y = draw.choice(COORDINATES), draw.choice(COORDINATES)
        values = [3 * x * x, 3 * x * x * y, 6 * x * y, 2.0, x ** 3 + 2 * y]
        if len({abs(v) for v in values}) == len(values):
            return x, y


def mixed_partial(seed: int):
    point = _mixed_point(seed)
    f = trusted_expression(MIXED_TEXT, ("x", "y"))
    hessian = curvature_at(f, point).hessian.matrix
    gradient = f.gradient(point)
    expected = float(hessian[0, 1])
    prompt = (f"f(x, y) = x³y + y². What is the mixed second partial derivative ∂²f/∂x∂y at "
              f"the point {fmt_vector(point)}? (It is the off-diagonal entry of the Hessian.)")
    mistakes = [
        (gradient[0], f"{significant(gradient[0])} is ∂f/∂x = 3x²y, the first partial: differentiate "
                      "it once more, by y."),
        (gradient[1], f"{significant(gradient[1])} is ∂f/∂y = x³ + 2y, the first partial by y: "
                      "differentiate it once more, by x."),
        (hessian[0, 0], f"{significant(hessian[0, 0])} is ∂²f/∂x² = 6xy: both derivatives by x. The "
                        "mixed one takes ∂/∂x, then ∂/∂y."),
        (hessian[1, 1], f"{significant(hessian[1, 1])} is ∂²f/∂y² = 2: both derivatives by y."),
    ]
    check = number_checker(expected, f"Right: ∂f/∂x = 3x²y, then ∂/∂y gives 3x² = "
                                     f"{significant(expected)} (and ∂/∂x of ∂f/∂y = x³ + 2y gives the "
                                     "same: the Hessian is symmetric).",
                           mistakes, "Differentiate by x, then the result by y.")
    return prompt, _link(MIXED_TEXT, point), significant(expected), check
