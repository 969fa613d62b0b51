"""The calculus pages under AppTest: widgets set by key, numbers shown, links in, bad input."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import APP, charts, metrics, notes, open_page, shown
from ui.calculus.widgets import CHECK_TABLE_KEY, CHECK_TABLE_LABEL
from ui.charts import alt_text

SLOPE_LABEL = "Tangent slope f′(x₀)"
HOSTILE = "__import__('os').system('echo pwned')"


# --- Derivatives ---------------------------------------------------------------------------

def test_derivatives_default_square_at_one_tangent_and_secant():
    """x² at x₀ = 1: f′ = 2, the secant with h = 1 has slope 3, the check agrees."""
    shown = metrics(open_page("derivatives"))
    assert shown["Tangent slope f′(x₀)"] == "2"
    assert shown["Secant slope, h = 1"] == "3"
    assert float(shown["Relative error"]) < 1e-8


def test_derivatives_secant_approaches_tangent_as_h_shrinks():
    """Moving h from 1 to 0.0001 moves the secant slope of x² at 1 from 3 to 2.0001."""
    at = open_page("derivatives")
    at.select_slider(key="h").set_value("0.0001").run()
    shown = metrics(at)
    assert shown["Secant slope, h = 0.0001"] == "2"
    assert float(shown["Secant − tangent"]) == pytest.approx(1e-4, rel=1e-3)


def test_derivatives_typed_function_and_kink_note():
    """Typed x^3 at x₀ = 2 gives slope 12; |x| at 0 says the kink has no derivative."""
    at = open_page("derivatives")
    at.selectbox(key="fn").set_value("typed").run()
    at.text_input(key="f").set_value("x^3").run()
    at.slider(key="x0").set_value(2.0).run()
    assert metrics(at)["Tangent slope f′(x₀)"] == "12"
    at.selectbox(key="fn").set_value("abs").run()
    at.slider(key="x0").set_value(0.0).run()
    assert "kink" in notes(at)


def test_derivatives_link_sets_the_view():
    """?fn=typed&f=sin(x)&x0=0&h=0.01 shows the slope cos 0 = 1 and a secant near it."""
    at = open_page("derivatives", fn="typed", f="sin(x)", x0="0", h="0.01")
    assert at.text_input(key="f").value == "sin(x)"
    assert at.slider(key="x0").value == 0.0 and at.select_slider(key="h").value == "0.01"
    shown = metrics(at)
    assert shown["Tangent slope f′(x₀)"] == "1"
    assert float(shown["Secant slope, h = 0.01"]) == pytest.approx(1.0, abs=1e-4)


def test_derivatives_malformed_link_falls_back_with_a_note():
    """x0=banana and h=7 are reported and replaced by the defaults."""
    at = open_page("derivatives", x0="banana", h="7")
    assert "x0=banana" in notes(at) and "h=7" in notes(at)
    assert at.slider(key="x0").value == 1.0
    assert metrics(at)["Tangent slope f′(x₀)"] == "2"


def test_derivatives_hostile_formula_is_refused_and_page_keeps_working():
    """A code-injection attempt shows the parser's message and keeps the last valid f."""
    at = open_page("derivatives", fn="typed", f=HOSTILE)
    assert at.error and "not allowed" in at.error[0].value
    assert "Still showing the last valid function" in at.error[0].value
    assert metrics(at)["f(x₀)"] == "-1"  # the default typed f = x^3 - 2x at 1


def test_derivatives_undefined_point_says_so():
    """log(x) at x₀ = −1 says it is undefined there instead of crashing."""
    at = open_page("derivatives", fn="typed", f="log(x)", x0="-1")
    assert any("undefined here" in w.value for w in at.warning)


# --- Gradients -----------------------------------------------------------------------------

