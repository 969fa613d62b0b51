"""The curvature section: its figures (valid plotly, bounded payload, what they say) and the
regression page drawing it (AppTest reads each chart's spec) only while it is open."""

import base64
import json

import numpy as np
import pytest

from gradcore import (
    Standardizer,
    best_momentum,
    convergence_factors,
    fit,
    load_bundled,
    regression_statistics,
)
from tests.page_helpers import all_text, open_page
from tests.page_helpers import charts as page_charts
from ui.regression import curvature_figures as figures
from ui.regression.curvature import PANEL_KEY, TITLE, direction_words

PAGE = "pages/linear-regression.py"
CURVATURE_KEYS = ("fig_curv_error", "fig_curv_map", "fig_curv_surface")
MAX_3D_BYTES = 400_000  # issue 28: at most 0.4 MB of payload per 3-D figure
RAW_MOMENTUM = {"std": "false", "opt": "momentum", "lr": "0.0005"}


def tips(standardise: bool):
    table = load_bundled("tips")
    X, y = table[["total_bill"]].to_numpy(), table["tip"].to_numpy()
    return (Standardizer.fit(X).transform(X) if standardise else X), y


def charts(at) -> dict[str, dict]:
    """Spec of each plotly chart on the page, by its widget key's tail."""
    found = {}
    for chart in at.get("plotly_chart"):
        key = next((k for k in CURVATURE_KEYS if chart.proto.id.endswith(k)), chart.proto.id)
        found[key] = json.loads(chart.proto.spec)
    return found


def decoded(array) -> np.ndarray:
    """A plotly JSON array (a list, or base64 with dtype and shape) as numpy."""
    if isinstance(array, dict):
        values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = array.get("shape")
        return values.reshape([int(s) for s in str(shape).split(",")]) if shape else values
    return np.asarray(array, dtype=float)


def open_curvature(**params):
    at = open_page(PAGE, **params)
    at.session_state[PANEL_KEY] = True
    at.run()
    assert not at.exception, at.exception
    return at


# --- figures -------------------------------------------------------------------------------

def test_figures_are_valid_plotly_and_the_surface_is_small():
    """Each builder passes plotly's validation; the surface grid is at most 60 x 60 and its
    JSON below 0.4 MB even for a long run."""
    X, y = tips(False)
    stats = regression_statistics(X, y)
    run = fit(X, y, optimizer="momentum", learning_rate=5e-4, steps=5000, tol=0.0)
    optimum = (float(stats.w_opt[0]), stats.b_opt, stats.loss_opt)
    (w_lo, w_hi), (b_lo, b_hi) = figures.surface_window(run.w[:, 0], run.b, optimum[:2])
    w_grid = np.linspace(w_lo, w_hi, figures.SURFACE_GRID)
    b_grid = np.linspace(b_lo, b_hi, figures.SURFACE_GRID)
    ww, bb = np.meshgrid(w_grid, b_grid)
    loss = stats.loss_at(ww[..., None], bb)
    surface = figures.surface_figure(w_grid, b_grid, loss, run.w[:, 0], run.b,
                                     stats.loss_at(run.w, run.b), optimum, "original units")
    assert figures.SURFACE_GRID <= 60
    assert surface.data[0].type == "surface" and np.shape(surface.data[0].z) == loss.shape
    assert len(surface.data[1].x) <= figures.MAX_PATH_POINTS
    payload = len(json.dumps(surface.to_dict()))
    assert payload < MAX_3D_BYTES, payload
    rates, momenta = figures.map_axes(stats.eigenvalues[-1], 5e-4)
    from gradcore import factor_grid

    grid = factor_grid(stats.eigenvalues, rates, momenta)
    best = best_momentum(stats.eigenvalues)
    heat = figures.momentum_map_figure(rates, momenta, grid, (5e-4, 0.9),
                                       (best.learning_rate, best.momentum), "yours")
    assert [t.type for t in heat.data] == ["heatmap", "heatmap", "scatter", "scatter"]
    assert rates[0] <= 5e-4 <= rates[-1] and rates[-1] > 2 / stats.eigenvalues[-1]


def test_map_colours_steps_per_tenfold_and_greys_out_divergence():
    """A cell's colour value is log10(steps per 10x); factor >= 1 cells are NaN there and
    1 in the grey layer."""
    grid = np.array([[0.1, 0.9, 1.0, 1.5]])
    fig = figures.momentum_map_figure(np.array([1, 2, 3, 4.0]), np.array([0.0]), grid,
                                      (1, 0), (1, 0), "yours")
    z, grey = (np.asarray(fig.data[i].z, dtype=float)[0] for i in (0, 1))
    np.testing.assert_allclose(z[:2], np.log10(np.log(10) / -np.log([0.1, 0.9])).clip(0),
                               rtol=1e-6)
    assert np.isnan(z[2:]).all() and np.isnan(grey[:2]).all() and (grey[2:] == 1).all()


def test_drawn_directions_keep_the_extremes_and_the_slowest():
    """Many directions: the three smallest and three largest eigenvalues, flat ones out, the
    slowest always drawn."""
    factors, flat = np.linspace(0.1, 0.9, 12), np.zeros(12, bool)
    flat[0] = True
    assert figures.drawn_directions(factors, flat, 11) == [1, 2, 3, 9, 10, 11]
    assert 6 in figures.drawn_directions(factors, flat, 6)
    assert figures.drawn_directions(factors[:3], flat[:3], 2) == [1, 2]


