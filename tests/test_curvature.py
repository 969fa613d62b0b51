"""gradcore.calculus.curvature: the Hessian against finite differences, the second-order test, kinks,
the budget fallback, and the Taylor estimates."""

import contextlib

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gradcore import (
    ExpressionError,
    Hessian,
    classify,
    curvature_at,
    hessian,
    hessian_at,
    hessian_check,
    numeric_hessian,
    parse_expression,
    taylor_estimates,
)
from gradcore.calculus.curvature import FINITE_DIFFERENCES, SYMBOLIC
from gradcore.expressions import worker

SECOND_DIFFERENCE_RTOL = 1e-4  # f's own second differences: O(h²) + O(ε|f|/h²) with h ≈ 1e-4
GRADIENT_DIFFERENCE_RTOL = 1e-6  # central differences of the exact gradient: O(h²), h ≈ 6e-6
SMOOTH_FAMILY = [
    "x^2 + 3*sin(y)", "x*y + exp(x/2)", "sin(x)*cos(y)", "log(1 + x^2 + y^2)",
    "sqrt(1 + x^2)*y", "tanh(x - y)", "sigmoid(2*x + y)", "(x + 1)^3 - y^2/2",
    "x/(2 + cos(y))", "exp(-x^2 - y^2)", "x^4 - 2*x^2*y + y^3", "x*exp(-x^2 - y^2)",
]
coordinate = st.floats(-2.0, 2.0, allow_nan=False)


def second_differences(f, point, h: float = 1e-4) -> np.ndarray:
    """An independent Hessian from f's values alone: the four-point central formula
    (f(p+hᵢ+hⱼ) − f(p+hᵢ−hⱼ) − f(p−hᵢ+hⱼ) + f(p−hᵢ−hⱼ)) / (4hᵢhⱼ)."""
    p = np.asarray(point, dtype=float)
    n = p.size
    steps = h * np.maximum(1.0, np.abs(p))
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            def shifted(a, b, i=i, j=j):
                q = p.copy()
                q[i] += a * steps[i]
                q[j] += b * steps[j]
                return f.value(q)
            out[i, j] = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / \
                (4 * steps[i] * steps[j])
    return out


def relative_gap(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1.0))


def test_article_example_has_the_constant_hessian_2_4_6():
    """∇(x² + 2y² + 3z²) = (2x, 4y, 6z), so H = diag(2, 4, 6) at every point, symbolically."""
    f = parse_expression("x^2 + 2*y^2 + 3*z^2")
    found = hessian_at(f, [1.0, -2.0, 0.5])
    np.testing.assert_allclose(found.matrix, np.diag([2.0, 4.0, 6.0]), rtol=0, atol=1e-12)
    assert found.method == SYMBOLIC and found.note == ""
    assert found.latex == (r"\begin{pmatrix}2 & 0 & 0 \\ 0 & 4 & 0 \\ 0 & 0 & 6"
                           r"\end{pmatrix}")
    assert isinstance(hessian(f, [0, 0, 0]), np.ndarray) and hessian(f, [0, 0, 0]).shape == (3, 3)


def test_mixed_partials_have_their_own_latex_and_value():
    """x³y + y²: H = [[6xy, 3x²], [3x², 2]], at (1, 2) [[12, 3], [3, 2]]."""
    found = hessian_at(parse_expression("x^3*y + y^2"), [1.0, 2.0])
    np.testing.assert_allclose(found.matrix, [[12.0, 3.0], [3.0, 2.0]], rtol=1e-12)
    assert "6 x y" in found.latex and "3 x^{2}" in found.latex


@given(text=st.sampled_from(SMOOTH_FAMILY), x=coordinate, y=coordinate)
def test_hessian_matches_second_differences_of_f(text, x, y):
    """The symbolic Hessian agrees with second differences of f's values, and is symmetric."""
    f = parse_expression(text, variables=("x", "y"))
    found = hessian_at(f, [x, y])
    assert found.method == SYMBOLIC
    np.testing.assert_array_equal(found.matrix, found.matrix.T)
    gap = relative_gap(found.matrix, second_differences(f, [x, y]))
    assert gap <= SECOND_DIFFERENCE_RTOL, f"{text} at ({x}, {y}): {found.matrix} ({gap:.2e})"


def _formulas():
    leaves = st.sampled_from(["x", "y", "z", "0.5", "2"])
    unary = st.sampled_from(["sin", "cos", "tanh", "sigmoid", "exp"])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(unary, inner).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"),
        inner.map(lambda a: f"({a})^2")), max_leaves=6)


@given(text=_formulas(), x=coordinate, y=coordinate, z=coordinate)
def test_random_formulas_hessian_matches_finite_differences(text, x, y, z):
    """Randomly built formulas in x, y, z: the Hessian agrees with central differences of
    the exact gradient (tight) and with f's own second differences (looser)."""
    try:
        f = parse_expression(text, variables=("x", "y", "z"))
        found = hessian_at(f, [x, y, z])
    except ExpressionError:
        assume(False)
    check = hessian_check(f, [x, y, z], found)
    assert check.passed, f"{text} at ({x}, {y}, {z}): {check.relative_error:.2e}"
    assert check.relative_error <= GRADIENT_DIFFERENCE_RTOL
    scale = max(1.0, abs(f.value([x, y, z])))
    gap = relative_gap(found.matrix, second_differences(f, [x, y, z]))
    assert gap <= SECOND_DIFFERENCE_RTOL * scale, f"{text}: {gap:.2e}"


