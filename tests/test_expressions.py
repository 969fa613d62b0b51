"""parse_expression and Expression: the article's examples exactly, domains, limits, agreement
with finite differences."""

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from gradcore import Expression, ExpressionError, gradient_check, parse_expression
from gradcore.expressions.parsing import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_VARIABLES,
)

GRADIENT_RTOL = 1e-6  # relative error (numeric.relative_error) allowed against finite differences


def test_article_3d_gradient_is_2x_4y_6z():
    """∇(x² + 2y² + 3z²) = (2x, 4y, 6z) symbolically and (2, 8, 18) at (1, 2, 3)."""
    f = parse_expression("x^2+2*y^2+3*z^2")
    x, y, z = f.symbols
    assert f.variables == ("x", "y", "z")
    assert f.partials == (2 * x, 4 * y, 6 * z)
    assert f.gradient_latex == ["2 x", "4 y", "6 z"]
    np.testing.assert_array_equal(f.gradient((1, 2, 3)), [2.0, 8.0, 18.0])
    assert f.value((1, 2, 3)) == 36.0


def test_article_4d_gradient_is_twice_the_point():
    """∇(w² + x² + y² + z²) = (2w, 2x, 2y, 2z), variables sorted w, x, y, z."""
    f = parse_expression("w^2 + x^2 + y^2 + z^2")
    w, x, y, z = f.symbols
    assert f.variables == ("w", "x", "y", "z")
    assert f.partials == (2 * w, 2 * x, 2 * y, 2 * z)
    np.testing.assert_array_equal(f.gradient((1, -2, 0.5, 3)), [2.0, -4.0, 1.0, 6.0])


def test_derivative_of_x_squared_is_2x():
    """d/dx x² = 2x, and the derivative is itself an Expression."""
    f = parse_expression("x^2")
    (x,) = f.symbols
    assert f.derivative().sympy == 2 * x
    assert f.derivative().value([3.5]) == 7.0


def test_chain_rule_x_plus_one_squared():
    """f(g(x)) with f = x², g = x + 1: direct derivative and f'(g(x))·g'(x) both equal 2(x + 1)."""
    f, g = parse_expression("x^2"), parse_expression("x + 1")
    (x,) = g.symbols
    composed = f.compose(g)
    assert sympy.expand(composed.derivative().sympy - 2 * (x + 1)) == 0
    chain = f.derivative().compose(g).sympy * g.partials[0]
    assert sympy.expand(chain - 2 * (x + 1)) == 0
    assert sympy.expand(parse_expression("(x+1)^2").partials[0] - 2 * (x + 1)) == 0


def test_squared_norm_and_dot_product_typed():
    """Typed ‖w‖² has partials 2wᵢ and typed w·x with x = (1, -2, 3) has gradient x."""
    norm = parse_expression("w1^2 + w2^2 + w3^2")
    assert norm.partials == tuple(2 * w for w in norm.symbols)
    dot = parse_expression("w1 - 2*w2 + 3*w3")
    assert dot.partials == (1, -2, 3)


@pytest.mark.parametrize("text, point, expected", [
    ("x^2", [3], 9.0), ("x**2", [3], 9.0), ("2*x", [4], 8.0), ("-x^2", [3], -9.0),
    ("2^3^2", [], 512.0), ("e^x", [0], 1.0), ("pi", [], np.pi), ("ln(x)", [np.e], 1.0),
    ("relu(x)", [-2], 0.0), ("sigmoid(x)", [0], 0.5), ("max(x, 0)", [2], 2.0),
    ("min(x, y, 1)", [3, 2], 1.0), ("abs(x)", [-2.5], 2.5), ("tanh(x)", [0], 0.0),
    ("sqrt(x)", [9], 3.0), ("w2*x1 + theta", [1, 2, 3], 7.0), ("exp(log(x))", [2.0], 2.0),
    ("x / 4", [1], 0.25), ("+x", [5], 5.0), ("1e-3*x", [1000], 1.0), ("x\n+ 1", [1], 2.0),
])
def test_accepts_what_students_type(text, point, expected):
    """Student notation (^, **, functions, multi-letter names, constants) evaluates correctly."""
    assert parse_expression(text).value(point) == pytest.approx(expected, rel=1e-12)


def test_variables_inferred_sorted_or_fixed_in_given_order():
    """variables=None sorts the names; a given tuple keeps its order and unused names."""
    assert parse_expression("y + x1 + b").variables == ("b", "x1", "y")
    fixed = parse_expression("x + 2*y", variables=("y", "x", "z"))
    assert fixed.variables == ("y", "x", "z")
    np.testing.assert_array_equal(fixed.gradient((0, 0, 0)), [2.0, 1.0, 0.0])
    assert parse_expression("x", variables="x").variables == ("x",)


