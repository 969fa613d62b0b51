"""ui/charts/alt_text.py: each chart's sentence says the current numbers; its table is what is drawn."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gradcore import Kink
from gradcore.number_text import fmt
from ui.calculus import alt_text as calc_text
from ui.calculus import figures, gradient_figures
from ui.charts import alt_text as ct
from ui.regression import alt_text as reg_text
from ui.regression import figures as rf

XS = np.linspace(-3.0, 3.0, 601)
HOSTILE = "[click](https://evil.example) **x**"


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def _drawn(fig, name, table, x_column):
    """The values of trace `name` at the x values the table kept."""
    trace = _trace(fig, name)
    return np.interp(table[x_column], np.asarray(trace.x, float), np.asarray(trace.y, float))


@pytest.mark.parametrize("n, keep", [(0, ()), (5, ()), (200, ()), (201, ()), (801, ()),
                                     (801, (7,)), (100_001, (99_999,))])
def test_rows_are_at_most_200_sorted_with_both_ends_and_the_kept_row(n, keep):
    """Thinned rows: ≤ MAX_ROWS, strictly increasing, first and last row in, `keep` in."""
    chosen = ct.rows(n, keep=keep)
    assert chosen.size == min(n, chosen.size) <= ct.MAX_ROWS
    if n:
        assert chosen[0] == 0 and chosen[-1] == n - 1 and np.all(np.diff(chosen) > 0)
    assert set(keep) <= set(chosen.tolist())


def test_derivative_sentence_names_f_the_range_the_tangent_and_the_secant():
    """x³ − 2x at x₀ = 1: f = −1, tangent slope 1; secant to 2 has slope (4 − (−1))/1 = 5."""
    f = XS**3 - 2 * XS
    text = calc_text.derivative("x^3 - 2*x", "x", XS, f, 1.0, -1.0, 1.0, (2.0, 4.0))
    assert text.sentence == (r"f(x) = x\^3 \- 2\*x on [-3, 3]; the tangent at x₀ = 1, where "
                             "f = -1, has slope 1; the secant to x₀ + h = 2 has slope 5.")
    assert list(text.table.columns) == ["x", "f(x)", "tangent", "secant"]


def test_derivative_table_is_what_the_figure_draws_thinned_to_200_rows():
    """Same x grid, same f, same tangent and secant values as the figure's traces."""
    f = XS**2
    fig = figures.derivative_figure(XS, f, 1.0, 1.0, 2.0, (1.5, 2.25))
    table = calc_text.derivative("x^2", "x", XS, f, 1.0, 1.0, 2.0, (1.5, 2.25)).table
    assert len(table) <= ct.MAX_ROWS and table["x"].iloc[[0, -1]].tolist() == [-3.0, 3.0]
    for name, column in [("f(x)", "f(x)"), ("tangent", "tangent"), ("secant", "secant")]:
        np.testing.assert_allclose(table[column], _drawn(fig, name, table, "x"), rtol=1e-12)


def test_derivative_at_a_kink_says_there_is_no_tangent_and_gives_both_slopes():
    """|x| at 0: slopes −1 and 1, gradcore's subgradient 0; three line columns."""
    kink = Kink(x=0.0, value=0.0, left=-1.0, right=1.0)
    text = calc_text.derivative("abs(x)", "x", XS, np.abs(XS), 0.0, 0.0, 0.0, (1.0, 1.0), kink)
    assert "kink, slope -1 from the left and 1 from the right, so no tangent" in text.sentence
    assert "subgradient slope g = 0" in text.sentence
    assert "tangent" not in text.table.columns and len(text.table.columns) == 6


def test_derivative_where_f_is_undefined_leaves_the_rows_out_and_says_so():
    """log x on [−3, 3]: no finite value left of 0; the table has only finite rows."""
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.log(XS)
    text = calc_text.derivative("log(x)", "x", XS, f, -1.0, None, None)
    undefined = int((~np.isfinite(f)).sum())
    assert f"undefined at {undefined} of 601 points, left out of the table" in text.sentence
    assert "no tangent is drawn" in text.sentence
    assert np.isfinite(text.table.to_numpy(float)).all() and (text.table["x"] > 0).all()


def test_derivative_curve_sentence_gives_the_range_and_the_slope_at_x0():
    """f′ = 2x on [−3, 3] runs between −6 and 6; at 1 it is 2."""
    text = calc_text.derivative_curve("x", XS, 2 * XS, 1.0, 2.0)
    assert text.sentence == ("f′(x) on [-3, 3] runs between -6 and 6; at x₀ = 1 it is 2, the "
                             "slope of the tangent.")
    jump = calc_text.derivative_curve("x", XS, np.sign(XS), 0.0, 0.0,
                               Kink(x=0.0, value=0.0, left=-1.0, right=1.0))
    assert "jumps at x₀ = 0 from -1 to 1, and the marked subgradient is 0" in jump.sentence