def test_gradients_article3d_at_1_2_3_is_2_8_18():
    """The article's x² + 2y² + 3z² at (1, 2, 3): ∇f = (2, 8, 18), finite differences agree."""
    at = open_page("gradients")
    for key, value in [("p_x", 1.0), ("p_y", 2.0), ("p_z", 3.0)]:
        at.number_input(key=key).set_value(value)
    at.run()
    shown = metrics(at)
    assert [shown[f"∂f/∂{v}"] for v in "xyz"] == ["2", "8", "18"]
    assert shown["Analytic (gradcore)"] == "(2, 8, 18)"
    assert shown["Independent"] == "(2, 8, 18)"
    assert float(shown["Relative error"]) < 1e-8
    assert any("(2, 8, 18)" in m.value for m in at.markdown)


def test_gradients_directional_derivative_along_an_axis_and_its_maximum():
    """At (1, 2, 3), θ = 90° in the (x, y) slice gives ∂f/∂y = 8; the max is ‖(2, 8)‖."""
    at = open_page("gradients", p_y="2", p_z="3")
    at.slider(key="a").set_value(90.0).run()
    shown = metrics(at)
    assert shown["∇f·v at θ"] == "8"
    assert float(shown["max over θ"]) == pytest.approx((2**2 + 8**2) ** 0.5, rel=1e-3)


def test_gradients_link_sets_function_point_and_slice():
    """?fn=article4d&p_w=3&sx=w&sy=z shows ∇f = (6, 2, 2, 2) and slices the (w, z) plane."""
    at = open_page("gradients", fn="article4d", p_w="3", sx="w", sy="z", a="0")
    assert at.number_input(key="p_w").value == 3.0
    assert at.selectbox(key="sx").value == "w" and at.selectbox(key="sy").value == "z"
    shown = metrics(at)
    assert shown["Analytic (gradcore)"] == "(6, 2, 2, 2)"
    assert shown["∇f·v at θ"] == "6"


def test_gradients_typed_function_in_two_variables():
    """Typed x*y at (1, 1) with x = 3 (from the link): ∇f = (y, x) = (1, 3)."""
    at = open_page("gradients", fn="typed", f="x*y", p_x="3")
    assert metrics(at)["Analytic (gradcore)"] == "(1, 3)"


def test_gradients_malformed_link_falls_back_with_a_note():
    """Unknown function and an out-of-range point fall back with a note each."""
    at = open_page("gradients", fn="nope", p_x="1e9")
    assert "fn=nope" in notes(at) and "p_x=1e9" in notes(at)
    assert metrics(at)["Analytic (gradcore)"] == "(2, 4, 6)"


def test_gradients_hostile_formula_is_refused():
    """A hostile typed formula: error shown, the default typed function still drawn."""
    at = open_page("gradients", fn="typed", f=HOSTILE)
    assert at.error and "Still showing the last valid function" in at.error[0].value
    assert "Analytic (gradcore)" in metrics(at)


# --- Subgradients --------------------------------------------------------------------------

def test_subgradients_abs_at_zero_interval_and_rejected_g():
    """|x| at 0: ∂f = [-1, 1]; g = 0.5 supports f, g = 1.5 is flagged, crossing named."""
    at = open_page("subgradient")
    assert metrics(at)["∂f(x₀)"] == "[-1, 1]"
    # The check panel writes the interval the same way, brackets and all.
    assert metrics(at)["Analytic (gradcore)"] == "[-1, 1]"
    assert metrics(at)["Independent"] == "[-1, 1]"
    assert "is a subgradient" in at.success[0].value
    at.slider(key="g").set_value(1.5).run()
    assert "not a subgradient" in at.error[0].value
    assert "crosses f at y = 0.01" in at.error[0].value


def test_subgradients_relu_and_smooth_points():
    """ReLU at 0 gives [0, 1]; at x₀ = 1 the interval collapses to {1}; checks agree."""
    at = open_page("subgradient")
    at.selectbox(key="fn").set_value("relu").run()
    assert metrics(at)["∂f(x₀)"] == "[0, 1]"
    at.slider(key="x0").set_value(1.0).run()
    shown = metrics(at)
    assert shown["∂f(x₀)"] == "{1}" and shown["Independent"] == "{1}"


