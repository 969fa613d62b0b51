"""gradcore.number_text, the one home of how numbers are written for people. The expected
strings were read from the formatters it replaced (ui.calculus.widgets.fmt, ui.calculus.figures.number,
ui.charts.alt_text.num, ui.regression.tables.number, gradcore.expressions.kinks._number and _factor,
gradcore.exercises.checks.num and vec, ui.shell.state.format_number, ui.regression.engine.tex),
so moving them here changes nothing a student sees; the one difference is that -0.0 is now
"0" everywhere (the regression tables and the LaTeX of the regression page wrote "-0")."""

import math

import pytest

from gradcore import number_text
from gradcore.regression import descent as regression

NAN, INF = math.nan, math.inf
VALUES = [0.0, -0.0, 2.0, -1.0, 0.5, 1 / 3, -2 / 3 * 1e6, 12345.678, 99999.5, 1e-5, -1.2e-5,
          1.23456e10, 0.0001234]
SHOWN = ["0", "0", "2", "-1", "0.5", "0.3333", "-6.667e+05", "1.235e+04", "1e+05", "1e-05",
         "-1.2e-05", "1.235e+10", "0.0001234"]
TEX = ["0", "0", "2", "(-1)", "0.5", "0.3333", r"(-6.667\times10^{5})", r"1.235\times10^{4}",
       r"1\times10^{5}", r"1\times10^{-5}", r"(-1.2\times10^{-5})", r"1.235\times10^{10}",
       "0.0001234"]


@pytest.mark.parametrize("formatter", [number_text.significant, number_text.fmt],
                         ids=["significant", "fmt"])
def test_four_significant_digits_and_no_minus_zero(formatter):
    """0.3333, 1.235e+04, 1e-05, and 0 for -0.0."""
    assert [formatter(v) for v in VALUES] == SHOWN


def test_fmt_says_undefined_for_what_is_not_finite():
    """A metric or a chart's sentence says "undefined" for nan and ±inf."""
    assert [number_text.fmt(v) for v in (NAN, INF, -INF)] == ["undefined"] * 3


def test_significant_writes_what_is_not_finite_as_python_does():
    """Chart labels, notes and prompts write nan, inf and -inf as they are."""
    assert [number_text.significant(v) for v in (NAN, INF, -INF)] == ["nan", "inf", "-inf"]


def test_more_digits_where_asked():
    """The regression page's values with 6 or 8 significant digits."""
    assert number_text.significant(1 / 3, 8) == "0.33333333"
    assert number_text.significant(-2 / 3 * 1e6, 6) == "-666667"
    assert number_text.tex(1 / 3, 6) == "0.333333"


def test_vectors_are_written_in_brackets():
    """(1, 0, 0.3333): components as single numbers, -0 as 0, "undefined" if not finite."""
    assert number_text.fmt_vector([1.0, -0.0, 1 / 3]) == "(1, 0, 0.3333)"
    assert number_text.fmt_vector([NAN, 2.0]) == "(undefined, 2)"


def test_a_negative_factor_is_bracketed():
    """A right-hand factor of a product: (-1), 0.5, 0."""
    assert [number_text.factor(v) for v in (-1.0, 0.5, -0.0)] == ["(-1)", "0.5", "0"]


def test_latex_numbers_use_times_ten_to_the_power():
    """1.2e-05 -> 1.2\\times10^{-5}; a negative value in parentheses unless `wrap` is off."""
    assert [number_text.tex(v) for v in VALUES] == TEX
    assert number_text.tex(-1.2e-5, wrap=False) == r"-1.2\times10^{-5}"
    assert [number_text.tex(v) for v in (NAN, INF, -INF)] == ["nan", "inf", "(-inf)"]


@pytest.mark.parametrize(("a", "b", "shown"), [
    (0.1, 0.2, ("0.1", "0.2")), (1.0, 1.0, ("1", "1")),
    (0.99999, 1.0, ("0.99999", "1")), (1.0000001, 1.0, ("1.0000001", "1")),
    (-0.5, 0.5, ("-0.5", "0.5")),
])
def test_two_different_numbers_read_differently(a, b, shown):
    """Enough digits (4 at least) that a rate just under its bound does not read as equal."""
    assert number_text.distinguishable(a, b) == shown


def test_the_regression_verdict_writes_a_rate_and_its_bound_distinguishably():
    """learning_rate_verdict writes the rate and 1/lambda_max with number_text.distinguishable:
    a rate just under its bound does not read as equal to it."""
    message = regression.learning_rate_verdict(0.99999, 1.0).message
    assert all(text in message for text in number_text.distinguishable(0.99999, 1.0))


def test_the_address_writes_the_shortest_round_trip_form():
    """0.1, 1e-06, 200.0 and integers as integers: what a link carries."""
    assert [number_text.address(v) for v in (0.1, 1e-6, 200.0, 1 / 3)] == [
        "0.1", "1e-06", "200.0", "0.3333333333333333"]
    assert number_text.address(3.0, integer=True) == "3"