def test_unknown_name_lists_what_is_allowed():
    """With fixed variables an unknown name is refused with the list of allowed names."""
    with pytest.raises(ExpressionError, match=r"unknown name 'foo' — allowed: x, y, pi, e, sin"):
        parse_expression("x + foo", variables=("x", "y"))


@pytest.mark.parametrize("variables", [("x", "x"), ("sin",), ("e",), ("2x",), ("__x",),
                                       tuple(f"v{i}" for i in range(MAX_VARIABLES + 1))])
def test_bad_variable_lists_are_refused(variables):
    """Duplicate, reserved, malformed or too many variable names raise ExpressionError."""
    with pytest.raises(ExpressionError):
        parse_expression("1", variables=variables)


@pytest.mark.parametrize("text, explicit", [("2x", "2*x"), ("|x - 1|", "abs(x - 1)"),
                                            ("x²", "x^2"), ("sin x", "sin(x)")])
def test_student_notation_reaches_the_expression(text, explicit):
    """parse_expression reads student notation (tests/test_notation.py has the full list)."""
    assert parse_expression(text).sympy == parse_expression(explicit).sympy
    assert parse_expression(text).text == text


def test_scientific_notation_is_not_implicit_multiplication():
    """1e5*x is a number times x, not '1 times e5'."""
    assert parse_expression("1e5*x").value([2]) == 200000.0