def test_subgradients_method_with_shrinking_steps_gets_closer():
    """|x| from 2.05 with t = 1: a constant step circles 0 (best gap 0.05); 1/k closes in."""
    constant = metrics(open_page("subgradient", s="2.05", t="1", k="100"))
    shrinking = metrics(open_page("subgradient", s="2.05", t="1", k="100", r="1/k"))
    assert float(constant["Gap to min f"]) == pytest.approx(0.05, abs=1e-9)
    assert float(shrinking["Gap to min f"]) < 1e-3


def test_subgradients_link_sets_the_view():
    """?fn=hinge&x0=1&g=-0.5 shows the hinge interval [-1, 0] and accepts g = -0.5."""
    at = open_page("subgradient", fn="hinge", x0="1", g="-0.5")
    assert at.selectbox(key="fn").value == "hinge" and at.slider(key="g").value == -0.5
    assert metrics(at)["∂f(x₀)"] == "[-1, 0]"
    assert "is a subgradient" in at.success[0].value


def test_subgradients_malformed_link_falls_back_with_a_note():
    """An unknown function and a non-integer iteration count are reported, defaults used."""
    at = open_page("subgradient", fn="cube", k="2.5")
    assert "fn=cube" in notes(at) and "k=2.5" in notes(at)
    assert metrics(at)["∂f(x₀)"] == "[-1, 1]"


# --- Chain rule ----------------------------------------------------------------------------

def test_chain_rule_default_at_two_is_six():
    """f = x², g = x + 1 at x = 2: g = 3, f′(g) = 6, g′ = 1, product 6 = direct = numeric."""
    at = open_page("chain-rule")
    at.slider(key="x").set_value(2.0).run()
    shown = metrics(at)
    assert (shown["u = g(x)"], shown["f(u) = f(g(x))"], shown["g′(x)"],
            shown["f′(u) = f′(g(x))"]) == ("3", "9", "1", "6")
    assert shown["f′(g(x))·g′(x)"] == "6" and shown["Direct d/dx f(g(x))"] == "6"
    assert shown["Independent"] == "6"
    assert any("= 6 × 1 = **6**" in m.value for m in at.markdown)


def test_chain_rule_link_with_typed_functions():
    """?f=sin(u)&g=x^2&x=1.5: d/dx sin(x²) = cos(2.25)·3."""
    at = open_page("chain-rule", fn="typed", f="sin(u)", g="x^2", x="1.5")
    shown = metrics(at)
    assert float(shown["f′(g(x))·g′(x)"]) == pytest.approx(-1.8845, abs=1e-3)
    assert shown["f′(g(x))·g′(x)"] == shown["Direct d/dx f(g(x))"] == shown["Independent"]


def test_chain_rule_malformed_link_and_hostile_inner_function():
    """x=abc falls back to 1 with a note; a hostile g keeps g = x + 1 and says why."""
    at = open_page("chain-rule", x="abc", g=HOSTILE)
    assert "x=abc" in notes(at)
    assert at.error and "Still showing the last valid function: x + 1" in shown(at.error[0].value)
    assert metrics(at)["f′(g(x))·g′(x)"] == "4"


def test_chain_rule_undefined_composition_point_says_so():
    """log(g(x)) with g(x) = x − 5 at x = 1: undefined here, no numbers, no exception."""
    at = open_page("chain-rule", fn="typed", f="log(u)", g="x - 5")
    assert any("undefined here" in w.value for w in at.warning)
    assert "f′(g(x))·g′(x)" not in metrics(at)


def latex_lines(at: AppTest) -> list[str]:
    """The body of every st.latex on the page."""
    return [line.value.strip("$\n") for line in at.latex]


