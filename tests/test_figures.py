"""ui/calculus/figures.py: the data the plot builders draw (slopes, arrows, crossings, maxima)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from gradcore import Kink, kink_at, parse_expression
from tests.figure_marks import calculus_gallery, look_alikes, style
from ui.calculus import figures, gradient_figures
from ui.charts import palette

TOL = 1e-12


def _trace(fig, name):
    """The first trace of `fig` with this name."""
    return next(t for t in fig.data if t.name == name)


def _slope(trace):
    """Slope of a straight-line trace from its first and last points."""
    x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
    return (y[-1] - y[0]) / (x[-1] - x[0])


def test_tangent_line_has_the_given_slope_and_passes_through_the_point():
    """The tangent trace is y = f0 + slope·(x − x0)."""
    xs = np.linspace(-3, 3, 61)
    fig = figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0)
    tangent = _trace(fig, "tangent")
    assert _slope(tangent) == pytest.approx(2.0, abs=TOL)
    at_x0 = np.interp(1.0, tangent.x, tangent.y)
    assert at_x0 == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("h", [1.0, 0.1, 1e-4])
def test_secant_slope_is_the_chord_slope_and_approaches_the_tangent(h):
    """For x² at 1 the secant slope is 2 + h, so it tends to the tangent slope 2."""
    xs = np.linspace(-3, 3, 61)
    fig = figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0, secant_point=(1 + h, (1 + h) ** 2))
    assert _slope(_trace(fig, "secant")) == pytest.approx(2 + h, rel=1e-9, abs=1e-9)
    assert abs(_slope(_trace(fig, "secant")) - 2.0) <= h + 1e-9


def test_derivative_figure_keeps_gaps_where_f_is_undefined():
    """NaN values of f stay NaN (a gap), and the y-range ignores them."""
    xs = np.linspace(-2, 2, 41)
    fx = np.where(xs > 0, np.log(np.abs(xs) + 1e-300), np.nan)
    fig = figures.derivative_figure(xs, fx, 1.0, 0.0, 1.0)
    assert np.isnan(np.asarray(_trace(fig, "f(x)").y, dtype=float)[0])
    assert all(np.isfinite(fig.layout.yaxis.range))


def test_every_figure_titles_its_axes_and_is_transparent():
    """Both axes titled, transparent paper: readable on light and dark themes."""
    xs = np.linspace(-1, 1, 11)
    built = [
        figures.derivative_figure(xs, xs**2, 0.0, 0.0, 0.0),
        figures.derivative_curve_figure(xs, 2 * xs, 0.0, 0.0),
        gradient_figures.directional_figure((1.0, 2.0), 30.0),
        figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1, 1), 0.5),
        figures.iterates_figure(xs, xs**2, xs[:3], xs[:3] ** 2),
        figures.values_by_step_figure(xs, xs),
        figures.composite_figure(xs, xs + 1, (xs + 1) ** 2, 0.0, 1.0, 2.0),
    ]
    for fig in built:
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
        assert fig.layout.paper_bgcolor == "rgba(0,0,0,0)"


def test_quiver_arrows_point_along_the_vectors_with_equal_length():
    """Each arrow's shaft goes from (x, y) in the direction (u, v), length fixed."""
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([0.0, 0.0, 1.0])
    u = np.array([1.0, 0.0, -3.0])
    v = np.array([0.0, 2.0, 4.0])
    xs, ys = gradient_figures.quiver_segments(x, y, u, v, length=0.5)
    shaft = np.column_stack([xs.reshape(-1, 6)[:, :2], ys.reshape(-1, 6)[:, :2]])
    dx, dy = shaft[:, 1] - shaft[:, 0], shaft[:, 3] - shaft[:, 2]
    np.testing.assert_allclose(np.hypot(dx, dy), 0.5, rtol=1e-12)
    np.testing.assert_allclose(np.column_stack([dx, dy]) / 0.5,
                               np.column_stack([u, v]) / np.hypot(u, v)[:, None], atol=1e-12)


