"""Curvature of a formula at a point: the Hessian, its eigen-directions, and what they say.

The Hessian H of f: Rⁿ -> R at p holds the second partial derivatives, Hᵢⱼ = ∂²f/∂xᵢ∂xⱼ(p);
it is symmetric where f is twice continuously differentiable. Near p,

    f(p + Δ) ≈ f(p) + ∇f(p)·Δ + ½ ΔᵀHΔ,

so its eigenvalues λ (ascending) are the curvatures of f along its eigenvectors, the principal
directions.

**How it is computed.** Each row i is the gradient of the first partial ∂f/∂xᵢ, which
``Expression.derivative`` builds as a formula of its own: its symbolic work (sympy's folding,
LaTeX and derivatives) goes through the same bounded worker and budget as f's gradient
(``gradcore.expressions.worker``), and its values come from the exact slopes of that formula (no step
size). When sympy cannot give the first or the second partials within the budget (or they
jump, as sign(x) does where |x| bends), the Hessian is instead the central difference of the
exact gradient, column j = (∇f(p + hⱼeⱼ) − ∇f(p − hⱼeⱼ)) / (2hⱼ) with the step of
``gradcore.calculus.numeric``, symmetrised, and ``Hessian.method`` says so.

**Kinks.** Where f bends along a coordinate (|x| at 0) its gradient does not exist, and
where the gradient bends (x·|x| at 0, whose slope is 2|x|) the Hessian does not: there
``curvature_at`` returns no Hessian and says why (``gradcore.expressions.kinks.partial_kinks``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from gradcore.calculus.numeric import STEP_SCALE, relative_error
from gradcore.errors import ExpressionError
from gradcore.expressions.expression import Expression
from gradcore.expressions.kinks import PartialKink, partial_kinks
from gradcore.expressions.symbolic import NOT_DIFFERENTIATED

SYMBOLIC = "symbolic"
FINITE_DIFFERENCES = "finite differences"
ZERO_TOL = 1e-8
"""An eigenvalue counts as 0 when |λ| ≤ ZERO_TOL·max(1, max |λ|); ∇f as 0 likewise."""
HESSIAN_RTOL = 1e-5
"""Agreement of the Hessian with central differences of the gradient (check panel)."""
ROWS_CACHE_SIZE = 128
KINDS = ("minimum", "maximum", "saddle", "degenerate", "not critical", "no Hessian")
FALLBACK_NOTE = ("sympy could not give the second partial derivatives as formulas here (too "
                 "complex for its time and size limits, or they jump where f bends), so the "
                 "Hessian is computed by central differences of the exact gradient.")


@dataclass(frozen=True)
class Hessian:
    """The Hessian at one point.

    ``matrix`` (n, n), symmetric; ``latex``: the matrix of symbolic second partials as one
    LaTeX string (a ``pmatrix``), or None when they are not known as formulas; ``method``:
    ``SYMBOLIC`` (exact) or ``FINITE_DIFFERENCES`` (the fallback, module docstring); ``note``:
    why the fallback was taken (empty for symbolic).
    """

    matrix: np.ndarray
    latex: str | None
    method: str
    note: str = ""


@dataclass(frozen=True)
class HessianCheck:
    """The Hessian shown beside central differences of the exact gradient.

    ``relative_error`` = ‖H − H_fd‖_F / max(‖H‖_F, ‖H_fd‖_F, 1); ``passed`` within ``rtol``.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: float
    rtol: float = HESSIAN_RTOL

    @property
    def passed(self) -> bool:
        return bool(self.relative_error <= self.rtol)


@dataclass(frozen=True)
class HessianKink:
    """``of`` ("f" or "∂f/∂x") bends at the point along ``kink.variable``: its slope jumps
    from ``kink.left`` to ``kink.right``."""

    of: str
    kink: PartialKink

    @property
    def sentence(self) -> str:
        missing = "the gradient, and so the Hessian," if self.of == "f" else "the Hessian"
        return (f"Along {self.kink.variable}, {self.of} has a kink here: its slope jumps from "
                f"{_number(self.kink.left)} to {_number(self.kink.right)}, so {missing} does "
                "not exist at this point.")


@dataclass(frozen=True)
class Curvature:
    """What the second-order test says at a point.

    ``hessian``: the ``Hessian``, None where it does not exist (a kink); ``eigenvalues`` (n,)
    ascending and ``eigenvectors`` (n, n), column k for eigenvalue k (empty at a kink);
    ``kind``: one of ``KINDS``; ``reason``: one or two sentences for the student; ``kinks``:
    the coordinates along which f or its gradient bends at the point.
    """

    hessian: Hessian | None
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str
    reason: str
    kinks: tuple[HessianKink, ...] = ()