def test_chain_rule_shows_the_product_before_it_is_simplified():
    """Default f = u², g = x + 1: the rule, then 2(x + 1)·1 with this f and g, then 2x + 2;
    f is written in u, the name the graph gives g(x)."""
    lines = latex_lines(open_page("chain-rule"))
    assert r"f(u) = u^{2},\qquad f'(u) = 2 u" in lines
    assert r"g(x) = x + 1,\qquad g'(x) = 1" in lines
    rule = lines.index(r"\frac{d}{dx}f(g(x)) = f'(g(x))\cdot g'(x)")
    assert lines[rule + 1:rule + 3] == [r"= 2 \left(x + 1\right) \cdot 1", "= 2 x + 2"]


def test_chain_rule_typed_outer_in_any_name_is_shown_in_u():
    """f typed as sin(t) is shown as f(u) = sin(u); with g = x² the product is cos(x²)·2x."""
    lines = latex_lines(open_page("chain-rule", fn="typed", f="sin(t)", g="x^2"))
    assert r"f(u) = \sin{\left(u \right)},\qquad f'(u) = \cos{\left(u \right)}" in lines
    assert r"= \cos{\left(x^{2} \right)} \cdot 2 x" in lines


def test_chain_rule_graph_and_metrics_use_the_inner_functions_own_names():
    """g typed in u (g(u) = u + 1): the input is u, the inner value w, everywhere."""
    at = open_page("chain-rule", g="u + 1")
    assert "w = g(u)" in metrics(at) and "f′(w) = f′(g(u))" in metrics(at)
    assert any(r"f(w) = w^{2}" in line for line in latex_lines(at))
    assert any("Computation graph u → w = g(u) → f(w)" in h.value for h in at.header)
    graph = next(c for c in charts(at) if "graph" in c.alt.lower())
    texts = " ".join(note["text"] for note in graph.spec["layout"]["annotations"])
    assert "<b>w = g(u)</b>" in texts and "∂f/∂u = f′(w)·g′(u)" in texts


# --- Check tables ----------------------------------------------------------------------------

def check_table(at: AppTest):
    """The check panel's table (the last dataframe outside the chart expanders)."""
    return next(frame for frame in reversed(at.dataframe)
                if "|difference|" in frame.value.columns)


@pytest.mark.parametrize("page, rows", [
    ("derivatives", ["f′(x₀)"]),
    ("gradients", ["∂f/∂x", "∂f/∂y", "∂f/∂z"]),
    ("subgradient", ["lower end of ∂f(x₀)", "upper end of ∂f(x₀)"]),
    ("chain-rule", ["d/dx f(g(x))"]),
])
def test_check_table_shows_tiny_gaps_in_scientific_notation(page, rows):
    """Each component has a row; gaps use the printf format %.2e (3.40e-11, never
    0.0000000000340) and values %.10g; the gaps are what the finite differences leave."""
    table = check_table(open_page(page))
    frame = table.value
    assert list(frame["what"]) == rows
    assert (frame["|difference|"] < 1e-5).all()
    columns = json.loads(table.proto.columns)
    assert columns["|difference|"]["type_config"]["format"] == "%.2e"
    assert columns["independent"]["type_config"]["format"] == "%.10g"


@pytest.mark.parametrize("page", ["derivatives", "gradients", "subgradient", "chain-rule"])
def test_check_table_is_made_only_while_its_box_is_open(page):
    """Closed (the default) the check's box holds no table (no data grid on the page's first
    paint); opened, it holds the table of every component."""
    at = open_page(page, panels=False)
    (box,) = [e for e in at.expander if e.label == CHECK_TABLE_LABEL]
    assert not box.dataframe
    assert not [f for f in at.dataframe if "|difference|" in f.value.columns]
    at.session_state[CHECK_TABLE_KEY] = True
    at.run()
    (box,) = [e for e in at.expander if e.label == CHECK_TABLE_LABEL]
    assert "|difference|" in box.dataframe[0].value.columns