def test_quiver_barbs_point_back_from_the_tip():
    """Both barbs end behind the tip (negative projection on the arrow direction)."""
    xs, ys = gradient_figures.quiver_segments([0.0], [0.0], [0.0], [1.0], length=1.0)
    barb_y = ys[[2, 4]]
    assert np.all(barb_y < 1.0) and np.all(barb_y > 0.5)
    assert xs[2] * xs[4] < 0  # one barb on each side of the shaft


def test_quiver_draws_each_arrow_as_one_stroke_back_through_its_tip():
    """tail, tip, left barb, tip, right barb, NaN: one piece per arrow, the tip visited twice."""
    xs, ys = gradient_figures.quiver_segments([0.0, 3.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], 1.0)
    for values in (xs.reshape(-1, 6), ys.reshape(-1, 6)):
        np.testing.assert_array_equal(values[:, 1], values[:, 3])
        assert np.all(np.isnan(values[:, 5])) and np.all(np.isfinite(values[:, :5]))


def test_quiver_skips_zero_and_nonfinite_vectors():
    """Zero or NaN gradients draw no arrow (no division by zero)."""
    xs, ys = gradient_figures.quiver_segments([0, 1, 2], [0, 0, 0], [0, np.nan, 1], [0, 1, 0], 1.0)
    assert xs.size == 6 and ys.size == 6


def test_contour_figure_draws_the_gradient_at_the_point():
    """The '∇f at the point' line starts at the point and points along ∇f."""
    xs = np.linspace(-2, 2, 21)
    X, Y = np.meshgrid(xs, xs)
    fig = gradient_figures.contour_gradient_figure(xs, xs, X**2 + 2 * Y**2, (X, Y, 2 * X, 4 * Y),
                                          (1.0, 1.0), (2.0, 4.0), direction=(1.0, 0.0))
    arrow = _trace(fig, "∇f at the point")
    assert (arrow.x[0], arrow.y[0]) == (1.0, 1.0)
    dx, dy = arrow.x[1] - arrow.x[0], arrow.y[1] - arrow.y[0]
    assert dy / dx == pytest.approx(2.0, rel=1e-12)
    assert _trace(fig, "∇f field").line.color == palette.DERIVATIVE
    assert fig.layout.yaxis.scaleanchor == "x"


def test_contour_map_is_filled_levels_with_a_colour_bar_and_one_stroke_per_arrow():
    """The map's spec as measured cheapest to draw: filled contours (a heatmap coloring or a
    heatmap under contour lines took 10-20 % longer in Chromium), 14 levels asked for, the
    colour bar shown (the levels are read off it), and the 11 x 11 field one scatter trace of
    6 values per arrow."""
    xs = np.linspace(-3, 3, 61)
    X, Y = np.meshgrid(xs, xs)
    qx, qy = np.meshgrid(xs[::6], xs[::6])
    fig = gradient_figures.contour_gradient_figure(xs, xs, X**2 + 2 * Y**2,
                                                   (qx, qy, 2 * qx, 4 * qy), (1.0, 1.0),
                                                   (2.0, 4.0), direction=(1.0, 0.0))
    (contour,) = [t for t in fig.data if t.type == "contour"]
    assert contour.contours.coloring == "fill" and contour.ncontours == 14
    assert contour.showscale is not False and contour.colorbar.title.text == "f"
    assert not any(t.type == "heatmap" for t in fig.data)
    field = _trace(fig, "∇f field")
    arrows = int(np.count_nonzero(np.hypot(2 * qx, 4 * qy)))  # the zero gradient at 0 draws none
    assert len(field.x) == 6 * arrows == 6 * 120


def test_directional_curve_is_largest_along_the_gradient_with_value_its_norm():
    """max over θ of ∇f·(cos θ, sin θ) is ‖∇f‖, reached at the angle of ∇f."""
    g = np.array([3.0, -4.0])
    angles = np.radians(np.linspace(0, 360, 3601))
    values = gradient_figures.directional_curve(g, angles)
    best = angles[np.argmax(values)]
    assert values.max() == pytest.approx(5.0, rel=1e-6)
    assert np.degrees(best) % 360 == pytest.approx(np.degrees(np.arctan2(-4, 3)) % 360, abs=0.1)