@dataclass(frozen=True)
class TaylorEstimates:
    """f at p + Δ beside its first- and second-order estimates from p.

    ``value`` = f(p); ``linear`` = f(p) + ∇f(p)·Δ; ``quadratic`` = linear + ½ΔᵀHΔ; ``actual`` =
    f(p + Δ), or None where f is undefined there.
    """

    value: float
    linear: float
    quadratic: float
    actual: float | None


def _number(value: float) -> str:
    text = f"{float(value):.4g}"
    return "0" if text == "-0" else text


_rows_cache: OrderedDict[tuple, tuple[Expression, ...]] = OrderedDict()
_rows_lock = threading.Lock()


def _first_partials(expression: Expression) -> tuple[Expression, ...]:
    """∂f/∂xᵢ for every variable, each a formula analysed by the worker; kept per (tree,
    variables), a value (the same formula typed or from the catalogue has the same partials),
    so their numeric programs are compiled once. Raises ExpressionError when f's own partials
    are too complex, or a worker has no verdict (not kept: the next call asks again)."""
    key = (expression.tree, expression.variables)
    with _rows_lock:
        if key in _rows_cache:
            _rows_cache.move_to_end(key)
            return _rows_cache[key]
    rows = tuple(expression.derivative(name) for name in expression.variables)
    with _rows_lock:
        _rows_cache[key] = rows
        while len(_rows_cache) > ROWS_CACHE_SIZE:
            _rows_cache.popitem(last=False)
    return rows


def _rows(expression: Expression) -> tuple[tuple[Expression, ...] | None, bool]:
    """(the first partials or None, whether all their own partials are symbolic)."""
    try:
        rows = _first_partials(expression)
    except ExpressionError:
        return None, False
    return rows, all(NOT_DIFFERENTIATED not in row.gradient_latex for row in rows)


def _matrix_latex(rows: tuple[Expression, ...]) -> str:
    body = r" \\ ".join(" & ".join(row.gradient_latex) for row in rows)
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def _point(expression: Expression, point) -> np.ndarray:
    """The point as floats, checked by f itself (ExpressionError where f is undefined)."""
    expression.value(point)
    return np.asarray(point, dtype=float).reshape(-1)


def numeric_hessian(expression: Expression, point) -> np.ndarray:
    """Central differences of the exact gradient, symmetrised: shape (n, n).

    Column j is (∇f(p + hⱼeⱼ) − ∇f(p − hⱼeⱼ)) / (2hⱼ), hⱼ = STEP_SCALE·max(1, |pⱼ|), divided by
    the step actually taken. Raises ExpressionError where ∇f is undefined next to p.
    """
    x = _point(expression, point)
    n = x.size
    columns = np.empty((n, n))
    for j in range(n):
        step = STEP_SCALE * max(1.0, abs(x[j]))
        forward, backward = x.copy(), x.copy()
        forward[j] += step
        backward[j] -= step
        columns[:, j] = (expression.gradient(forward) - expression.gradient(backward)) / \
            (forward[j] - backward[j])
    return 0.5 * (columns + columns.T)


def hessian_at(expression: Expression, point) -> Hessian:
    """The Hessian of ``expression`` at ``point`` with its LaTeX and method (module docstring).

    Raises ExpressionError where f, its gradient or a second partial is undefined at p.
    """
    x = _point(expression, point)
    rows, symbolic = _rows(expression)
    if not symbolic:
        return Hessian(numeric_hessian(expression, x), None, FINITE_DIFFERENCES, FALLBACK_NOTE)
    try:
        matrix = np.array([row.gradient(x) for row in rows], dtype=float)
    except ExpressionError as error:
        raise ExpressionError(f"the Hessian of {expression.text} is undefined here: "
                              f"{error}") from None
    return Hessian(0.5 * (matrix + matrix.T), _matrix_latex(rows), SYMBOLIC)


def hessian(expression: Expression, point) -> np.ndarray:
    """The analytic Hessian of a parsed expression at a point: shape (n, n), symmetric.

    ``hessian_at(expression, point).matrix``: exact second partials, or central differences
    of the exact gradient when sympy cannot give them within its budget (``hessian_at`` says
    which). Raises ExpressionError where f or its derivatives are undefined at the point.
    """
    return hessian_at(expression, point).matrix


def hessian_check(expression: Expression, point, found: Hessian | None = None) -> HessianCheck:
    """``found`` (default: ``hessian_at``) beside ``numeric_hessian`` at the point."""
    found = hessian_at(expression, point) if found is None else found
    numeric = numeric_hessian(expression, point)
    return HessianCheck(found.matrix, numeric, relative_error(found.matrix, numeric))


