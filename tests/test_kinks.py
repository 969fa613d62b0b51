"""kink_at and Expression.kinks: one-sided slopes, the local subdifferential, gradcore's choice."""

import statistics
import time

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcore import (
    ExpressionError,
    Kink,
    kink_at,
    one_sided_derivatives,
    parse_expression,
    supporting_line_check,
)
from gradcore.expressions.folding import to_sympy
from gradcore.expressions.kinks import polynomial_kink_candidates, switch_arguments
from tests.timing import timing

EXACT = 0.0             # piecewise linear: the slopes come out exactly
CURVED_ATOL = 1e-9      # Richardson error O(δ²·f‴) with δ = 1e-6: about 1e-12
ONE_SIDED_ATOL = 1e-6   # the independent one-sided differences (numeric.py): O(h²) ≈ 4e-11·f‴
TIME_LIMIT_MS = 5.0     # a slider move: kink_at plus gradient, median over repeated calls

# typed text, x0, slope from the left, from the right: the brief's examples and the catalogue's
TYPED_KINKS = [
    ("abs(x)", 0.0, -1.0, 1.0), ("|x|", 0.0, -1.0, 1.0), ("relu(x)", 0.0, 0.0, 1.0),
    ("max(x, 0)", 0.0, 0.0, 1.0), ("max(0, 1 - x)", 1.0, -1.0, 0.0),
    ("abs(x-1) + 0.5*x", 1.0, -0.5, 1.5), ("max(-x, 0.5*x, 2*x-3)", 0.0, -1.0, 0.5),
    ("max(-x, 0.5*x, 2*x-3)", 2.0, 0.5, 2.0), ("min(x, 2 - x)", 1.0, 1.0, -1.0),
    ("relu(relu(x))", 0.0, 0.0, 1.0), ("abs(abs(x) - 1)", 1.0, -1.0, 1.0),
    ("3*abs(x + 2) - x", -2.0, -4.0, 2.0),
]


@pytest.mark.parametrize("text, x0, left, right", TYPED_KINKS)
def test_typed_kinks_have_exact_one_sided_slopes(text, x0, left, right):
    """Typed piecewise linear formulas: exact f′₋, f′₊; gradient is their midpoint."""
    f = parse_expression(text)
    kink = kink_at(f, x0)
    assert isinstance(kink, Kink) and kink.x == x0
    assert (kink.left, kink.right) == pytest.approx((left, right), abs=EXACT)
    assert kink.slope == 0.5 * (left + right) == f.gradient([x0])[0]
    assert kink.value == f.value([x0])


@pytest.mark.parametrize("text, x0, left, right", [t for t in TYPED_KINKS if t[2] < t[3]])
def test_convex_corner_interval_contains_the_gradient_and_supports_f(text, x0, left, right):
    """At a convex corner the interval is [f′₋, f′₊], holds gradient, and its ends support f."""
    f = parse_expression(text)
    kink = kink_at(f, x0)
    assert kink.convex_here and kink.interval == (left, right)
    assert left <= kink.subgradient <= right
    ys = np.linspace(x0 - 0.5, x0 + 0.5, 101)  # near x0: where the corner alone decides
    for g in (left, kink.subgradient, right):
        assert supporting_line_check(f.evaluate, x0, g, ys).supporting


def test_concave_corner_has_one_sided_slopes_but_no_subgradient():
    """−|x| at 0: slopes 1 and −1, convex_here False, no interval, gradient still 0."""
    f = parse_expression("-abs(x)")
    kink = kink_at(f, 0.0)
    assert (kink.left, kink.right) == (1.0, -1.0)
    assert not kink.convex_here and kink.interval is None and kink.subgradient is None
    assert kink.slope == 0.0 == f.gradient([0.0])[0]
    assert "no subgradient" in kink.note
    assert not supporting_line_check(f.evaluate, 0.0, 0.0).supporting


@pytest.mark.parametrize("text, x0", [
    ("x^2", 0.0), ("abs(x)", 0.5), ("x*abs(x)", 0.0), ("abs(x)^3", 0.0), ("relu(x)^2", 0.0),
    ("relu(x) - relu(-x)", 0.0), ("abs(x^2)", 0.0), ("max(x, x^3)", 0.5),
])
def test_differentiable_points_are_not_kinks(text, x0):
    """Smooth points, and switches where the slopes still agree, give None."""
    assert kink_at(parse_expression(text), x0) is None