def test_directional_figure_marks_the_maximum_and_the_chosen_angle():
    """The star sits at (angle of ∇f, ‖∇f‖); the chosen marker at (θ, ∇f·v)."""
    fig = gradient_figures.directional_figure((0.0, 2.0), 0.0)
    star = _trace(fig, "max = ‖∇f‖")
    assert star.text[0] == "2"
    assert star.x[0] == pytest.approx(90.0) and star.y[0] == pytest.approx(2.0)
    chosen = _trace(fig, "chosen v")
    assert chosen.x[0] == 0.0 and chosen.y[0] == pytest.approx(0.0, abs=TOL)


def test_subgradient_figure_fan_spans_the_interval_and_marks_a_rejected_line():
    """Fan slopes go from lo to hi; a rejected g is dashed pink and its crossing is marked."""
    xs = np.linspace(-2, 2, 41)
    fig = figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1.0, 1.0), 1.5,
                                     crossing=(0.01, 0.015))
    fan = [t for t in fig.data if t.name == "∂f(x₀) fan"]
    slopes = sorted(_slope(t) for t in fan)
    assert slopes[0] == pytest.approx(-1.0) and slopes[-1] == pytest.approx(1.0)
    line = next(t for t in fig.data if t.name.startswith("f(x₀) + g"))
    assert _slope(line) == pytest.approx(1.5) and line.line.color == palette.SECANT
    assert _trace(fig, "crosses f").x[0] == 0.01


def test_subgradient_figure_accepted_line_is_a_dashed_tangent_colour():
    """A g inside the interval is drawn as a supporting line (green, dashed like a tangent),
    with no crossing marker; a rejected one is pink and dotted."""
    xs = np.linspace(-2, 2, 41)
    fig = figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1.0, 1.0), 0.5)
    line = next(t for t in fig.data if t.name.startswith("f(x₀) + g"))
    assert line.line.color == palette.TANGENT and line.line.dash == "dash"
    assert not [t for t in fig.data if t.name == "crosses f"]
    rejected = figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1.0, 1.0), 1.5,
                                          crossing=(0.01, 0.015))
    line = next(t for t in rejected.data if t.name.startswith("f(x₀) + g"))
    assert line.line.color == palette.SECANT and line.line.dash == "dot"


def test_composite_tangent_slope_and_graph_backward_product():
    """The composite's tangent has the chain-rule slope; the graph shows df·dg at x."""
    xs = np.linspace(-1, 3, 41)
    fig = figures.composite_figure(xs, xs + 1, (xs + 1) ** 2, 2.0, 9.0, 6.0)
    assert _slope(_trace(fig, "tangent")) == pytest.approx(6.0)
    graph = figures.computation_graph_figure(2.0, 3.0, 9.0, 1.0, 6.0)
    texts = " ".join(a.text for a in graph.layout.annotations)
    assert "∂f/∂x = f′(u)·g′(x)<br><b>6</b>" in texts
    assert "<b>u = g(x)</b><br>3" in texts and "<b>f(u)</b><br>9" in texts


def test_derivative_figure_at_an_undefined_point_draws_only_f_and_a_marker_line():
    """With f0 = None there is no tangent; a vertical line marks x0."""
    xs = np.linspace(0.1, 2, 20)
    fig = figures.derivative_figure(xs, np.log(xs), -1.0, None, None)
    assert [t.name for t in fig.data] == ["f(x)"]
    assert fig.layout.shapes[0].x0 == -1.0


def test_subgradient_figure_shades_the_gap_where_the_line_is_above_f():
    """The shaded trace spans exactly the given range and lies above f there."""
    xs = np.linspace(-2, 2, 401)
    fig = figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1.0, 1.0), 1.5,
                                     crossing=(0.01, 0.015), above=(0.01, 2.0))
    shade = _trace(fig, "line above f")
    assert shade.fill == "tonexty"
    assert min(shade.x) == pytest.approx(0.01) and max(shade.x) == pytest.approx(2.0)
    assert np.all(np.asarray(shade.y) > np.abs(np.asarray(shade.x)))


