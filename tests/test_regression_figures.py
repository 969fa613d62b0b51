"""Unit tests of the regression page's plotly builders (numpy in, figures out)."""

import numpy as np
import pytest

from tests.figure_marks import look_alikes, race_gallery, regression_gallery
from ui.charts import palette
from ui.regression import figures as rf
from ui.regression import race_figures


@pytest.mark.parametrize("n", [0, 1, 10, rf.MAX_POINTS, rf.MAX_POINTS + 1, 1_000_000])
def test_sample_indices_bounded_sorted_unique(n):
    """At most MAX_POINTS distinct, sorted, in-range rows; all rows when there are few."""
    idx = rf.sample_indices(n)
    assert idx.size == min(n, rf.MAX_POINTS)
    assert np.all(np.diff(idx) > 0)
    if n:
        assert idx.min() >= 0 and idx.max() < n


def test_sample_indices_reproducible():
    """The same n gives the same sample, so a shared link draws the same points."""
    np.testing.assert_array_equal(rf.sample_indices(50_000), rf.sample_indices(50_000))


@pytest.mark.parametrize("n", [1, 2, 59, 60, 61, 1001])
def test_frame_steps_cover_both_ends(n):
    """Frames start at step 0, end at the last iterate, and never exceed MAX_FRAMES."""
    steps = rf.frame_steps(n)
    assert steps[0] == 0 and steps[-1] == n - 1
    assert steps.size <= rf.MAX_FRAMES
    assert np.all(np.diff(steps) > 0)


@pytest.mark.parametrize("n, current", [(1001, 1), (1001, 999), (61, 30), (30, 7)])
def test_frame_steps_include_the_current_step(n, current):
    """The page's step k is always a frame, so the replay slider can sit on it exactly."""
    steps = rf.frame_steps(n, current=current)
    assert current in steps
    assert steps[0] == 0 and steps[-1] == n - 1
    assert steps.size <= rf.MAX_FRAMES + 1 and np.all(np.diff(steps) > 0)


@pytest.mark.parametrize("k", [1, 2, 77, 999])
def test_replay_slider_shows_the_pages_step(k):
    """With 1,000 steps (frames thinned out) the replay slider starts on step k itself,
    not on the next frame (it once said "replay step 2" at k = 1)."""
    slopes = np.linspace(0.0, 2.0, 1000)
    x = np.array([0.0, 1.0])
    base = rf.fitted_line_base(x, np.array([1.0, 3.0]), slopes, slopes / 2, (2.0, 1.0))
    fig = rf.fitted_line_at(base, x, slopes, slopes / 2, k)
    slider = fig.layout.sliders[0]
    assert slider.steps[slider.active].label == str(k)
    base = rf.coefficient_paths_base(np.c_[slopes], slopes / 2, ["x"], (np.array([2.0]), 1.0))
    paths = rf.coefficient_paths_at(base, np.c_[slopes], slopes / 2, k)
    assert paths.layout.sliders[0].steps[paths.layout.sliders[0].active].label == str(k)


def test_contour_window_contains_start_path_and_optimum():
    """A converging path and its optimum lie strictly inside the window."""
    w_path = np.array([0.0, 0.5, 0.8, 0.95])
    b_path = np.array([0.0, 1.0, 1.6, 1.9])
    (w_lo, w_hi), (b_lo, b_hi) = rf.contour_window(w_path, b_path, 1.0, 2.0)
    assert w_lo < 0.0 and w_hi > 1.0
    assert b_lo < 0.0 and b_hi > 2.0


def test_contour_window_ignores_the_runaway_part_of_a_diverging_path():
    """A path that explodes to 1e150 does not stretch the window beyond 3x the start distance."""
    w_path = np.array([0.0, -3.0, 9.0, -1e150])
    b_path = np.array([0.0, 2.0, -5.0, 1e150])
    (w_lo, w_hi), (b_lo, b_hi) = rf.contour_window(w_path, b_path, 1.0, 1.0)
    assert w_hi - w_lo < 20 and b_hi - b_lo < 20
    assert w_lo <= 0.0 <= w_hi and b_lo <= 0.0 <= b_hi


def test_loss_figure_marks_step_and_log_axis():
    """The marker sits at (k, loss[k]); log-y is applied only when asked and all losses > 0."""
    loss = np.array([10.0, 5.0, 2.0, 1.0])
    base = rf.loss_base(loss)
    fig = rf.loss_at(base, loss, 2, log_y=True)
    assert fig.layout.yaxis.type == "log"
    assert list(fig.data[1].x) == [2] and list(fig.data[1].y) == [2.0]
    assert rf.loss_at(base, loss, 0, log_y=False).layout.yaxis.type is None
    assert rf.loss_at(rf.loss_base(loss - 1), loss - 1, 0, log_y=True).layout.yaxis.type is None


