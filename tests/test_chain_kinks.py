"""The chain rule at a kink: gradcore.expressions.kinks.chain_kink and the note on the Chain rule page."""

import pytest

from gradcore import parse_expression
from gradcore.calculus.chain import chain_rule
from gradcore.calculus.numeric import one_sided_derivatives
from gradcore.expressions.kinks import chain_kink
from tests.page_helpers import open_page, shown

ONE_SIDED_ATOL = 1e-6  # independent second-order one-sided differences: about 4e-11·f‴ + rounding

# outer f(u), inner g(x), x: where f, g or both have a kink
KINKED = [
    ("max(0,1-u)", "2x", 0.5),      # f's kink at u = 1; g′ > 0
    ("max(0,1-u)", "-2x", -0.5),    # g′ < 0: f's sides swap
    ("abs(u)", "x^2", 0.0),         # g′ = 0: f(g(x)) is smooth
    ("3u", "abs(x)", 0.0),          # g's kink only
    ("abs(u)", "abs(x)", 0.0),      # both
    ("relu(u)", "x-abs(x)", 0.0),   # both, and the product is not f(g(x))'s midpoint
]


def _chain(outer: str, inner: str):
    return chain_rule(parse_expression(outer), parse_expression(inner))


@pytest.mark.parametrize(("outer", "inner", "x"), KINKED)
def test_chain_kink_sides_match_one_sided_differences_of_the_composite(outer, inner, x):
    """f(g(x))'s one-sided slopes in the note are those of finite differences on each side."""
    chain = _chain(outer, inner)
    kink = chain_kink(chain.outer, chain.inner, chain.composite, x)
    assert kink is not None
    left, right = one_sided_derivatives(lambda t: chain.composite.value([t]), x)
    if kink.composite is None:
        assert left == pytest.approx(right, abs=ONE_SIDED_ATOL)
        assert kink.direct == pytest.approx(left, abs=ONE_SIDED_ATOL)
    else:
        assert (kink.composite.left, kink.composite.right) == pytest.approx(
            (left, right), abs=ONE_SIDED_ATOL)


@pytest.mark.parametrize(("outer", "inner", "x"), KINKED)
def test_chain_kink_reports_the_midpoints_and_their_product(outer, inner, x):
    """f′(u), g′(x) are gradcore's midpoints at a kink; the product is theirs."""
    chain = _chain(outer, inner)
    kink = chain_kink(chain.outer, chain.inner, chain.composite, x)
    u = chain.inner.value([x])
    assert kink.u == u
    if kink.outer is not None:
        assert kink.outer_slope == 0.5 * (kink.outer.left + kink.outer.right)
    if kink.inner is not None:
        assert kink.inner_slope == 0.5 * (kink.inner.left + kink.inner.right)
    assert kink.product == kink.outer_slope * kink.inner_slope


def test_no_chain_kink_where_f_and_g_are_smooth():
    """u² after x + 1 at 1, and max(0, 1 − u) after 2x away from its kink: None."""
    for outer, inner, x in (("u^2", "x+1", 1.0), ("max(0,1-u)", "2x", 0.25)):
        chain = _chain(outer, inner)
        assert chain_kink(chain.outer, chain.inner, chain.composite, x) is None


def test_chain_kink_lines_say_why_the_product_is_no_slope():
    """The issue's case: f′ = −1 and 0 at u = 1, midpoint −0.5; f(g(x)) −2 and 0; the product
    −1 is their midpoint, neither side."""
    chain = _chain("max(0,1-u)", "2x")
    text = " ".join(chain_kink(chain.outer, chain.inner, chain.composite, 0.5).lines)
    for piece in ("f has a kink at u = g(0.5) = 1: its slope is -1 from the left and 0 from "
                  "the right", "gradcore reports the midpoint, f′(1) = -0.5",
                  "f(g(x)) has a kink at x = 0.5 too: its slope is -2 from the left and 0 "
                  "from the right", "-1 × 2 and 0 × 2", "= -0.5 × 2 = -1",
                  "neither one-sided slope but their midpoint"):
        assert piece in text


def test_chain_kink_where_both_kink_says_the_product_is_not_the_derivative():
    """relu(x − |x|) = 0 everywhere, but f′(0)·g′(0) = ½ · 1: the note says the product is not
    the derivative."""
    chain = _chain("relu(u)", "x-abs(x)")
    kink = chain_kink(chain.outer, chain.inner, chain.composite, 0.0)
    assert kink.composite is None and kink.direct == 0.0 and kink.product == 0.5
    assert "but the product f′(g(x))·g′(x) = 0.5 × 1 = 0.5 is not" in " ".join(kink.lines)


def test_chain_kink_with_decreasing_inner_swaps_the_sides():
    """g′ = −2 < 0: f′'s sides swap, f(g(x)) rises from 0 to 2."""
    chain = _chain("max(0,1-u)", "-2x")
    text = " ".join(chain_kink(chain.outer, chain.inner, chain.composite, -0.5).lines)
    assert "0 from the left and 2 from the right" in text and "sides swap" in text


def test_chain_rule_page_names_the_kink():
    """/chain-rule?fn=typed&f=max(0,1-u)&g=2x&x=0.5: beside f′(u) = −0.5 and Direct = −1 the
    page names f's kink at u = 1, its one-sided slopes, and f(g(x))'s."""
    at = open_page("chain-rule", fn="typed", f="max(0,1-u)", g="2x", x="0.5")
    assert {m.label: m.value for m in at.metric}["f′(u) = f′(g(x))"] == "-0.5"
    text = " ".join(shown(i.value) for i in at.info)
    assert "The chain rule meets a kink here" in text
    assert "its slope is -1 from the left and 0 from the right" in text
    assert "its slope is -2 from the left and 0 from the right" in text
    assert "gradcore reports the midpoint, f′(1) = -0.5" in text


def test_chain_rule_page_is_silent_where_f_and_g_are_smooth():
    """The default u² after x + 1: no kink note."""
    at = open_page("chain-rule")
    assert not any("kink" in i.value for i in at.info)


def test_chain_rule_page_explains_the_step_function():
    """relu's derivative θ(u) on the Chain rule page is explained, as on Derivatives."""
    at = open_page("chain-rule", fn="relu")
    assert any("θ(u) is the unit step" in c.value for c in at.caption)
