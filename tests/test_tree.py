"""gradcore.expressions.tree: formula trees as plain tuples, shown as typed, substituted, counted, and read
as polynomials."""

import numpy as np
import pytest

from gradcore.expressions.parsing import read_formula
from gradcore.expressions.tree import SHOWN_LENGTH, polynomial, show, size, substitute, variables_in

X = ("var", "x")


def tree_of(text: str):
    """The tree the parser builds for ``text`` (before sympy folds it)."""
    return read_formula(text).tree


@pytest.mark.parametrize("text, shown", [
    ("x - 2*y + 3", "x - 2*y + 3"), ("1/x", "1/x"), ("x/(y*z)", "x/(y*z)"), ("-x", "-x"),
    ("sqrt(x - 1)", "sqrt(x - 1)"), ("-(x + 1)", "-(x + 1)"), ("a*b*c*d", "a*b*c*d"),
    ("x - (-1)", "x - (-1)"), ("(x+1)^(1/3)", "(x + 1)^(1/3)"), ("max(x, 0.5)", "max(x, 0.5)"),
    ("relu(x)", "max(0, x)"), ("2^x", "2^x"), ("pi*e", "pi*e"), ("|x|", "abs(x)"),
])
def test_show_writes_a_tree_as_a_student_types_it(text, shown):
    """Sums with minus signs, quotients, roots and calls read as typed."""
    assert show(tree_of(text)) == shown


def test_show_cuts_long_text():
    """A long tree is cut to SHOWN_LENGTH characters ending in '...'."""
    text = show(("add", *(("var", f"x{k}") for k in range(40))))
    assert len(text) == SHOWN_LENGTH and text.endswith("...")


def test_substitute_replaces_only_the_named_variable():
    """x -> (y + 1) everywhere x occurs, y untouched, the input tree unchanged."""
    tree = tree_of("x^2 + x*y")
    replaced = substitute(tree, "x", tree_of("y + 1"))
    assert variables_in(replaced) == {"y"}
    assert show(replaced) == "(y + 1)^2 + (y + 1)*y"
    assert variables_in(tree) == {"x", "y"}


def test_size_counts_nodes_and_stops_past_the_limit():
    """x^2 + 1 has 5 nodes; with a limit the count stops just past it."""
    assert size(tree_of("x^2 + 1")) == 5
    assert size(("add", *[X] * 60), limit=10) == 11


@pytest.mark.parametrize("text, coefficients", [
    ("(x + 1)^2", [1.0, 2.0, 1.0]), ("2*x - 3", [2.0, -3.0]), ("x/2 - x", [-0.5, 0.0]),
    ("x^3 - x^3 + 4", [4.0]), ("(x - 1)*(x + 1)", [1.0, 0.0, -1.0]),
])
def test_polynomial_coefficients(text, coefficients):
    """Coefficients, highest power first, with leading zeros dropped."""
    np.testing.assert_array_equal(polynomial(tree_of(text), "x", 10), coefficients)


@pytest.mark.parametrize("text", ["sin(x)", "sqrt(x)", "x^(-1)", "x*y", "x^11", "(x^2)^6"])
def test_polynomial_refuses_what_is_not_one_of_bounded_degree(text):
    """Functions, fractional and negative powers, other variables, degree above 10: None."""
    assert polynomial(tree_of(text), "x", 10) is None