def test_check_panel_explains_relative_error_and_tolerance():
    """The relative-error metric's help says what it is and what the tolerance means."""
    at = open_page("derivatives")
    error = next(m for m in at.metric if m.label == "Relative error")
    assert "share of their size" in error.help and "tolerance" in error.help
    assert "within the tolerance" in at.success[-1].value


def drawn_order(node) -> list:
    """Every element under `node` in the order the page draws them (a phone stacks columns in
    this order)."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in drawn_order(children[key])]


def test_derivatives_sliders_come_just_before_the_plot_and_the_numbers_after_it():
    """Phone order: x₀ and h sliders, then the plot of f (nothing but its formula between the
    picker and them), then the tangent's numbers."""
    order = [(e.type, getattr(e, "label", None) or getattr(e, "key", None))
             for e in drawn_order(open_page("derivatives").main)]
    kinds = [kind for kind, _ in order]
    x0, plot = kinds.index("slider"), kinds.index("bidi_component")  # ui.charts.plot's chart
    assert kinds[x0 + 1] == "select_slider" and kinds[x0 + 2] == "bidi_component"
    slope = order.index(("metric", "Tangent slope f′(x₀)"))
    assert plot < slope


# --- Home ----------------------------------------------------------------------------------

def test_home_links_every_lesson_and_explains_sharing():
    """Home links the five lessons and tells teachers how to share a view."""
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Share this view" in text and "address bar" in text
    assert len(at.header) >= 2


@pytest.mark.parametrize("params, interval, chosen", [
    ({"fn": "relu", "x0": "0.0"}, "[0, 1]", "0.5"),
    ({"fn": "abs", "x0": "0.0"}, "[-1, 1]", "0"),
    ({"fn": "hinge", "x0": "1.0"}, "[-1, 0]", "-0.5"),
    ({"fn": "typed", "f": "max(x, 0)", "x0": "0.0"}, "[0, 1]", "0.5"),
    ({"fn": "typed", "f": "abs(x)", "x0": "0.0"}, "[-1, 1]", "0"),
])
def test_derivatives_at_a_kink_shows_the_interval_and_the_subgradient_not_a_tangent(
        params, interval, chosen):
    """No "tangent slope" at a kink: ∂f(x₀) and the subgradient used, from one definition,
    for catalogue and typed formulas alike; the note and the metric name the same g."""
    at = open_page("derivatives", **params)
    shown_metrics = metrics(at)
    assert SLOPE_LABEL not in shown_metrics
    assert shown_metrics["∂f(x₀): no tangent at a kink"] == interval
    assert shown_metrics["Subgradient g used by gradcore"] == chosen
    assert "kink" in notes(at)


def test_derivatives_away_from_the_kink_has_a_tangent_again():
    """ReLU at x₀ = 1 is smooth: the tangent slope 1 and no kink note."""
    at = open_page("derivatives", fn="relu", x0="1.0")
    assert metrics(at)[SLOPE_LABEL] == "1"
    assert "kink" not in notes(at)


# --- Text alternatives of the charts -------------------------------------------------------

CHART_SENTENCES = {
    "derivatives": ["f(x) = x^2 on [-4, 4]; the tangent at x₀ = 1, where f = 1, has slope 2; "
                    "the secant to x₀ + h = 2 has slope 3.",
                    "f′(x) on [-4, 4] runs between -8 and 8; at x₀ = 1 it is 2"],
    "gradients": ["the gradient in this plane is (2, 4), length 4.472, pointing at 63.43°",
                  "∇f·v for the angle θ of v from 0° to 360°: at θ = 0° it is 2; largest, 4.472"],
    "subgradient": ["∂f(x₀) = [-1, 1] at x₀ = 0; the line f(x₀) + g(y − x₀) with g = 0.5 stays "
                     "below f: g is a subgradient.",
                     "30 steps of the subgradient method (constant step t = 0.3) go from the start x = 2",
                     "f(xₖ) goes from 2 at step 0"],
    "chain-rule": ["at x = 1, f(g(x)) = 4 and its tangent has slope 4.",
                   "∂f/∂x = f′(u)·g′(x) = 4 × 1 = 4."],
}