def test_hessian_check_says_so_when_the_hessian_is_wrong():
    """A planted wrong Hessian (one entry off by 0.01) fails the check; the right one passes."""
    f = parse_expression("x^2*y + y^3")
    right = hessian_at(f, [1.0, 2.0])
    assert hessian_check(f, [1.0, 2.0], right).passed
    wrong = right.matrix.copy()
    wrong[0, 1] += 0.01
    check = hessian_check(f, [1.0, 2.0], Hessian(wrong, None, SYMBOLIC))
    assert not check.passed and check.relative_error > 1e-4


@pytest.mark.parametrize("text, point, kind", [
    ("x^2 + y^2", (0, 0), "minimum"),
    ("-x^2 - y^2", (0, 0), "maximum"),
    ("x^2 - y^2", (0, 0), "saddle"),
    ("x*y", (0, 0), "saddle"),
    ("x^2 + 3*x*y + y^2", (0, 0), "saddle"),  # positive diagonal, still a saddle
    ("x^4 + y^2", (0, 0), "degenerate"),
    ("x^3 + y^2", (0, 0), "degenerate"),
    ("x^2 + y^2 - z^2", (0, 0, 0), "saddle"),
    ("(x - 1)^2 + 2*(y + 1)^2", (1, -1), "minimum"),
    ("cos(x) + cos(y)", (0, 0), "maximum"),
    ("x^2 + y^2", (1, 0), "not critical"),
])
def test_classification_of_known_points(text, point, kind):
    """The second-order test on textbook cases, with a reason that names the eigenvalues."""
    found = curvature_at(parse_expression(text), point)
    assert found.kind == kind, found.reason
    assert "eigenvalue" in found.reason


def test_classification_reasons_say_why():
    """Each verdict's sentence gives its reason: the signs of the eigenvalues, or ∇f ≠ 0."""
    assert "both signs (-2, 2)" in curvature_at(parse_expression("x^2 - y^2"), (0, 0)).reason
    assert "every direction" in curvature_at(parse_expression("x^2 + y^2"), (0, 0)).reason
    assert "cannot decide" in curvature_at(parse_expression("x^4 + y^2"), (0, 0)).reason
    away = curvature_at(parse_expression("x^2 - y^2"), (1, 1)).reason
    assert "∇f = (2, -2) is not 0" in away and "up along some directions" in away


def test_classify_uses_a_relative_zero():
    """An eigenvalue of 1e-12 next to 2 counts as 0 (degenerate); a tiny ∇f counts as 0."""
    assert classify([1e-12, 2.0])[0] == "degenerate"
    assert classify([-1.0, 0.0, 1.0])[0] == "saddle"
    assert classify([1.0, 2.0], gradient=[1e-13, 0.0])[0] == "minimum"
    assert classify([1.0, 2.0], gradient=[1e-3, 0.0])[0] == "not critical"


def test_eigenvectors_are_the_principal_directions():
    """x² + 3xy + y²: H = [[2, 3], [3, 2]], eigenvalues -1 along (1, -1)/√2 and 5 along (1, 1)/√2."""
    found = curvature_at(parse_expression("x^2 + 3*x*y + y^2"), (0, 0))
    np.testing.assert_allclose(found.eigenvalues, [-1.0, 5.0], rtol=1e-12)
    for k in range(2):
        vector = found.eigenvectors[:, k]
        np.testing.assert_allclose(found.hessian.matrix @ vector, found.eigenvalues[k] * vector,
                                   atol=1e-12)


@pytest.mark.parametrize("text, point, of", [
    ("abs(x) + y^2", (0, 1), "f"),
    ("max(x, y)", (1, 1), "f"),
    ("x*abs(x) + y^2", (0, 1), "∂f/∂x"),
    ("relu(y)^2 + x", (2, 0), "∂f/∂y"),
])
def test_at_a_kink_the_hessian_does_not_exist(text, point, of):
    """Where f or a first partial bends, no Hessian: the reason names what bends and says so."""
    found = curvature_at(parse_expression(text), point)
    assert found.hessian is None and found.kind == "no Hessian"
    assert found.kinks and found.kinks[0].of == of
    assert "does not exist at this point" in found.reason
    assert found.eigenvalues.size == 0


def test_next_to_a_kink_the_hessian_exists_and_is_marked_as_finite_differences():
    """|x| + y² at (1, 1): sympy's second derivative of |x| is a delta, so the Hessian comes
    from differences of the exact gradient, marked so, and is [[0, 0], [0, 2]]."""
    found = hessian_at(parse_expression("abs(x) + y^2"), (1.0, 1.0))
    assert found.method == FINITE_DIFFERENCES and found.latex is None and found.note
    np.testing.assert_allclose(found.matrix, [[0.0, 0.0], [0.0, 2.0]], atol=1e-8)


