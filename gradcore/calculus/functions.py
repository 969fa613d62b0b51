"""The catalogue of named functions the pages and the article use.

**One definition per entry: its formula** (``text``, in the syntax students type). Everything
else is derived from the parsed formula, so no two places can disagree:

- ``value`` and ``gradient`` are sympy's expression and derivative compiled to numpy;
- ``latex`` and ``gradient_latex`` are sympy's LaTeX of the same expression and derivative;
- ``kinks`` are the points where the formula bends (``Expression.kinks``);
- at a kink ``gradient`` returns gradcore's one convention, the midpoint of the one-sided
  slopes (see ``gradcore.expressions.kinks`` for why), and ``subdifferential`` the interval [f′₋, f′₊];
  the note a page shows there comes from the same ``Kink`` (``kink_at(x).note``).

Two kinds of entry:

- one variable (``dimension == 1``): ``value(x)`` and ``gradient(x)`` work elementwise on a float
  or an array of any shape (so pages can plot them); ``subdifferential(x) -> (lo, hi)``.
- n variables: ``value(point)`` takes shape (n,) and returns a float; ``gradient(point)`` returns
  shape (n,). ``"sqnorm"`` accepts any n (``dimension is None``): its formula is
  ``squared_norm_text(n)``.

``label`` is how a student reads the entry in a dropdown (plain text, Unicode): use
``display_name(key)``, which also names the "type your own" option ``TYPED``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from gradcore.expressions.expression import Expression, trusted_expression
from gradcore.expressions.kinks import Kink

DOT_X = np.array([1.0, -2.0, 3.0])
TYPED = "typed"
TYPED_LABEL = "your own formula (type it)"


def squared_norm_text(n: int) -> str:
    """‖w‖² in n variables as typed text: ``"w1^2 + w2^2 + ... + wn^2"``."""
    return " + ".join(f"w{i}^2" for i in range(1, n + 1))


def dot_text(x) -> str:
    """w·x for a fixed vector x as typed text: x = (1, -2, 3) gives ``"w1 - 2*w2 + 3*w3"``."""
    text = ""
    for i, coefficient in enumerate(np.asarray(x, dtype=float), start=1):
        term = f"w{i}" if abs(coefficient) == 1 else f"{abs(coefficient):g}*w{i}"
        sign = "-" if coefficient < 0 else "+"
        text += (f" {sign} " if text else "-" if sign == "-" else "") + term
    return text


@cache
def _parsed(text: str, variables: tuple[str, ...] | None) -> Expression:
    # our own formulas: sympy may work on them in this process (no worker needed at import)
    return trusted_expression(text, variables)


@dataclass(frozen=True)
class CatalogueFunction:
    """One named function, defined by its formula ``text`` (None only for ``"sqnorm"``).

    ``variables`` fixes the order of a point; ``convex`` and ``minimum_value`` (min f, or None
    if f has no minimum; used for the gap f(x_k) − f* of the subgradient method) are facts
    about the formula that the pages show. ``family_latex`` is the display LaTeX (f, ∇f) of an
    entry whose formula depends on n (``"sqnorm"``).
    """

    key: str
    label: str
    text: str | None
    variables: tuple[str, ...]
    convex: bool = True
    minimum_value: float | None = 0.0
    family_latex: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def dimension(self) -> int | None:
        return len(self.variables) if self.text is not None else None

    @property
    def expression(self) -> Expression:
        """The parsed formula (for ``"sqnorm"``: with n = 3)."""
        if self.text is None:
            return _parsed(squared_norm_text(3), None)
        return _parsed(self.text, self.variables)

    def expression_for(self, point) -> Expression:
        """The parsed formula for a point of this length (only ``"sqnorm"`` depends on it)."""
        if self.text is not None:
            return self.expression
        n = np.asarray(point, dtype=float).size
        if n < 1:
            raise ValueError("‖w‖² needs at least one number")
        return _parsed(squared_norm_text(n), None)

    @property
    def latex(self) -> str:
        return self.family_latex[0] if self.family_latex else self.expression.latex

    @property
    def gradient_latex(self) -> str:
        """f′ for one variable, (∂f/∂v1, ..., ∂f/∂vn) otherwise, as LaTeX."""
        if self.family_latex:
            return self.family_latex[1]
        parts = self.expression.gradient_latex
        return parts[0] if len(parts) == 1 else r"\left(" + r",\ ".join(parts) + r"\right)"

    def value(self, x):
        """f(x): elementwise for one variable (float or array in, same shape out), else f(point)."""
        if self.dimension == 1:
            out = self.expression.evaluate(np.asarray(x, dtype=float))
            return out[()] if out.ndim == 0 else out
        return self.expression_for(x).value(x)

    def gradient(self, x):
        """f′(x) elementwise for one variable (the midpoint convention at kinks), else ∇f(point)."""
        if self.dimension == 1:
            out = self.expression.evaluate_gradient(np.asarray(x, dtype=float))[0]
            return out[()] if out.ndim == 0 else out
        return self.expression_for(x).gradient(x)

    @property
    def kinks(self) -> tuple[float, ...]:
        """Where a one-variable entry is not differentiable (found from its formula)."""
        return _kinks(self.key) if self.dimension == 1 else ()

    def kink_at(self, x: float) -> Kink | None:
        """The ``Kink`` at x of a one-variable entry, or None where it is differentiable."""
        return self.expression.kink(x)

    def subdifferential(self, x: float) -> tuple[float, float]:
        """∂f(x) = (f′₋(x), f′₊(x)) at a kink of a one-variable convex entry, else (f′(x), f′(x))."""
        kink = self.kink_at(x)
        if kink is None:
            slope = float(self.expression.gradient([x])[0])
            return slope, slope
        if kink.interval is None:
            raise ValueError(f"{self.label} is not convex near x = {x:g}: no subgradient there")
        return kink.interval

    @property
    def kink_choice(self) -> str:
        """Which subgradient ``gradient`` returns at each kink, in words (empty if no kinks)."""
        chosen = [f"{self.kink_at(k).slope:g} at x = {k:g}" for k in self.kinks]
        if not chosen:
            return ""
        return "the middle of the interval of subgradients: " + ", ".join(chosen)


_ONE = ("x",)
_ENTRIES = [
    CatalogueFunction("square", "x²", "x^2", _ONE),
    CatalogueFunction("abs", "|x| (absolute value)", "abs(x)", _ONE),
    CatalogueFunction("relu", "ReLU(x) = max(x, 0)", "relu(x)", _ONE),
    CatalogueFunction("hinge", "hinge loss max(0, 1 − x)", "max(0, 1 - x)", _ONE),
    CatalogueFunction("sigmoid", "sigmoid σ(x) = 1/(1 + e⁻ˣ)", "sigmoid(x)", _ONE,
                      convex=False, minimum_value=None),
    CatalogueFunction("maxlin", "max(−x, x/2, 2x − 3)", "max(-x, x/2, 2*x - 3)", _ONE),
    CatalogueFunction("abs_shift", "|x − 1| + x/2", "abs(x - 1) + x/2", _ONE, minimum_value=0.5),
    CatalogueFunction("article3d", "x² + 2y² + 3z² (the article's 3-D example)",
                      "x^2 + 2*y^2 + 3*z^2", ("x", "y", "z")),
    CatalogueFunction("article4d", "w² + x² + y² + z² (the article's 4-D example)",
                      "w^2 + x^2 + y^2 + z^2", ("w", "x", "y", "z")),
    CatalogueFunction("sqnorm", "‖w‖² = w₁² + … + wₙ² (squared norm)", None, (),
                      family_latex=(r"\|\mathbf{w}\|^2 = \sum_i w_i^2", r"2\mathbf{w}")),
    CatalogueFunction("dot", "w · x = w₁ − 2w₂ + 3w₃ (dot product with x = (1, −2, 3))",
                      dot_text(DOT_X), ("w1", "w2", "w3"), minimum_value=None),
]
CATALOGUE: dict[str, CatalogueFunction] = {entry.key: entry for entry in _ENTRIES}


@cache
def _kinks(key: str) -> tuple[float, ...]:
    return CATALOGUE[key].expression.kinks()


ONE_D_KEYS = tuple(key for key, entry in CATALOGUE.items() if entry.dimension == 1)
KINK_KEYS = tuple(key for key in ONE_D_KEYS if CATALOGUE[key].kinks)


def get_function(key: str) -> CatalogueFunction:
    """The catalogue entry called ``key``; ValueError naming the known keys if there is none."""
    try:
        return CATALOGUE[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown function {key!r}: choose one of "
                         f"{', '.join(CATALOGUE)}") from None


def display_name(key: str) -> str:
    """How a catalogue key (or ``TYPED``, the "type your own" option) reads in a dropdown."""
    return TYPED_LABEL if key == TYPED else get_function(key).label