def _kink_figure(text, x0):
    """The Derivatives page's call at a kink: f, its point, gradcore's slope and the Kink."""
    f = parse_expression(text)
    xs = np.linspace(-3, 3, 61)
    kink = kink_at(f, x0)
    return figures.derivative_figure(xs, f.evaluate(xs), x0, f.value([x0]),
                                     f.gradient([x0])[0], (x0 + 0.5, f.value([x0 + 0.5])),
                                     kink=kink), kink


@pytest.mark.parametrize("text, x0, label", [("relu(x)", 0.0, "subgradient g = 0.5"),
                                             ("abs(x)", 0.0, "subgradient g = 0"),
                                             ("max(0, 1 - x)", 1.0, "subgradient g = -0.5")])
def test_at_a_kink_there_is_no_tangent_but_the_subgradient_gradcore_uses(text, x0, label):
    """No trace is called tangent; the green line is 'subgradient g = …' with slope g."""
    fig, kink = _kink_figure(text, x0)
    names = [t.name for t in fig.data]
    assert not any("tangent" in name for name in names)
    line = _trace(fig, label)
    assert _slope(line) == pytest.approx(kink.subgradient, abs=TOL)
    assert line.line.color == palette.TANGENT
    assert np.interp(x0, line.x, line.y) == pytest.approx(kink.value, abs=1e-9)
    assert _slope(_trace(fig, "secant")) == pytest.approx(kink.right, abs=1e-9)


def test_kink_figure_draws_both_one_sided_slopes_and_a_fan_between_them():
    """|x − 1| + x/2 at 1: lines of slope −0.5 and 1.5, and fan slopes strictly inside."""
    fig, _ = _kink_figure("abs(x - 1) + x/2", 1.0)
    assert _slope(_trace(fig, "slope from the left = -0.5")) == pytest.approx(-0.5, abs=TOL)
    assert _slope(_trace(fig, "slope from the right = 1.5")) == pytest.approx(1.5, abs=TOL)
    fan = [t for t in fig.data if t.name == "supporting lines, g in ∂f(x₀)"]
    assert len(fan) == 5 and sum(t.showlegend for t in fan) == 1
    assert all(-0.5 < _slope(t) < 1.5 for t in fan)


def test_concave_kink_has_no_subgradient_line_and_no_fan():
    """−|x| at 0: the midpoint line says there is no subgradient; no supporting lines."""
    fig, _ = _kink_figure("-abs(x)", 0.0)
    names = [t.name for t in fig.data]
    assert "midpoint slope 0 (no subgradient here)" in names
    assert not any(name.startswith(("subgradient", "supporting", "tangent")) for name in names)


def test_derivative_curve_at_a_kink_marks_both_limits_and_the_subgradient():
    """On the f′ plot: open circles at f′₋ and f′₊ above x0, the point named as a subgradient."""
    xs = np.linspace(-2, 2, 41)
    kink = Kink(x=0.0, value=0.0, left=0.0, right=1.0)
    fig = figures.derivative_curve_figure(xs, np.where(xs > 0, 1.0, 0.0), 0.0, kink.slope, kink)
    limits = _trace(fig, "slopes from the left and right")
    assert list(limits.y) == [0.0, 1.0] and limits.marker.symbol == "circle-open"
    assert _trace(fig, "subgradient g at x₀").y[0] == 0.5
    assert not [t for t in fig.data if t.name == "slope at x₀"]


def test_figures_module_does_not_import_streamlit():
    """In a fresh interpreter, importing ui.calculus.figures leaves streamlit out of sys.modules."""
    code = "import sys, ui.calculus.figures, ui.calculus.gradient_figures; assert 'streamlit' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


# --- Colour is never the only signal -------------------------------------------------------

GALLERY = calculus_gallery()


