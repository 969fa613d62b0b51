"""gradcore.expressions.evaluation: values and forward-mode slopes of trees, checked against sympy's
symbolic derivative (the trusted oracle) and finite differences, and the diagnosis of points
where a formula is undefined."""

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from gradcore import ExpressionError, gradient_check
from gradcore.expressions import evaluation
from gradcore.expressions.evaluation import Program, constant_value, diagnose
from gradcore.expressions.folding import from_sympy, sigmoid
from gradcore.expressions.parsing import read_formula

ORACLE_RTOL = 1e-12    # same formula, two evaluation orders: rounding only
GRADIENT_RTOL = 1e-6   # against central differences (numeric.relative_error)
x, y = sympy.symbols("x y", real=True)
NAMES = ("x", "y")


def program(text: str, variables=NAMES) -> Program:
    """The program of typed text, unfolded (the parser's tree)."""
    return Program(read_formula(text, variables).tree, variables)


def _formulas():
    leaves = st.sampled_from([x, y, sympy.Rational(1, 2), sympy.Integer(2), sympy.pi])
    unary = st.sampled_from([sympy.sin, sympy.cos, sympy.tanh, sigmoid, sympy.exp, sympy.Abs])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(unary, inner).map(lambda p: p[0](p[1])),
        st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
        st.tuples(inner, inner).map(lambda p: sympy.Max(p[0], p[1])),
        st.tuples(inner, st.sampled_from([2, 3, -1])).map(lambda p: p[0]**p[1])),
        max_leaves=8)


@given(expr=_formulas(), a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_values_and_slopes_match_sympys_derivative(expr, a, b):
    """For random formulas: value and ∇ equal sympy's expression and derivative evaluated."""
    exact = {x: sympy.Float(a), y: sympy.Float(b)}
    expected = [complex(e.evalf(30, subs=exact)) for e in [expr, expr.diff(x), expr.diff(y)]]
    assume(all(np.isfinite(e) and abs(e.imag) < 1e-12 and abs(e) < 1e12 for e in expected))
    value, grad = Program(from_sympy(expr), NAMES).run((a, b), gradient=True)
    np.testing.assert_allclose([value, *grad], [e.real for e in expected], rtol=ORACLE_RTOL,
                               atol=1e-10)


def test_slopes_agree_with_finite_differences_and_a_planted_error_is_caught(monkeypatch):
    """The gradient check passes for sin(x)·y; with sin′ planted as +sin it reports a gap."""
    def run_check():
        f = program("sin(x)*y + x^3")
        return gradient_check(lambda p: f.run(tuple(p))[0], lambda p: f.run(tuple(p), True)[1],
                              [0.7, -1.3], rtol=GRADIENT_RTOL)

    assert run_check().passed
    value, _ = evaluation.UNARY["sin"]
    monkeypatch.setitem(evaluation.RULES, "sin", _wrong_rule(value))
    assert not run_check().passed


def _wrong_rule(value):
    def rule(operands, _):
        (a, grad), = operands
        return value(a), None if grad is None else np.sin(a) * grad
    return rule


@pytest.mark.parametrize("text, point, slopes", [
    ("abs(x)", (0.0, 0.0), (0.0, 0.0)), ("max(x, y)", (1.0, 1.0), (0.5, 0.5)),
    ("max(0, x/2, x)", (0.0, 0.0), (0.75, 0.0)), ("min(x, 2*y)", (2.0, 1.0), (0.5, 1.0)),
    ("max(x, 0)", (-1.0, 0.0), (0.0, 0.0)),
])
def test_kinks_follow_sympys_rules(text, point, slopes):
    """sign(0) = 0 and Heaviside(0) = 1/2, as sympy's printed derivative says (3/4 at a
    three-way tie of max(0, x/2, x))."""
    np.testing.assert_array_equal(program(text).run(point, gradient=True)[1], slopes)


def test_arrays_broadcast_and_constants_have_zero_slopes():
    """Arrays of different shapes broadcast; a constant formula has slopes 0 of that shape."""
    value, grad = program("x*y").run((np.array([1.0, 2.0, 3.0]), 2.0), gradient=True)
    np.testing.assert_array_equal(value, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(grad, [[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
    _, flat = program("3 + pi").run((np.zeros(4), 0.0), gradient=True)
    assert flat.shape == (2, 4) and not flat.any()


@pytest.mark.parametrize("text, point, reason", [
    ("log(x)", (-1.0,), "log needs a positive argument, but log(x) gets -1 here"),
    ("sqrt(x - 1)", (0.0,), "but x - 1 is -1 here"),
    ("1/(x - 2)", (2.0,), "division by zero: x - 2 is 0 here"),
    ("exp(x)^2", (400.0,), "exp(x)^2 overflows here: its value is too large for a float"),
])
def test_diagnose_names_the_innermost_piece_that_fails(text, point, reason):
    """The reason names the first piece, innermost first, that turns finite into undefined."""
    assert reason in diagnose(program(text, ("x",)), point)


def test_diagnose_explains_an_infinite_slope():
    """sqrt(x) at 0 has a value but no finite slope: a division by zero in its derivative."""
    f = program("sqrt(x)", ("x",))
    assert f.run((0.0,))[0] == 0.0
    assert diagnose(f, (0.0,), 0) == "division by zero: x is 0 here"


def test_constants_overflow_to_inf_and_undefined_ones_to_nan():
    """constant_value never raises: inf for exp(1000), nan for log(-1)."""
    assert constant_value(("exp", ("int", 1000))) == np.inf
    assert np.isnan(constant_value(("log", ("int", -1))))
    assert constant_value(("mul", ("rat", 1, 3), ("int", 3))) == 1.0


def test_programs_refuse_unknown_nodes_and_variables():
    """A node kind or a variable the program does not know is an ExpressionError."""
    with pytest.raises(ExpressionError, match="cannot evaluate"):
        Program(("gamma", ("var", "x")), ("x",))
    with pytest.raises(ExpressionError, match="not one of the variables"):
        Program(("var", "z"), ("x",))


def test_an_overflow_is_named_as_one():
    """exp(exp(exp(x))) at 2 is beyond the largest float: the message says it overflows (it
    said "too large ... or not a real number", leaving the student to guess which)."""
    from gradcore import ExpressionError, parse_expression

    with pytest.raises(ExpressionError, match=r"overflows here: its value is too large for a float \(beyond ±1.8e308\)"):
        parse_expression("exp(exp(exp(x)))").value([2.0])