def test_fitted_line_figure_current_line_and_frames():
    """The GD line at step k uses that iterate's slope/intercept; frames replay <= 60 steps."""
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 3.0, 5.0])
    slopes = np.linspace(0.0, 2.0, 200)
    intercepts = np.linspace(0.0, 1.0, 200)
    base = rf.fitted_line_base(x, y, slopes, intercepts, (2.0, 1.0))
    fig = rf.fitted_line_at(base, x, slopes, intercepts, 150)
    current = fig.data[3]
    np.testing.assert_allclose(current.y, slopes[150] * np.array([0.0, 2.0]) + intercepts[150],
                               rtol=1e-12)
    assert len(fig.frames) <= rf.MAX_FRAMES + 1
    assert fig.frames[-1].name == "k199"
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"


def test_contour_figure_marks_current_point_and_optimum():
    """Step k's (w, b) and the optimum are drawn; the axes span the grid."""
    w_grid = np.linspace(-1, 3, 5)
    b_grid = np.linspace(-2, 2, 4)
    loss = np.ones((4, 5))
    w_path, b_path = np.array([0.0, 1.0]), np.array([0.0, 0.5])
    fig = rf.contour_at(rf.contour_base(w_grid, b_grid, loss, w_path, b_path, (2.0, 1.0)),
                        w_path, b_path, 1)
    assert list(fig.data[3].x) == [1.0] and list(fig.data[3].y) == [0.5]
    assert list(fig.data[2].x) == [2.0]
    assert tuple(fig.layout.xaxis.range) == (-1.0, 3.0)


def test_coefficient_paths_one_line_per_parameter_and_animated_marker():
    """Each weight and b get a path and a reference level; b sits on the right axis."""
    w_path = np.cumsum(np.ones((30, 3)), axis=0)
    b_path = np.arange(30.0) * 100
    base = rf.coefficient_paths_base(w_path, b_path, ["a", "b", "c"],
                                     (np.array([1.0, 2.0, 3.0]), 0.5))
    fig = rf.coefficient_paths_at(base, w_path, b_path, 4)
    assert len(fig.data) == 2 * 4 + 2
    np.testing.assert_allclose(fig.data[-2].y, [5.0, 5.0, 5.0])
    assert list(fig.data[-1].y) == [400.0] and fig.data[-1].yaxis == "y2"
    assert len(fig.frames) == 30
    assert fig.frames[0].traces == (8, 9)


def test_residual_bars_limited_and_coloured_by_sign():
    """At most MAX_RESIDUAL_BARS bars; positive residuals and negative ones differ in colour."""
    residuals = np.tile([1.0, -1.0], 50)
    fig = rf.residual_bars_figure(residuals, np.arange(100))
    bar = fig.data[0]
    assert len(bar.y) == rf.MAX_RESIDUAL_BARS
    assert bar.marker.color[0] != bar.marker.color[1]


def test_payload_does_not_grow_with_the_data(rng):
    """Figures built from a sample of 1e6 rows and 5,000 iterates stay well under 1 MB of JSON."""
    n = 1_000_000
    idx = rf.sample_indices(n)
    x = rng.normal(size=idx.size)
    y = 2 * x + rng.normal(size=idx.size)
    slopes = np.linspace(0, 2, 5001)
    base = rf.fitted_line_base(x, y, slopes, np.zeros(5001), (2.0, 0.0))
    fig = rf.fitted_line_at(base, x, slopes, np.zeros(5001), 2500)
    assert len(fig.to_json()) < 300_000


# --- Colour is never the only signal -------------------------------------------------------

GALLERY = regression_gallery()


@pytest.mark.parametrize("name", list(GALLERY))
def test_no_two_traces_of_different_meaning_share_colour_and_style(name):
    """No two traces of different meaning share both colour and dash/marker (or width)."""
    assert look_alikes(GALLERY[name], with_colour=True) == []


@pytest.mark.parametrize("name", [n for n in GALLERY if n != "coefficients"])
def test_traces_of_different_meaning_differ_by_more_than_colour(name):
    """Gradient descent, scikit-learn, the current step and the data differ in dash, width or
    marker shape, whatever their colours (the coefficient chart, one line per weight, is
    covered by the next test)."""
    assert look_alikes(GALLERY[name], with_colour=False) == []