def test_contour_map_sentence_and_one_row_per_arrow_with_f_from_the_grid():
    """x² + 2y² around (1, 1): f from its grid minimum 0.001875 to 48, ∇f = (2, 4) of length
    4.472 at 63.43°; f at each arrow is the grid's value there."""
    xs = ys = np.linspace(-2.0, 4.0, 81)
    X, Y = np.meshgrid(xs, ys)
    qa, qb = np.meshgrid(xs[::8], ys[::8])
    text = calc_text.contour_map("x^2 + 2*y^2", ("x", "y"), xs, ys, X**2 + 2 * Y**2,
                          (qa, qb, 2 * qa, 4 * qb), (1.0, 1.0), (2.0, 4.0), (1.0, 0.0))
    assert "the gradient in this plane is (2, 4), length 4.472, pointing at 63.43°" in text.sentence
    assert "f ranges from 0.001875 to 48" in text.sentence and "v points at 0°" in text.sentence
    assert len(text.table) == qa.size
    np.testing.assert_allclose(text.table["f(x, y)"], text.table["x"] ** 2
                               + 2 * text.table["y"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(text.table["∂f/∂y"], 4 * text.table["y"])


def test_directional_sentence_gives_the_value_the_maximum_and_the_minimum():
    """∇f = (3, 4): at θ = 0 the value is 3; max 5 at 53.13°, min −5 at 233.1°."""
    text = calc_text.directional((3.0, 4.0), 0.0)
    assert text.sentence == ("∇f·v for the angle θ of v from 0° to 360°: at θ = 0° it is 3; "
                             "largest, 5 = ‖∇f‖, at θ = 53.13° (along ∇f), smallest, -5, at "
                             "θ = 233.1°.")
    fig = gradient_figures.directional_figure((3.0, 4.0), 0.0)
    np.testing.assert_allclose(text.table["∇f·v"], _drawn(fig, "∇f·v", text.table, "θ (degrees)"))


def test_support_sentence_for_a_subgradient_and_for_a_rejected_slope():
    """|x| at 0: g = 0.5 supports f; g = 1.5 rises above f from y = 0.01 on."""
    yes = calc_text.support("abs(x)", XS, np.abs(XS), 0.0, 0.0, (-1.0, 1.0), 0.5)
    assert yes.sentence.endswith("with g = 0.5 stays below f: g is a subgradient.")
    assert "∂f(x₀) = [-1, 1] at x₀ = 0" in yes.sentence
    no = calc_text.support("abs(x)", XS, np.abs(XS), 0.0, 0.0, (-1.0, 1.0), 1.5, 0.01, (0.01, 3.0))
    assert no.sentence.endswith("rises above f at y = 0.01 and stays above it from y = 0.01 to "
                                "3: g is not a subgradient.")
    assert (no.table["line − f(y)"] > 0).sum() > 0


def test_iterates_and_values_sentences_follow_the_run():
    """A run 2 → 1 → 0 → 1: ends at 1, best 0 first reached at step 2, f went up once."""
    x = np.array([2.0, 1.0, 0.0, 1.0])
    f = np.abs(x)
    best = np.minimum.accumulate(f)
    text = calc_text.iterates(x, f, best, "1/k", 1.0)
    assert text.sentence == ("3 steps of the subgradient method (step t/k, t = 1) go from "
                             "the start x = 2 to x = 1, where f = 1; the lowest f, 0, was first reached "
                             "at step 2.")
    values = calc_text.values_by_step(f, best)
    assert "it went up in 1 of 3 steps, and the best value so far falls to 0." in values.sentence
    assert values.table["best so far"].tolist() == [2.0, 1.0, 0.0, 0.0]


def test_chain_rule_sentences_give_the_forward_and_backward_numbers():
    """f = u², g = x + 1 at x = 1: g = 2, f = 4, slope 4; graph backward 4 × 1 = 4."""
    xs = np.linspace(-4, 4, 801)
    text = calc_text.composite(("x^2", "x"), ("x + 1", "x"), xs, xs + 1, (xs + 1) ** 2, 1.0, 4.0, 4.0)
    assert text.sentence == (r"g(x) = x \+ 1 and f(g(x)) with f(x) = x\^2 on [-4, 4]; at x = 1, "
                             "f(g(x)) = 4 and its tangent has slope 4.")
    fig = figures.composite_figure(xs, xs + 1, (xs + 1) ** 2, 1.0, 4.0, 4.0)
    np.testing.assert_allclose(text.table["tangent"], _drawn(fig, "tangent", text.table, "x"))
    graph = calc_text.computation_graph(1.0, 2.0, 4.0, 1.0, 4.0)
    assert graph.sentence == ("Forward: x = 1, u = g(x) = 2, f(u) = 4; backward: ∂f/∂f = 1, "
                              "∂f/∂u = f′(u) = 4, ∂f/∂x = f′(u)·g′(x) = 4 × 1 = 4.")
    assert graph.table["backward ∂f/∂node"].tolist() == [4.0, 4.0, 1.0]


def test_regression_loss_sentence_like_the_issue():
    """"Loss falls from 31.2 to 1.07 in 200 steps", and the value at step k."""
    loss = np.geomspace(31.2, 1.07, 201)
    text = reg_text.loss_curve(loss, 50)
    assert text.sentence == (f"Loss falls from 31.2 to 1.07 in 200 steps; at step 50 it is "
                             f"{fmt(loss[50])}.")
    assert 50 in text.table["step k"].tolist() and len(text.table) <= ct.MAX_ROWS
    assert reg_text.loss_curve(np.array([1.0, 4.0]), 0).sentence.startswith("Loss rises from 1 to 4")


def test_regression_path_sentence_gives_the_distance_to_the_optimum():
    """The path ends 0.002 from the scikit-learn optimum; at step 0 it only starts."""
    w = np.linspace(0.0, 0.998, 201)
    b = np.linspace(0.0, 2.0, 201)
    text = reg_text.contour_path(w, b, np.ones(201), 200, (1.0, 2.0), "standardised units")
    assert text.sentence == ("The gradient-descent path starts at (w, b) = (0, 0) and is at "
                             "(0.998, 2) at step 200, 0.002 from the scikit-learn optimum (1, 2) "
                             "(w and b in standardised units).")
    start = reg_text.contour_path(w, b, np.ones(201), 0, (1.0, 2.0), "original units")
    assert start.sentence.endswith("the last step, 200, ends 0.002 from it (w and b in original "
                                   "units).")


def test_fitted_line_table_matches_the_drawn_lines_and_names_columns_by_the_data():
    """The GD and scikit-learn lines in the table are the figure's lines at the data's x; the
    rows are sorted by x, so a reader can follow the trend."""
    x, y = np.array([2.0, 0.0, 1.0]), np.array([5.0, 1.0, 3.0])
    slopes, intercepts = np.array([0.0, 1.5]), np.array([0.0, 0.5])
    base = rf.fitted_line_base(x, y, slopes, intercepts, (2.0, 1.0), ("bill", "tip"))
    fig = rf.fitted_line_at(base, x, slopes, intercepts, 1)
    text = reg_text.fitted_line(x, y, 1.5, 0.5, (2.0, -1.0), ("bill", "tip"), 1)
    assert text.sentence == ("3 data points of tip against bill; at step 1 gradient descent's "
                             "line is ŷ = 1.5 × bill + 0.5, scikit-learn's is ŷ = 2 × bill − 1.")
    gd = _trace(fig, "GD line at step 1")
    assert text.table["bill"].tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(text.table["GD line at step 1"],
                               np.interp(text.table["bill"], np.asarray(gd.x, float),
                                         np.asarray(gd.y, float)))


def test_predicted_coefficients_and_residual_sentences():
    """RMS errors, the weight furthest from scikit-learn, and the residuals of each sign."""
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = reg_text.predicted_actual(y, y + 1, y, 3, "price", 1000)
    assert pred.sentence == ("4 of 1,000 rows: at step 3 gradient descent's predictions of price "
                             "are off by 1 (root mean square), scikit-learn's by 0.")
    paths = reg_text.coefficient_paths(np.array([[0.0, 0.0], [1.0, 5.0]]), np.array([0.0, 9.0]),
                                 ["age", "bmi"], 1, (np.array([1.0, 2.0]), 10.0), "original units")
    assert paths.sentence == ("In original units, 2 weights and b over 1 steps: at step 1 b = 9 "
                              "(scikit-learn 10); the weight furthest from scikit-learn's is that "
                              "of bmi, 5 against 2.")
    assert list(paths.table.columns) == ["step k", "w (age)", "w (bmi)", "b"]
    bars = reg_text.residual_bars(np.array([0.5, -2.0, 1.5]), np.array([1, 2, 3]), 4)
    assert bars.sentence == ("Residuals ŷ − y of 3 rows at step 4: 2 too high (largest 1.5, "
                             "row 3), 1 too low (largest -2, row 2).")


def test_user_text_in_sentences_is_inert_markdown():
    """A formula or column name with Markdown in it is escaped: no link, no bold."""
    sentences = [
        calc_text.derivative(HOSTILE, "x", XS, XS, 0.0, 0.0, 1.0).sentence,
        calc_text.support(HOSTILE, XS, np.abs(XS), 0.0, 0.0, (-1.0, 1.0), 0.5).sentence,
        reg_text.fitted_line(XS, XS, 1.0, 0.0, (1.0, 0.0), (HOSTILE, "y"), 0).sentence,
        reg_text.predicted_actual(XS, XS, XS, 0, HOSTILE, 601).sentence,
        reg_text.coefficient_paths(np.zeros((2, 1)), np.zeros(2), [HOSTILE], 0,
                             (np.zeros(1), 0.0), "original units").sentence,
        calc_text.directional((1.0, 0.0), 0.0, HOSTILE).sentence,
    ]
    for sentence in sentences:
        assert "[click](" not in sentence and "**x**" not in sentence
        assert r"\[click\]" in sentence


@pytest.mark.parametrize("n", [10, 5000])
def test_every_table_is_finite_and_at_most_200_rows(n):
    """Long runs and big samples are thinned; tables hold only finite numbers."""
    x = np.linspace(0, 1, n)
    tables = [reg_text.loss_curve(np.linspace(5, 1, n), n - 1).table,
              reg_text.contour_path(x, x, x, n // 2, (1.0, 1.0), "original units").table,
              reg_text.predicted_actual(x, x, x, 0, "y", n).table,
              reg_text.coefficient_paths(np.c_[x, x], x, ["a", "b"], 1,
                                   (np.ones(2), 1.0), "original units").table]
    for table in tables:
        assert isinstance(table, pd.DataFrame) and 0 < len(table) <= ct.MAX_ROWS
        assert np.isfinite(table.select_dtypes("number").to_numpy(float)).all()


@pytest.mark.parametrize("opened", [False, True])
def test_show_writes_the_caption_then_a_lazy_table(opened):
    """show() writes caption(sentence), then a lazy expander (keyed by the chart's name) whose
    dataframe(table) is made only while it is open."""
    calls = []

    class Container:
        open = opened

        def caption(self, text):
            calls.append(("caption", text))

        def expander(self, label, **kwargs):
            calls.append(("expander", label, kwargs.get("key"), kwargs.get("on_change")))
            return self

        def dataframe(self, table, **kwargs):
            calls.append(("dataframe", len(table), kwargs.get("hide_index")))

    text = reg_text.loss_curve(np.array([2.0, 1.0]), 1)
    ct.show(Container(), text)
    key = ct.numbers_key(text.alt)
    assert key == "numbers_plot_of_the_loss_against_the_step"
    expected = [("caption", text.sentence), ("expander", ct.EXPANDER_LABEL, key, "rerun")]
    assert calls == expected + ([("dataframe", 2, True)] if opened else [])


def test_chart_text_module_does_not_import_streamlit():
    """In a fresh interpreter, importing ui.charts.alt_text leaves streamlit out of sys.modules."""
    code = "import sys, ui.charts.alt_text; assert 'streamlit' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_regression_builders_without_table_give_the_same_sentence_and_no_table():
    """with_table=False (the regression page's closed expander) keeps the sentence and the
    name and leaves the table empty."""
    loss = np.linspace(10.0, 1.0, 50)
    full, bare = reg_text.loss_curve(loss, 7), reg_text.loss_curve(loss, 7, with_table=False)
    assert (bare.alt, bare.sentence) == (full.alt, full.sentence)
    assert len(full.table) == 50 and bare.table.empty


def test_deferred_table_is_made_on_first_read_and_equals_the_eager_one():
    """A deferred table counts the undefined rows at once, is made only when `.table` is first
    read (then kept), and is exactly numbers_table's table."""
    columns = {"x": np.array([0.0, 1.0, 2.0, 3.0]), "f": np.array([1.0, np.nan, np.inf, 4.0]),
               "label": np.array(["a", "b", "c", "d"])}
    calls = []

    def made():
        calls.append(1)
        return maker()

    maker, undefined = ct.deferred_table(columns)
    text = ct.ChartText("chart", "sentence", made)
    assert undefined == ct.numbers_table(columns)[1] == 2
    assert calls == []
    first = text.table
    assert text.table is first and calls == [1]
    pd.testing.assert_frame_equal(first, ct.numbers_table(columns)[0])