@pytest.mark.parametrize("page", list(CHART_SENTENCES))
def test_every_chart_has_a_sentence_with_the_numbers_and_a_table_behind_it(page):
    """Each plotly chart has an accessible name, a caption sentence with the page's numbers,
    and a collapsed "Numbers behind this chart" table of at most 200 finite rows."""
    at = open_page(page)
    drawn = charts(at)
    assert drawn and all(chart.alt for chart in drawn)
    captions = [shown(c.value) for c in at.caption]
    for sentence in CHART_SENTENCES[page]:
        assert any(sentence in caption for caption in captions), (sentence, captions)
    tables = [e for e in at.expander if e.label == "Numbers behind this chart"]
    assert len(tables) == len(drawn) == len(CHART_SENTENCES[page])
    assert all(not e.dataframe for e in tables)  # made only when opened
    for chart in drawn:  # a student opens each box: its table is built and shown
        at.session_state[alt_text.numbers_key(chart.alt)] = True
    at.run()
    tables = [e for e in at.expander if e.label == "Numbers behind this chart"]
    assert len(tables) == len(drawn)
    for expander in tables:
        frame = expander.dataframe[0].value
        assert 0 < len(frame) <= 200
        assert frame.select_dtypes("number").abs().lt(float("inf")).all().all()  # no nan/inf


def test_chart_sentences_follow_the_controls_and_a_kink():
    """|x| at 0 on Derivatives: the sentence says kink and gives both one-sided slopes."""
    at = open_page("derivatives", fn="abs", x0="0")
    text = " ".join(shown(c.value) for c in at.caption)
    assert "f has a kink, slope -1 from the left and 1 from the right, so no tangent" in text
    assert "it jumps at x₀ = 0 from -1 to 1" in text


def test_chain_rule_outer_choices_are_written_in_u():
    """The outer f is a function of u (f(u) = u² in the formulas), so its box lists u², ReLU(u),
    … and a typed outer starts as u^2 and may use u; the inner g's box stays in x."""
    at = open_page("chain-rule")
    outer, inner = at.selectbox[0], at.selectbox[1]
    assert outer.label == "Outer f(u)" and inner.label == "Inner g(x)"
    assert outer.options[:3] == ["u²", "|u| (absolute value)", "ReLU(u) = max(u, 0)"]
    assert "sigmoid σ(u) = 1/(1 + e⁻ᵘ)" in outer.options
    assert not re.search(r"(?<![A-Za-z])x(?![A-Za-z])|ˣ", " ".join(outer.options[:-1]))
    assert inner.options[:3] == ["x²", "|x| (absolute value)", "ReLU(x) = max(x, 0)"]
    outer.set_value("typed").run()
    assert at.text_input(key="f").value == "u^2"
    at.text_input(key="f").set_value("u^3").run()
    assert not at.exception and not at.error
    assert any(r"f'(u) = 3 u^{2}" in line for line in latex_lines(at))


@pytest.mark.parametrize("page", ["derivatives", "gradients", "chain-rule"])
def test_check_verdict_names_the_relative_error_as_the_metric_does(page):
    """One name per quantity: the verdict quotes the "Relative error" metric by that name, and
    the table's absolute column is |difference| (it was "gap" for both)."""
    at = open_page(page)
    shown_error = next(m.value for m in at.metric if m.label == "Relative error")
    verdicts = [s.value for s in at.success if s.value.startswith("They agree")]
    assert verdicts and "the relative error (" in verdicts[0] and "gap" not in verdicts[0]
    assert f"({shown_error})" in verdicts[0]  # the same digits as the metric