@pytest.mark.parametrize("text, words", [
    ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH}"),
    ("+".join(["x"] * (MAX_NODES // 2 + 1)), f"at most {MAX_NODES} are allowed"),
    ("sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), f"at most {MAX_DEPTH}"),
    ("x^101", f"at most {MAX_EXPONENT}"),
    ("(x^20)^6", f"works out to a power with exponent 120: exponents can be at most "
                 f"{MAX_EXPONENT}"),
    ("2000000*x", "at most 1e+06"), ("10^60*10^60", "at most 1e+100"),
    ("+".join(f"v{i}" for i in range(MAX_VARIABLES + 1)), f"at most {MAX_VARIABLES}"),
])
def test_each_limit_has_its_own_message(text, words):
    """Length, node count, depth, exponent, nested powers, constants, variables: own messages."""
    with pytest.raises(ExpressionError, match=words.replace("+", r"\+").replace("^", r"\^")):
        parse_expression(text)


@pytest.mark.parametrize("text, point, words", [
    ("log(x)", [-1], "log needs a positive argument, but log(x) gets -1 here"),
    ("sqrt(x)", [-4], "x is -4 here"), ("1/x", [0], "division by zero: x is 0 here"),
    ("x^-1", [0], "division by zero"), ("exp(x)", [1000], "too large"),
    ("log(sqrt(x))", [-1], "square root"),
])
def test_value_outside_the_domain_raises_a_clear_error(text, point, words):
    """Outside the domain value() raises ExpressionError naming the point and the reason."""
    with pytest.raises(ExpressionError, match="undefined at x = ") as error:
        parse_expression(text).value(point)
    assert words in str(error.value)


def test_gradient_with_infinite_slope_raises():
    """sqrt(x) is defined at 0 but its slope is not: gradient() says so."""
    f = parse_expression("sqrt(x)")
    assert f.value([0]) == 0.0
    with pytest.raises(ExpressionError, match="slope ∂f/∂x of sqrt\\(x\\) is undefined at x = 0"):
        f.gradient([0])


@pytest.mark.parametrize("point", [[1, 2], ["a"], [np.nan], [np.inf]])
def test_bad_points_are_refused(point):
    """A point of the wrong length or with non-finite or non-numeric entries is refused."""
    with pytest.raises(ExpressionError):
        parse_expression("x^2").value(point)


def test_evaluate_on_arrays_gives_nan_where_undefined():
    """The plotting helper broadcasts arrays and returns nan (a gap) outside the domain."""
    f = parse_expression("log(x) + y")
    out = f.evaluate(np.array([-1.0, 0.0, 1.0]), 2.0)
    np.testing.assert_array_equal(np.isnan(out), [True, True, False])
    assert out[2] == 2.0
    grad = f.evaluate_gradient(np.array([[-1.0, 2.0]]), np.zeros((1, 2)))
    assert grad.shape == (2, 1, 2)
    assert np.isnan(grad[0, 0, 0]) and grad[0, 0, 1] == 0.5
    np.testing.assert_array_equal(parse_expression("3 + 0*x").evaluate(np.zeros(4)), [3.0] * 4)


def test_gradient_at_a_kink_is_the_midpoint_of_the_one_sided_slopes():
    """One variable: |x| → 0, relu → 1/2, −|x| → 0 at 0; several: sympy's max tie 1/2 each."""
    assert parse_expression("abs(x)").gradient([0]) == [0.0]
    assert parse_expression("relu(x)").gradient([0]) == [0.5]
    assert parse_expression("-abs(x)").gradient([0]) == [0.0]
    assert parse_expression("max(0, 1 - x)").gradient([1]) == [-0.5]
    np.testing.assert_array_equal(parse_expression("max(x, y)").gradient([1, 1]), [0.5, 0.5])


def test_kink_method_describes_the_kink():
    """Expression.kink gives the one-sided slopes; None where f is differentiable."""
    f = parse_expression("abs(x - 1) + x/2")
    kink = f.kink(1.0)
    assert (kink.left, kink.right, kink.interval) == (-0.5, 1.5, (-0.5, 1.5))
    assert f.kink(0.0) is None and f.kinks() == (1.0,)
    assert parse_expression("x^2").kinks() == ()


def test_sigmoid_is_one_node_with_a_stable_derivative():
    """sigmoid(x) prints as σ(x), differentiates to σ(1 − σ) and stays finite at ±800."""
    f = parse_expression("sigmoid(2*x)")
    assert f.latex == r"\sigma\left(2 x\right)"
    assert r"\left(1 - \sigma\left(2 x\right)\right)" in f.gradient_latex[0]
    np.testing.assert_array_equal(f.evaluate(np.array([-800.0, 0.0, 800.0])), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(f.evaluate_gradient(np.array([-800.0, 800.0])), [[0.0, 0.0]])
    assert f.gradient([0.0])[0] == 0.5


def test_plain_formulas_have_no_notes():
    """notes is an empty tuple when nothing was read in a surprising way."""
    assert parse_expression("x^2 + 3*sin(y)").notes == ()


def test_compose_refuses_many_variable_outer_and_undefined_results():
    """compose needs a one-variable outer function and a real result."""
    with pytest.raises(ExpressionError, match="one variable"):
        parse_expression("x*y").compose(parse_expression("x"))
    with pytest.raises(ExpressionError, match="undefined everywhere"):
        parse_expression("log(x)").compose(parse_expression("-1 + 0*x"))


def test_names_that_shadow_numpy_are_harmless():
    """A variable called 'numpy' evaluates normally: lambdify never sees user names."""
    f = parse_expression("numpy*exp(x)", variables=("numpy", "x"))
    assert f.value((2, 0)) == 2.0
    np.testing.assert_array_equal(f.gradient((2, 0)), [1.0, 2.0])


def test_compiled_functions_are_cached():
    """The numeric program is built once per Expression."""
    f = parse_expression("x^3")
    assert f._program is f._program
    assert isinstance(f.derivative(), Expression)


SMOOTH_FAMILY = [
    "x^2 + 3*sin(y)", "x*y + exp(x/2)", "sin(x)*cos(y)", "log(1 + x^2 + y^2)",
    "sqrt(1 + x^2)*y", "tanh(x - y)", "sigmoid(2*x + y)", "(x + 1)^3 - y^2/2",
    "x/(2 + cos(y))", "exp(-x^2 - y^2)", "x^4 - 2*x^2*y + y^3", "tan(x/3) + y", "pi*x + e*y",
]
coordinate = st.floats(-2.0, 2.0, allow_nan=False)


@given(text=st.sampled_from(SMOOTH_FAMILY), x=coordinate, y=coordinate)
def test_analytic_gradient_matches_finite_differences(text, x, y):
    """For a family of typed formulas the sympy gradient agrees with central differences."""
    f = parse_expression(text, variables=("x", "y"))
    check = gradient_check(f.value, f.gradient, [x, y], rtol=GRADIENT_RTOL)
    assert check.passed, f"{text} at ({x}, {y}): {check}"


def _formulas():
    leaves = st.sampled_from(["x", "y", "0.5", "2", "pi"])
    unary = st.sampled_from(["sin", "cos", "tanh", "sigmoid"])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(unary, inner).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"),
        inner.map(lambda a: f"({a})^2")), max_leaves=8)


@given(text=_formulas(), x=coordinate, y=coordinate)
def test_generated_formulas_match_finite_differences(text, x, y):
    """Randomly built formulas: analytic gradient agrees with numeric_gradient to the rtol."""
    try:
        f = parse_expression(text, variables=("x", "y"))
    except ExpressionError:
        assume(False)
    check = gradient_check(f.value, f.gradient, [x, y], rtol=GRADIENT_RTOL)
    assert check.passed, f"{text} at ({x}, {y}): {check}"
