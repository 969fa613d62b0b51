"""gradcore/calculus/chain.py: f′(g(x))·g′(x) written out before it is simplified, one name for u."""

import numpy as np
import pytest

from gradcore import parse_expression
from gradcore.calculus.chain import chain_rule, renamed
from gradcore.calculus.functions import CATALOGUE


@pytest.mark.parametrize("outer, inner, product", [
    ("x^2", "x + 1", r"2 \left(x + 1\right) \cdot 1"),
    ("sin(u)", "x^2", r"\cos{\left(x^{2} \right)} \cdot 2 x"),
    ("log(t)", "x^2 + 1", r"\frac{1}{x^{2} + 1} \cdot 2 x"),
    ("exp(x)", "3*x", r"e^{3 x} \cdot 3"),
    ("x^2 + x", "x - 1", r"\left(2 \left(x - 1\right) + 1\right) \cdot 1"),
])
def test_product_is_f_prime_with_g_put_in_times_g_prime(outer, inner, product):
    """The product keeps g inside f′ as typed (sympy does not multiply it out)."""
    chain = chain_rule(parse_expression(outer), parse_expression(inner))
    assert chain.product_latex == product


def test_catalogue_outer_is_written_in_u_and_composite_is_direct():
    """x² from the catalogue is shown as f(u) = u²; the composite's derivative is 2x + 2."""
    chain = chain_rule(CATALOGUE["square"].expression, parse_expression("x + 1"))
    assert (chain.variable, chain.inner_name) == ("x", "u")
    assert chain.outer.latex == "u^{2}" and chain.outer.gradient_latex == ["2 u"]
    assert chain.composite.gradient_latex == ["2 x + 2"]


def test_inner_in_u_takes_w_for_the_inner_value():
    """g typed in u: the inner value is called w, so no name means two things."""
    chain = chain_rule(parse_expression("x^3"), parse_expression("u + 1"))
    assert (chain.variable, chain.inner_name) == ("u", "w")
    assert chain.outer.latex == "w^{3}"


@pytest.mark.parametrize("point", [-1.5, 0.25, 2.0])
def test_renamed_formula_has_the_same_values_and_slopes(point):
    """Renaming the variable changes no number: f(u) at p equals f(x) at p, slopes too."""
    f = parse_expression("sin(x) * x^2")
    g = renamed(f, "u")
    assert g.variables == ("u",)
    assert g.value([point]) == pytest.approx(f.value([point]), rel=1e-14)
    np.testing.assert_allclose(g.gradient([point]), f.gradient([point]), rtol=1e-14)


def test_result_is_kept_per_pair():
    """The same (f, g) gives the same object: a slider move builds nothing again."""
    f, g = CATALOGUE["square"].expression, parse_expression("x + 1")
    assert chain_rule(f, g) is chain_rule(f, g)