def test_a_three_way_tie_keeps_the_midpoint_where_sympys_rules_do_not():
    """max(0, x/2, x) at 0: sympy's rules give 1/2·H(0) + H(0) = 3/4; gradcore (0 + 1)/2."""
    f = parse_expression("max(0, x/2, x)")
    assert f.derivative().value([0.0]) == 0.75
    assert f.gradient([0.0])[0] == 0.5
    np.testing.assert_array_equal(f.evaluate_gradient(np.array([-1.0, 0.0, 1.0])),
                                  [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("text, x0", [("abs(x - 1) + x^2", 1.0), ("2*abs(x) + sin(x)", 0.0),
                                      ("abs(exp(x) - 1)", 0.0), ("max(x^2, 2*x)", 2.0)])
def test_curved_pieces_agree_with_one_sided_differences(text, x0):
    """Kinks between curved pieces: slopes agree with one-sided differences (independent)."""
    f = parse_expression(text)
    kink = kink_at(f, x0)
    numeric = one_sided_derivatives(lambda v: f.value([v]), x0)
    assert (kink.left, kink.right) == pytest.approx(numeric, abs=ONE_SIDED_ATOL)
    assert f.gradient([x0])[0] == pytest.approx(0.5 * sum(numeric), abs=ONE_SIDED_ATOL)


def test_a_kink_a_float_sum_away_is_still_found():
    """x0 = 0.1 + 0.2 (a slider's float) is on the kink of |x − 0.3|; 1e-6 away is not."""
    f = parse_expression("abs(x - 0.3)")
    assert kink_at(f, 0.1 + 0.2) is not None
    assert kink_at(f, 0.3 + 1e-6) is None


def test_kinks_lists_polynomial_switches_and_kink_at_finds_others():
    """kinks() finds |x² − 1| at ±1; |sin x| at π is found by kink_at though not listed."""
    assert parse_expression("abs(x^2 - 1)").kinks() == pytest.approx((-1.0, 1.0), abs=1e-15)
    assert parse_expression("max(-x, x/2, 2*x - 3)").kinks(lo=1.0) == (2.0,)
    assert parse_expression("x*abs(x)").kinks() == ()
    wave = parse_expression("abs(sin(x))")
    assert wave.kinks() == ()
    kink = kink_at(wave, np.pi)
    assert (kink.left, kink.right) == pytest.approx((-1.0, 1.0), abs=CURVED_ATOL)


def _switch_texts(text: str) -> set[str]:
    """The switches of a typed formula, each as the folded sympy expression it stands for."""
    f = parse_expression(text)
    symbols = dict(zip(f.variables, f.symbols, strict=True))
    return {str(sympy.expand(to_sympy(s, symbols))) for s in switch_arguments(f.tree)}


def test_switches_are_the_arguments_of_the_bending_nodes():
    """abs, sign, Heaviside give their argument; max and min the pairwise differences."""
    assert _switch_texts("abs(x - 1) + x") == {"x - 1"}
    assert _switch_texts("max(-x, x/2, 2*x - 3)") == {"-3*x/2", "3 - 3*x", "3 - 3*x/2"}
    assert switch_arguments(parse_expression("x^2 + sin(x)").tree) == ()
    assert switch_arguments(("sign", ("add", ("var", "x"), ("int", 2)))) == \
        (("add", ("var", "x"), ("int", 2)),)
    assert polynomial_kink_candidates(parse_expression("abs(x^2 - 4)").tree, "x") == \
        pytest.approx((-2.0, 2.0), rel=1e-15)
    assert polynomial_kink_candidates(parse_expression("abs(3*x - 1)").tree, "x") == (1 / 3,)


def test_polynomial_candidates_skip_high_degrees_and_other_variables():
    """A switch of degree above MAX_KINK_DEGREE, or in another variable, gives no candidate."""
    assert polynomial_kink_candidates(parse_expression("abs((x+1)^60*(x-2)^60)").tree,
                                      "x") == ()
    assert polynomial_kink_candidates(parse_expression("abs(x - y)").tree, "x") == ()


@pytest.mark.parametrize("text, x0, words", [
    ("sqrt(abs(x))", 0.0, "infinite or undefined on one side"),
    ("x*y", 0.0, "one variable"), ("log(x) + abs(x)", 0.0, "undefined"),
])
def test_kink_at_refuses_what_it_cannot_answer(text, x0, words):
    """Infinite one-sided slopes, several variables, or a point outside the domain."""
    with pytest.raises(ExpressionError, match=words):
        kink_at(parse_expression(text), x0)


def test_kink_note_is_plain_text_with_the_numbers():
    """The note names both slopes, the interval and the chosen g, without Markdown."""
    note = kink_at(parse_expression("relu(x)"), 0.0).note
    assert "0 from the left and 1 from the right" in note
    assert "[0, 1]" in note and "g = 0.5" in note
    assert not set(note) & set("*_`$#\\")


def test_detection_calls_no_solver(monkeypatch):
    """kink_at, gradient and kinks() work with sympy's solvers switched off."""
    def refuse(*args, **kwargs):
        raise AssertionError("a sympy solver was called")

    for name in ("solve", "solveset", "nsolve", "roots", "real_roots"):
        monkeypatch.setattr(sympy, name, refuse)
    f = parse_expression("max(-x, 0.5*x, 2*x - 3) + abs(x - 1)")
    assert f.kinks() == (0.0, 1.0, 2.0)
    assert kink_at(f, 2.0).slope == f.gradient([2.0])[0]


@timing
@pytest.mark.parametrize("text, x0", [("abs(x-1) + 0.5*x", 1.0), ("max(-x, 0.5*x, 2*x-3)", 2.0),
                                      ("relu(x)", 0.0), ("x^3 - 2*x", 1.0)])
def test_a_slider_move_costs_a_few_milliseconds(text, x0):
    """kink_at + gradient, after the first (compiling) call, take under 5 ms (median)."""
    f = parse_expression(text)
    kink_at(f, x0), f.gradient([x0])
    times = []
    for _ in range(30):
        start = time.perf_counter()
        kink_at(f, x0), f.gradient([x0])
        times.append(1000 * (time.perf_counter() - start))
    assert statistics.median(times) < TIME_LIMIT_MS


@settings(max_examples=15)  # each example parses and compiles a formula (~0.1 s)
@given(slopes=st.lists(st.integers(-4, 4), min_size=2, max_size=4, unique=True),
       offset=st.integers(-3, 3))
def test_max_of_lines_at_a_crossing(slopes, offset):
    """max of lines through (offset, 0): a convex corner with slopes min and max of the lines."""
    text = "max(" + ", ".join(f"{a}*(x - {offset})" for a in slopes) + ")"
    kink = kink_at(parse_expression(text), float(offset))
    assert kink.interval == (min(slopes), max(slopes))
    assert kink.subgradient == 0.5 * (min(slopes) + max(slopes))


@pytest.mark.parametrize(("formula", "point", "expected"), [
    ("max(x, y)", (1.0, 1.0), {"x": (0.0, 1.0, 0.5), "y": (0.0, 1.0, 0.5)}),
    ("abs(x) + y^2", (0.0, 1.0), {"x": (-1.0, 1.0, 0.0)}),
    ("relu(x) + abs(y - 1)", (0.0, 1.0), {"x": (0.0, 1.0, 0.5), "y": (-1.0, 1.0, 0.0)}),
    ("max(x, y)", (1.0, 2.0), {}),
    ("x^2 + y^2", (0.0, 0.0), {}),
    ("abs(x*y)", (0.0, 0.0), {}),  # flat along both axes through the origin
])
def test_partial_kinks_per_coordinate(formula, point, expected):
    """Along each coordinate: the one-sided partials where f bends, and the value reported."""
    from gradcore.expressions.kinks import partial_kinks

    found = {k.variable: (k.left, k.right, k.reported)
             for k in partial_kinks(parse_expression(formula), point)}
    assert found.keys() == expected.keys()
    for variable, values in expected.items():
        assert found[variable] == pytest.approx(values, abs=1e-9)
