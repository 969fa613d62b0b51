"""What a student does in the browser: move sliders, type functions, step, play, share links.

Numbers are asserted exactly as the pages show them (4 significant digits for the calculus
pages, 6 for the regression metrics), computed here by hand from the formulas.
"""

import math
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    latex_sources,
    metric_values,
    nudge_slider,
    open_page,
    page_problems,
    type_into,
    wait_metric_change,
    wait_ready,
)

pytestmark = pytest.mark.e2e

SLOPE = "Tangent slope f′(x₀)"


def shared_view_matches(new_page, page) -> dict[str, str]:
    """Open `page`'s current address in a fresh browser context; assert the same numbers."""
    shown = metric_values(page)
    visitor = new_page()
    open_page(visitor, page.url)
    assert metric_values(visitor) == shown
    assert page_problems(visitor) == []
    return shown


def test_derivatives_slider_moves_the_tangent_and_the_link_keeps_it(page, new_page, app_server):
    """x₀ from 1 to 1.1 turns the slope of x² from 2 into 2.2, and the link reproduces it."""
    open_page(page, f"{app_server.url}/derivatives?fn=square")
    assert metric_values(page)[SLOPE] == "2"
    nudge_slider(page, "Point x₀", presses=2)
    # Two presses can make two reruns (1.05, then 1.1): wait for the second one's address.
    expect(page).to_have_url(re.compile(r"[?&]x0=1\.1(&|$)"))
    wait_ready(page)
    assert metric_values(page)[SLOPE] == "2.2"
    shown = shared_view_matches(new_page, page)
    assert shown["f(x₀)"] == "1.21"


def test_typed_function_shows_its_derivative_and_a_hostile_one_is_refused(page, app_server):
    """x·sin(x) gets f′ = x cos x + sin x; a hostile formula is refused with a message and the
    page keeps the last valid function."""
    open_page(page, f"{app_server.url}/derivatives?fn=typed")
    label = "Function: type a formula"
    before = metric_values(page)[SLOPE]
    type_into(page, label, "x*sin(x)")
    slope = wait_metric_change(page, SLOPE, before)
    assert slope == f"{math.sin(1) + math.cos(1):.4g}" == "1.382"
    derivative = next(tex for tex in latex_sources(page) if tex.startswith("f'(x) ="))
    assert "\\cos" in derivative and "\\sin" in derivative, derivative

    type_into(page, label, "__import__('os').system('echo pwned')")
    error = page.locator("[data-testid='stAlertContentError']").first
    expect(error).to_contain_text("Still showing the last valid function")
    wait_ready(page)
    assert metric_values(page)[SLOPE] == "1.382"
    assert page_problems(page) == []


def test_gradients_at_the_article_point_and_the_direction_slider(page, new_page, app_server):
    """∇(x² + 2y² + 3z²) at (1, 2, 3) is (2, 8, 18); turning v by 5° changes ∇f·v to
    2 cos 5° + 8 sin 5°; the link reproduces the view."""
    open_page(page, f"{app_server.url}/gradients?fn=article3d&p_x=1&p_y=2&p_z=3")
    shown = metric_values(page)
    assert [shown["∂f/∂x"], shown["∂f/∂y"], shown["∂f/∂z"]] == ["2", "8", "18"]
    assert shown["∇f·v at θ"] == "2"
    assert shown["max over θ"] == f"{math.hypot(2, 8):.4g}"
    nudge_slider(page, "Direction angle θ of v (degrees)")
    turned = math.radians(5)
    expected = f"{2 * math.cos(turned) + 8 * math.sin(turned):.4g}"
    assert wait_metric_change(page, "∇f·v at θ", "2") == expected
    shared_view_matches(new_page, page)


def test_subgradients_interval_at_the_kink_and_a_line_that_is_not_one(page, app_server):
    """|x| at 0 has ∂f = [−1, 1]: g = 0.95 supports f, g = 1.05 is flagged as not a
    subgradient."""
    open_page(page, f"{app_server.url}/subgradient?fn=abs&x0=0&g=0.95")
    assert metric_values(page)["∂f(x₀)"] == "[-1, 1]"
    expect(page.get_by_text("is a subgradient: the line stays below f")).to_be_visible()
    nudge_slider(page, "Candidate subgradient g", presses=2)
    error = page.locator("[data-testid='stAlertContentError']").first
    expect(error).to_contain_text("g = 1.05 is not a subgradient")
    wait_ready(page)
    assert page_problems(page) == []


def test_chain_rule_article_example_and_slider(page, new_page, app_server):
    """f = x², g = x + 1 at x = 2: f′(g(x))·g′(x) = 2·3·1 = 6; at x = 2.05 it is 6.1."""
    open_page(page, f"{app_server.url}/chain-rule?x=2")
    shown = metric_values(page)
    assert (shown["u = g(x)"], shown["f′(u) = f′(g(x))"], shown["g′(x)"]) == ("3", "6", "1")
    assert shown["f′(g(x))·g′(x)"] == shown["Direct d/dx f(g(x))"] == "6"
    nudge_slider(page, "Point x")
    assert wait_metric_change(page, "f′(g(x))·g′(x)", "6") == "6.1"
    shared_view_matches(new_page, page)