@pytest.mark.parametrize("name", list(GALLERY))
def test_no_two_traces_of_different_meaning_share_colour_and_style(name):
    """No two traces of different meaning share both colour and dash/marker (or width)."""
    assert look_alikes(GALLERY[name], with_colour=True) == []


@pytest.mark.parametrize("name", list(GALLERY))
def test_traces_of_different_meaning_differ_by_more_than_colour(name):
    """Stronger: traces of different meaning differ in dash, width or marker shape whatever
    their colours, so a reader who cannot tell the colours apart still can."""
    assert look_alikes(GALLERY[name], with_colour=False) == []


def test_look_alike_checker_flags_two_lines_told_apart_only_by_colour():
    """The checker itself: two solid lines of different names and colours are flagged; a
    dashed one is not; a fan of lines in one legend group is one meaning."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="f", line={"color": "#000000"})
    fig.add_scatter(x=[0, 1], y=[1, 0], mode="lines", name="g", line={"color": "#0072B2"})
    assert look_alikes(fig, with_colour=False) == [("f", "g")]
    assert look_alikes(fig, with_colour=True) == []
    fig.data[1].line.dash = "dash"
    assert look_alikes(fig, with_colour=False) == []
    for _ in range(2):
        fig.add_scatter(x=[0, 1], y=[0, 2], mode="lines", legendgroup="fan", name="fan",
                        line={"color": "#000000", "width": 1})
    assert look_alikes(fig, with_colour=False) == []


def test_tangent_dashed_secant_dotted_and_the_two_points_have_different_shapes():
    """On the Derivatives plot: f solid, tangent dashed, secant dotted; x₀ a circle, x₀ + h a
    diamond."""
    fig = GALLERY["tangent and secant"]
    assert _trace(fig, "f(x)").line.dash is None
    assert _trace(fig, "tangent").line.dash == "dash"
    assert _trace(fig, "secant").line.dash == "dot"
    assert style(_trace(fig, "x₀")) != style(_trace(fig, "x₀ + h"))
    assert _trace(fig, "x₀ + h").marker.symbol == "diamond"


def test_at_a_kink_the_one_sided_slopes_and_gradcores_line_have_their_own_dashes():
    """Left slope long-dashed, right slope dash-dotted, gradcore's line dashed like a tangent,
    the fan thin and at full opacity (a see-through fan fell below 3:1)."""
    fig = GALLERY["convex kink"]
    assert _trace(fig, "slope from the left = -0.5").line.dash == "longdash"
    assert _trace(fig, "slope from the right = 1.5").line.dash == "dashdot"
    assert _trace(fig, "subgradient g = 0.5").line.dash == "dash"
    fan = [t for t in fig.data if t.legendgroup == "fan"]
    assert fan and all(t.opacity is None and t.line.width == 1 for t in fan)


def test_contour_map_direction_is_dashed_and_its_arrow_head_leaves_the_shaft_visible():
    """v is a dashed arrow; each arrow annotation draws only the head over the last fifth, so
    the dash of the shaft shows; the gradient field and ∇f at the point are one group."""
    fig = GALLERY["contour map"]
    assert _trace(fig, "direction v").line.dash == "dash"
    assert _trace(fig, "∇f field").legendgroup == _trace(fig, "∇f at the point").legendgroup
    for note in fig.layout.annotations:
        start_x, tip_x = 1.0, note.x
        assert note.ax == pytest.approx(start_x + 0.8 * (tip_x - start_x))


def test_computation_graph_labels_sit_on_opaque_chips_in_dark_ink():
    """Every label of the graph has the chip colour behind it and a text colour of its own,
    and the node boxes are filled with the same opaque chip colour."""
    fig = GALLERY["computation graph"]
    labels = [a for a in fig.layout.annotations if a.text]
    assert len(labels) == 2 + 3 + 3
    assert all(a.bgcolor == palette.CHIP and a.font.color for a in labels)
    assert all(shape.fillcolor == palette.CHIP for shape in fig.layout.shapes)
