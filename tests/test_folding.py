"""gradcore.expressions.folding: trees -> sympy under the limits, checked on what sympy folds, and back."""

import time

import pytest
import sympy

from gradcore import ExpressionError
from gradcore.expressions import folding
from gradcore.expressions.folding import check_real, from_sympy, sigmoid, to_sympy
from gradcore.expressions.parsing import MAX_EXPONENT, read_formula
from tests.timing import timing

x, y = sympy.symbols("x y", real=True)
SYMBOLS = {"x": x, "y": y}
# A refusal is decided from logarithms (microseconds) before anything big is computed; building
# the power would not finish at all. 0.5 s leaves room for a busy machine.
FAST_S = 0.5


def build(text: str) -> sympy.Expr:
    """The folded sympy expression of typed text."""
    return to_sympy(read_formula(text).tree, SYMBOLS)


@pytest.mark.parametrize("text, words", [
    ("x^(x-x+101)", f"at most {MAX_EXPONENT} in size"),
    ("(x-x+3)^(100*(x-x+1000000))", "works out to 1e+08"),
    ("(x-x+99)^99", "about 198 digits"), ("(x-x+1/999999)^99", "about 594 digits"),
    ("(x-x+10^60)*(x-x+10^60)", "about 120 digits"), ("(1000000*y)^20", "about 120 digits"),
    ("x^60*x^60", "exponent 120"), ("exp(x-x+300)", "constants can be at most 1e+100"),
    ("1/(x-x)", "division by zero"), ("(x-x-8)^(1/3)", "negative number to a fractional"),
    ("max(log(min(-1, x)), 1)", "not a real number"), ("log(x-x-1)", "undefined everywhere"),
])
def test_each_folded_limit_has_its_message(text, words):
    """What folds past a limit (or to a number that is not real) is refused, saying why."""
    with pytest.raises(ExpressionError, match=words.replace("+", r"\+").replace("^", r"\^")):
        build(text)


HUGE_POWERS = ["(x-x+3)^(1000*(x-x+1000000))", "(x-x+2)^(1000000*(x-x+1000000))",
               "(x-x+2)^(x-x+100000)"]


def refusal_seconds(text: str) -> float:
    """Build `text`, which must be refused for its exponent; the seconds the refusal took."""
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="exponents can be at most"):
        build(text)
    return time.perf_counter() - start


@pytest.mark.parametrize("text", HUGE_POWERS)
def test_huge_powers_are_refused_before_sympy_computes_them(text, monkeypatch):
    """The power is never constructed: a trapped sympy.Pow shows it."""
    real_pow = sympy.Pow

    def trapped(base, exponent, *args, **kwargs):
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise AssertionError(f"sympy was asked for {base}^{exponent}")
        return real_pow(base, exponent, *args, **kwargs)

    monkeypatch.setattr(folding.sympy, "Pow", trapped)
    refusal_seconds(text)


@timing
@pytest.mark.parametrize("text", HUGE_POWERS)
def test_huge_powers_are_refused_quickly(text):
    """The refusal is decided from logarithms, within FAST_S."""
    assert refusal_seconds(text) < FAST_S


@pytest.mark.parametrize("text, expected", [
    ("(x-x+10)^(x-x+100)", sympy.Integer(10)**100), ("x^100", x**100),
    ("10^100*x", sympy.Integer(10)**100 * x), ("(x-x+2)^(1/2)", sympy.sqrt(2)),
    ("x - x + 3", sympy.Integer(3)), ("relu(x)", sympy.Max(0, x)),
])
def test_values_at_the_limits_are_accepted_and_folded(text, expected):
    """Exactly at the limits is allowed; sympy's folding is kept (x - x + 3 is 3)."""
    assert build(text) == expected


def test_from_sympy_round_trips_and_refuses_unknown_nodes():
    """to_sympy(from_sympy(e)) == e for gradcore's nodes; other functions are refused."""
    for expr in [x**2 + 3 * sympy.sin(y), sympy.Max(x, y, 1) / 7, sympy.Abs(x - sympy.pi),
                 sigmoid(2 * x) * sympy.tanh(y), sympy.Heaviside(x - 1) * sympy.sign(y),
                 sympy.exp(x) * sympy.log(y) + sympy.Float(0.25), sympy.Min(x, y)]:
        assert to_sympy(from_sympy(expr), SYMBOLS) == expr
    with pytest.raises(ExpressionError, match="cannot evaluate"):
        from_sympy(sympy.gamma(x))


def test_check_real_refuses_what_is_not_real():
    """1/0 (zoo), an imaginary part or infinity anywhere: refused as undefined everywhere."""
    for expr in [sympy.zoo * x, x + sympy.I, sympy.oo + x]:
        with pytest.raises(ExpressionError, match="undefined everywhere"):
            check_real(expr, "f")
    check_real(x + 1, "x + 1")