def test_formula_too_complex_for_the_budget_gets_a_finite_difference_hessian(
        derivative_out_of_time):
    """Out of the worker's derivative budget (forced): still a Hessian, marked as finite
    differences, no LaTeX, and right to the differences' accuracy."""
    f = parse_expression("x^3*y^2 + sin(x*y) + 7")
    found = hessian_at(f, (0.5, 1.5))
    assert found.method == FINITE_DIFFERENCES and found.latex is None
    assert "central differences of the exact gradient" in found.note
    x, y = 0.5, 1.5
    exact = [[6 * x * y**2 - y**2 * np.sin(x * y), 6 * x**2 * y + np.cos(x * y) - x * y * np.sin(x * y)],
             [6 * x**2 * y + np.cos(x * y) - x * y * np.sin(x * y), 2 * x**3 - x**2 * np.sin(x * y)]]
    assert relative_gap(found.matrix, np.array(exact)) <= GRADIENT_DIFFERENCE_RTOL


def test_second_partials_past_the_budget_also_fall_back(monkeypatch):
    """f's gradient is symbolic but the second partials run out of budget (forced for every
    formula but f): finite differences, marked so."""
    from gradcore import symbolic

    f = parse_expression("x^5*y + cos(y)*x + 11")
    original = worker.analyse

    def analyse(tree, variables, owner=None):
        if tree == f.tree:
            return original(tree, variables, owner)
        def budget(seconds):
            if seconds == symbolic.DERIVATIVE_SECONDS:
                raise symbolic.OutOfTime
            return contextlib.nullcontext()
        return symbolic.analyse(tree, variables, budget=budget)

    monkeypatch.setattr(worker, "analyse", analyse)
    found = hessian_at(f, (1.0, 2.0))
    assert found.method == FINITE_DIFFERENCES
    exact = [[40.0, 5.0 - np.sin(2.0)], [5.0 - np.sin(2.0), -np.cos(2.0)]]
    assert relative_gap(found.matrix, np.array(exact)) <= GRADIENT_DIFFERENCE_RTOL


def test_second_partials_go_through_the_bounded_worker(monkeypatch):
    """The symbolic work on the first partials is asked of the worker, one job per variable."""
    asked = []
    original = worker.analyse

    def counting(tree, variables, owner=None):
        asked.append(tree)
        return original(tree, variables, owner)

    f = parse_expression("x^2*y^3 + 13*x")
    monkeypatch.setattr(worker, "analyse", counting)
    hessian_at(f, (1.0, 1.0))
    assert len(asked) == 2


@pytest.mark.parametrize("text, point", [("log(x) + y^2", (-1.0, 0.0)),
                                         ("sqrt(x) + y", (0.0, 1.0))])
def test_undefined_points_raise_a_message(text, point):
    """Where f or its slope is undefined: an ExpressionError with a sentence, no inf or nan."""
    with pytest.raises(ExpressionError, match="undefined"):
        curvature_at(parse_expression(text), point)


def test_numeric_hessian_is_symmetric_and_refuses_undefined_neighbours():
    """Central differences of ∇f, symmetrised; an undefined neighbour is an ExpressionError."""
    matrix = numeric_hessian(parse_expression("x^2*y + exp(y)"), (1.0, 0.5))
    np.testing.assert_array_equal(matrix, matrix.T)
    with pytest.raises(ExpressionError):
        numeric_hessian(parse_expression("sqrt(x) + y"), (1e-12, 1.0))


def test_quadratic_estimate_is_exact_for_a_quadratic():
    """For f = x² + 3xy − y² + x the second-order estimate is f(p + Δ) itself."""
    f = parse_expression("x^2 + 3*x*y - y^2 + x")
    found = taylor_estimates(f, (1.0, -1.0), (0.7, 0.4))
    assert found.actual == pytest.approx(found.quadratic, rel=1e-12)
    assert found.linear != pytest.approx(found.actual, rel=1e-3)


def test_estimate_errors_shrink_like_delta_squared_and_cubed():
    """Halving Δ divides the linear error by about 4 and the quadratic one by about 8."""
    f = parse_expression("exp(x + 2*y)")
    def errors(step):
        found = taylor_estimates(f, (0.1, 0.2), (step, step))
        return abs(found.linear - found.actual), abs(found.quadratic - found.actual)
    (l1, q1), (l2, q2) = errors(0.02), errors(0.01)
    assert l1 / l2 == pytest.approx(4.0, rel=0.05)
    assert q1 / q2 == pytest.approx(8.0, rel=0.05)


def test_estimate_outside_the_domain_has_no_actual_value():
    """f(p + Δ) undefined (log of a negative): actual is None, the estimates remain."""
    found = taylor_estimates(parse_expression("log(x) + y"), (0.5, 0.0), (-1.0, 0.0))
    assert found.actual is None and np.isfinite(found.linear) and np.isfinite(found.quadratic)