@pytest.mark.parametrize("weights", [3, 7, 8, 28])
def test_each_weight_has_its_own_colour_and_dash_and_scikit_learn_is_dotted(weights):
    """Up to 28 weights no two paths share colour and dash; every scikit-learn level is
    dotted, every path is not, and b is the only grey dashed line. (Beyond 7 weights two
    dotted levels can share a colour: each is paired with its path by colour and height.)"""
    fig = regression_gallery(weights)["coefficients"]
    if weights <= len(palette.SEQUENCE):
        assert look_alikes(fig, with_colour=True) == []
    paths = [t for t in fig.data if t.showlegend is not False and t.mode == "lines"]
    levels = [t for t in fig.data if t.showlegend is False and t.mode == "lines"]
    assert len(paths) == weights + 1 and len(levels) == weights + 1
    assert all(t.line.dash == "dot" for t in levels)
    assert all(t.line.dash != "dot" for t in paths)
    looks = {(t.line.color, t.line.dash) for t in paths}
    assert len(looks) == len(paths)


def test_contour_path_markers_are_open_and_the_step_is_a_filled_circle():
    """The GD path's small markers are open circles, the current step a large filled one, the
    optimum an x."""
    fig = GALLERY["contour"]
    path, optimum, step = fig.data[1], fig.data[2], fig.data[3]
    assert path.marker.symbol == "circle-open" and path.marker.color == palette.NEUTRAL
    assert optimum.marker.symbol == "x"
    assert step.marker.symbol is None and step.marker.size > path.marker.size


def test_scatter_clouds_use_the_opacity_that_keeps_contrast():
    """Data points and predictions are drawn at POINT_OPACITY (0.75 fell below 3:1)."""
    assert GALLERY["fitted line"].data[0].marker.opacity == rf.POINT_OPACITY
    assert {t.marker.opacity for t in GALLERY["predicted"].data if t.mode == "markers"} == {
        rf.POINT_OPACITY}


def test_replay_label_takes_the_theme_text_colour():
    """The "replay step" label is text: no grey of its own (it was 3.8:1 on white)."""
    slider = GALLERY["fitted line"].layout.sliders[0]
    assert slider.currentvalue.prefix == "replay step " and slider.currentvalue.font.color is None


# --- The optimizer race ----------------------------------------------------------------------

RACE = race_gallery()


@pytest.mark.parametrize("name", list(RACE))
def test_race_paths_differ_by_more_than_colour(name):
    """Each racer has its own dash and marker shape; the optimum is an x."""
    assert look_alikes(RACE[name], with_colour=False) == []


def test_race_figures_thin_long_paths_and_log_the_loss_axis():
    """A 900-step run is drawn at MAX_PATH_POINTS points, its first and last included; the
    loss axis is logarithmic when asked and every loss is positive; the contour axes span
    the grid."""
    loss, contour = RACE["loss"], RACE["contour"]
    assert len(loss.data[1].x) == race_figures.MAX_PATH_POINTS
    assert loss.data[1].x[0] == 0 and loss.data[1].x[-1] == 899
    assert loss.layout.yaxis.type == "log"
    assert race_figures.race_loss_figure([np.array([1.0, 0.0])], ["gd"], log_y=True) \
        .layout.yaxis.type is None
    assert [t.name for t in contour.data] == ["log10 loss", "gradient descent", "Adam",
                                              "momentum (heavy ball)", "reference optimum"]
    assert tuple(contour.layout.xaxis.range) == (-1.0, 3.0)
    assert contour.data[-1].marker.symbol == "x"


@pytest.mark.parametrize("k", [0, 1, 77, 999])
def test_replay_slider_has_few_positions_each_a_frame(k):
    """The replay slider has at most MAX_SLIDER_STEPS + 2 positions (cheaper to draw), each
    one a frame the figure carries, from step 0 to the last, with step k among them; Play
    still has every frame."""
    slopes = np.linspace(0.0, 2.0, 1000)
    x = np.array([0.0, 1.0])
    base = rf.fitted_line_base(x, np.array([1.0, 3.0]), slopes, slopes / 2, (2.0, 1.0))
    fig = rf.fitted_line_at(base, x, slopes, slopes / 2, k)
    frames = {frame.name for frame in fig.frames}
    positions = [step.args[0][0] for step in fig.layout.sliders[0].steps]
    assert len(positions) <= rf.MAX_SLIDER_STEPS + 2
    assert set(positions) <= frames and len(frames) >= rf.MAX_FRAMES
    assert positions[0] == "k0" and positions[-1] == "k999" and f"k{k}" in positions