def test_direction_words_name_the_largest_parts_with_a_sign_convention():
    """q and -q read the same (largest part positive); small parts are left out."""
    words = direction_words(np.array([-0.6, 0.8]), ("bill",))
    assert words == direction_words(np.array([0.6, -0.8]), ("bill",)) == "0.8·b − 0.6·w(bill)"
    assert direction_words(np.array([0.01, 1.0]), ("x",)) == "1·b"


def test_error_text_reports_the_measured_and_predicted_factor():
    """GD's error split: the measured average factor equals |1 - 2 eta lambda| exactly."""
    lam = np.array([0.5, 2.0])
    factors = convergence_factors(lam, 0.1)
    steps = np.arange(31)
    errors = np.array([[0.8, -1.0]]) * (1 - 2 * 0.1 * lam) ** steps[:, None]
    text = figures.error_text(steps, errors, np.abs(errors), factors, lam, [0, 1], 0, 1e-12)
    assert "0.9 per step on average; the predicted factor there is 0.9 per step" in text.sentence
    assert len(text.table) == 31 and text.table["step k"].iloc[-1] == 30


# --- the page ------------------------------------------------------------------------------

def test_closed_section_draws_nothing():
    """Until opened the section is one expander: the page keeps its two charts of the
    stepper's open tab (the line and the loss)."""
    at = open_page(PAGE)
    assert TITLE in [e.label for e in at.expander]
    assert sorted(c.key for c in page_charts(at)) == ["fig_line", "fig_loss"]
    assert not any(key in charts(at) for key in CURVATURE_KEYS)


def test_open_section_draws_error_map_and_surface_with_the_pages_numbers():
    """Raw tips, heavy ball: three charts; the surface is a 50 x 50 surface trace with the
    path, under 0.4 MB; the map marks the student's (eta, mu) and Polyak's best; the text
    names the slowest direction and the best setting from gradcore."""
    at = open_curvature(**RAW_MOMENTUM)
    specs = charts(at)
    assert set(CURVATURE_KEYS) <= set(specs)
    surface = specs["fig_curv_surface"]
    kinds = [t["type"] for t in surface["data"]]
    assert kinds[:2] == ["surface", "scatter3d"]
    assert decoded(surface["data"][0]["z"]).shape == (figures.SURFACE_GRID,) * 2
    surface_bytes = len(next(c.proto.spec for c in at.get("plotly_chart")
                             if c.proto.id.endswith("fig_curv_surface")))
    assert surface_bytes < MAX_3D_BYTES, surface_bytes
    stats = regression_statistics(*tips(False))
    best = best_momentum(stats.eigenvalues)
    marks = {t["name"]: (t["x"][0], t["y"][0]) for t in specs["fig_curv_map"]["data"]
             if t["type"] == "scatter"}
    assert marks["your (η, μ)"] == pytest.approx((5e-4, 0.9), rel=1e-12)
    assert marks["best (η, μ) for this data"] == pytest.approx(
        (best.learning_rate, best.momentum), rel=1e-12)
    error_names = [t["name"] for t in specs["fig_curv_error"]["data"]]
    assert error_names == ["q1 (λ = 0.1675): run", "q1 (λ = 0.1675): rate ρᵢᵏ",
                           "q2 (λ = 471.2): run", "q2 (λ = 471.2): rate ρᵢᵏ"]
    text = all_text(at)
    factors = convergence_factors(stats.eigenvalues, 5e-4, "momentum", 0.9)
    assert f"Slowest direction: **q1**, λ = {stats.eigenvalues[0]:.4g}" in text
    assert f"its error shrinks by {factors[0]:.4g} per step" in text
    assert (f"The best setting is η = {best.learning_rate:.4g}, μ = {best.momentum:.4g}"
            in text)
    assert "Condition number κ 2814" in text


def test_many_features_and_another_loss():
    """Diabetes: no surface, at most six directions drawn; the MAE: the MSE's map only, and
    the note that the analysis is of the MSE."""
    at = open_curvature(src="bundled", ds="diabetes")
    specs = charts(at)
    assert "fig_curv_surface" not in specs and "fig_curv_map" in specs
    assert len(specs["fig_curv_error"]["data"]) == 2 * figures.MAX_LINES
    at = open_curvature(loss="mae")
    specs = charts(at)
    assert "fig_curv_map" in specs and "fig_curv_error" not in specs
    assert "fig_curv_surface" not in specs
    assert "This analysis is of the MSE" in all_text(at)


def _collinear_section():
    """The section alone, on two identical features (S is singular: one flat direction)."""
    import numpy as np

    from gradcore import fit, regression_statistics
    from ui.regression.curvature import curvature_panel

    x = np.linspace(-1.0, 1.0, 30)
    X, y = np.column_stack([x, x]), 2 * x + 1
    curvature_panel(regression_statistics(X, y), fit(X, y, steps=50), 0.1, "gd", 0.9, True,
                    features=("a", "a copy"))


def test_a_flat_direction_and_a_run_of_no_steps_are_shown_without_error():
    """Collinear features: the flat direction is named and left out of the chart; zero steps:
    the page still draws the section."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_collinear_section, default_timeout=60)
    at.session_state[PANEL_KEY] = True
    at.run()
    assert not at.exception, at.exception
    assert "1 flat direction(s) (λ = 0) not drawn" in all_text(at)
    assert "Condition number κ ∞ (S is singular)" in all_text(at)
    at = open_curvature(steps="0")
    assert "fig_curv_error" in charts(at)