def hessian_kinks(expression: Expression, point) -> tuple[HessianKink, ...]:
    """Where the Hessian does not exist: the coordinates along which f bends at the point,
    else those along which a first partial ∂f/∂xᵢ bends (``HessianKink``)."""
    found = tuple(HessianKink("f", kink) for kink in partial_kinks(expression, point))
    if found:
        return found
    rows, _ = _rows(expression)
    return tuple(HessianKink(f"∂f/∂{name}", kink)
                 for name, row in zip(expression.variables, rows or (), strict=False)
                 for kink in partial_kinks(row, point))


def _is_zero(value: float, scale: float) -> bool:
    return abs(value) <= ZERO_TOL * max(1.0, scale)


def classify(eigenvalues, gradient=None) -> tuple[str, str]:
    """(kind, reason) of a point from its Hessian's eigenvalues and, if given, its gradient.

    At a critical point (∇f = 0, or no gradient given): all λ > 0 a minimum, all λ < 0 a
    maximum, λ of both signs a saddle, otherwise (some λ = 0, the rest of one sign)
    degenerate: the second-order test cannot tell. Elsewhere "not critical", with the shape.
    """
    values = np.sort(np.asarray(eigenvalues, dtype=float).reshape(-1))
    scale = float(np.abs(values).max()) if values.size else 0.0
    low, high = float(values[0]), float(values[-1])
    shown = ", ".join(_number(v) for v in values)
    up, down = not _is_zero(high, scale) and high > 0, not _is_zero(low, scale) and low < 0
    if gradient is not None:
        g = np.asarray(gradient, dtype=float).reshape(-1)
        norm = float(np.linalg.norm(g))
        if not _is_zero(norm, scale):
            shape = ("curves up in every direction" if up and not down and
                     not _is_zero(low, scale) else
                     "curves down in every direction" if down and not up and
                     not _is_zero(high, scale) else
                     "curves up along some directions and down along others" if up and down
                     else "is flat along some direction")
            return "not critical", (
                f"∇f = ({', '.join(_number(v) for v in g)}) is not 0 here, so f still rises "
                f"along ∇f and falls against it: this is no minimum, maximum or saddle. The "
                f"Hessian's eigenvalues ({shown}) say f {shape} around this point.")
    if up and down:
        return "saddle", (f"The Hessian has eigenvalues of both signs ({shown}): f curves up "
                          "along one principal direction and down along another, so it is a "
                          "saddle point.")
    if up and not _is_zero(low, scale):
        return "minimum", (f"Every eigenvalue of the Hessian is positive ({shown}): f curves up "
                           "in every direction, so it is a (strict local) minimum.")
    if down and not _is_zero(high, scale):
        return "maximum", (f"Every eigenvalue of the Hessian is negative ({shown}): f curves "
                           "down in every direction, so it is a (strict local) maximum.")
    return "degenerate", (f"An eigenvalue of the Hessian is 0 ({shown}): along that direction "
                          "the second-order test sees no curvature and cannot decide (x⁴ + y² "
                          "has a minimum at 0, x³ + y² has none, both with these eigenvalues).")


def curvature_at(expression: Expression, point) -> Curvature:
    """The Hessian at the point, its eigen-decomposition and the classification with its
    reason; at a kink no Hessian and the reason (module docstring). Raises ExpressionError
    where f or its derivatives are undefined at the point."""
    x = _point(expression, point)
    kinks = hessian_kinks(expression, x)
    if kinks:
        reason = " ".join(kink.sentence for kink in kinks)
        return Curvature(None, np.empty(0), np.empty((0, 0)), "no Hessian",
                         reason + " The second-order test does not apply here.", kinks)
    found = hessian_at(expression, x)
    eigenvalues, eigenvectors = np.linalg.eigh(found.matrix)
    kind, reason = classify(eigenvalues, expression.gradient(x))
    return Curvature(found, eigenvalues, eigenvectors, kind, reason)


def taylor_estimates(expression: Expression, point, delta, matrix=None) -> TaylorEstimates:
    """f(p + Δ) and its linear and quadratic estimates from p (``TaylorEstimates``).

    ``matrix``: the Hessian at p if already known (default ``hessian``). Raises
    ExpressionError where f or its derivatives are undefined at p.
    """
    x = _point(expression, point)
    step = np.asarray(delta, dtype=float).reshape(-1)
    matrix = hessian(expression, x) if matrix is None else np.asarray(matrix, dtype=float)
    value = expression.value(x)
    linear = value + float(expression.gradient(x) @ step)
    quadratic = linear + 0.5 * float(step @ matrix @ step)
    try:
        actual = expression.value(x + step)
    except ExpressionError:
        actual = None
    return TaylorEstimates(value, linear, quadratic, actual)