def _y_range_of_f(at: AppTest) -> list[float]:
    """The y-axis range of the chart of f (its first trace is "f(x)")."""
    specs = [chart.spec for chart in charts(at)]
    spec = next(s for s in specs if s["data"][0].get("name") == "f(x)")
    return spec["layout"]["yaxis"]["range"]


@pytest.mark.parametrize(("formula", "x0", "most"), [("1/x", "1.0", 10.0), ("1/x^2", "1.0", 30.0),
                                                     ("x^2", "1.0", 20.0)])
def test_a_pole_does_not_flatten_the_plot(formula, x0, most):
    """1/x on [-4, 4]: the y-axis is not ±100 (its values next to the pole) but a range where
    the tangent at x₀ = 1 (slope −1) is visibly steep; x² keeps its whole curve (0 to 16)."""
    at = open_page("derivatives", fn="typed", f=formula, x0=x0)
    low, high = _y_range_of_f(at)
    assert high - low <= most
    assert low <= 1.0 <= high  # f(x₀) = 1 is in view
    if formula == "x^2":
        assert low < 0.0 and high > 16.0


def test_subgradients_page_has_one_control_called_x0():
    """The point x₀ and the method's start are two controls: only the point is called x₀."""
    at = open_page("subgradient")
    labels = [s.label for s in at.slider]
    assert labels.count("Point x₀") == 1
    assert not [label for label in labels if "x₀" in label and label != "Point x₀"]
    assert "Start of the method" in labels


def test_secant_end_that_overflows_says_so():
    """exp(exp(exp(x))) at x₀ + h = 2: the page says f overflows there (not "f has no value")."""
    at = open_page("derivatives", fn="typed", f="exp(exp(exp(x)))", x0="1.0", h="1")
    said = shown(" ".join(w.value for w in at.warning))
    assert "overflows" in said and "no secant for h = 1" in said


@pytest.mark.parametrize(("page", "params", "note"), [
    ("derivatives", {"fn": "typed", "f": "max(0, 1-x)"}, "θ(u) is the unit step"),
    ("derivatives", {"fn": "relu"}, "½ at u = 0"),
    ("derivatives", {"fn": "abs"}, "sign(u) is 1 where u > 0"),
    ("gradients", {"fn": "typed", "f": "max(x, y)"}, "θ(u) is the unit step"),
])
def test_step_and_sign_notation_is_explained(page, params, note):
    """Where a derivative is written with θ (the step function) or sign, a caption says what
    it means and its value at 0 — ½ and 0, the midpoint the page reports at a kink."""
    at = open_page(page, **params)
    assert any(note in caption.value for caption in at.caption)


def test_no_notation_note_for_smooth_functions():
    """x² has neither θ nor sign in its derivative: no note."""
    at = open_page("derivatives")
    assert not any("unit step" in c.value or "sign(u)" in c.value for c in at.caption)


@pytest.mark.parametrize(("formula", "point", "said"), [
    ("max(x, y)", {"p_x": "1", "p_y": "1"}, ["Along x, f has a kink here: ∂f/∂x is 0 from below and 1 "
                                         "from above", "Along y", "gradcore reports the midpoint, 0.5"]),
    ("abs(x)+y^2", {"p_x": "0", "p_y": "1"}, ["Along x, f has a kink here: ∂f/∂x is -1 from below "
                                          "and 1 from above", "their agreement does not make f"]),
])
def test_gradients_page_names_a_kink(formula, point, said):
    """At a kink the Gradients page says so per coordinate, with the one-sided partials and the
    value it reports, and warns that the check's agreement proves nothing there."""
    at = open_page("gradients", fn="typed", f=formula, **point)
    text = " ".join(shown(i.value) for i in at.info)
    for piece in said:
        assert piece in text
    if formula == "abs(x)+y^2":
        assert "Along y" not in text


def test_gradients_page_is_silent_where_f_is_smooth():
    """x² + y² at the default point: no kink note."""
    at = open_page("gradients", fn="typed", f="x^2+y^2")
    assert not any("not differentiable" in i.value for i in at.info)
