"""The curvature section's charts, each with its text alternative beside it: arrays in, plain
plotly.js JSON (``ui.charts.spec.Figure``) and ``ui.charts.alt_text.ChartText`` out.

- :func:`error_figure`: the run's error along each eigen-direction of S against the step, on a
  log axis, with the decay |z_0| rho^k that the convergence factor predicts (dotted).
- :func:`momentum_map_figure`: Distill's map, the slowest factor over (eta, mu) as "steps to
  shrink the error 10 times", the diverging region grey, the student's choice and the best.
- :func:`surface_figure`: one feature, the MSE over (w, b) in 3-D with the run's path.

No streamlit and no regression math here (the numbers come from ``gradcore.convergence``);
what is drawn is bounded whatever the run: at most ``MAX_LINES`` directions and
``MAX_PLOT_POINTS`` steps per line, a ``MAP_GRID`` x ``MAP_GRID`` map and a ``SURFACE_GRID`` x
``SURFACE_GRID`` surface (the 3-D payload stays below 0.4 MB: tests/test_convergence_ui.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.charts import palette
from ui.charts.alt_text import ChartText, rows
from ui.charts.spec import Figure, layout, scatter
from ui.shell.text import plotly_inert

MAX_LINES = 6
MAX_PLOT_POINTS = 400
MAP_GRID = 60
SURFACE_GRID = 50
MAX_PATH_POINTS = 300
DASHES = ("solid", "dash", "dashdot", "longdash", "solid", "dash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x")
# The map's colour: log10 of the steps per tenfold shrink, 1 to a million steps.
MAP_DECADES = 6
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
DIVERGES_GREY = "#9A9A9A"
CAMERA = {"eye": {"x": 1.9, "y": -1.9, "z": 1.05}}


def thinned(n_iterates: int, max_points: int = MAX_PLOT_POINTS) -> np.ndarray:
    """At most `max_points` iterate indices 0..n-1, evenly spaced, both ends included."""
    if n_iterates <= max_points:
        return np.arange(n_iterates)
    return np.unique(np.linspace(0, n_iterates - 1, max_points).round().astype(int))


def drawn_directions(factors: np.ndarray, flat: np.ndarray, slowest: int,
                     max_lines: int = MAX_LINES) -> list[int]:
    """The curved directions drawn (ascending eigenvalue): all if few, else the smallest and
    largest eigenvalues (the extremes set the pace), the slowest always among them."""
    curved = [i for i in range(len(factors)) if not flat[i]]
    if len(curved) > max_lines:
        half = max_lines // 2
        curved = sorted({*curved[:half], *curved[-(max_lines - half):]})
        if slowest not in curved:
            curved = sorted([*curved[:-1], slowest])
    return curved


def direction_name(i: int, eigenvalue: float) -> str:
    """How the charts and tables name eigen-direction i (0-based; shown from 1)."""
    return f"q{i + 1} (λ = {fmt(eigenvalue)})"


def _positive(values: np.ndarray, floor: float) -> list:
    """Plotly values for a log axis: None where not finite or below the rounding floor."""
    return [float(v) if np.isfinite(v) and v >= floor else None for v in values]


def error_figure(steps: np.ndarray, errors: np.ndarray, predicted: np.ndarray | None,
                 eigenvalues: np.ndarray, directions: Sequence[int], floor: float,
                 predicted_label: str = "predicted") -> Figure:
    """|z_k,i| (solid with markers) and the predicted |z_0,i| rho_i^k (dotted) against the
    step k for each drawn direction i, log y. `steps` (m,) are the drawn iterates, `errors`
    and `predicted` (m, n) their values; values below `floor` are rounding noise, not drawn."""
    traces = []
    for n, i in enumerate(directions):
        colour = palette.SEQUENCE[n % len(palette.SEQUENCE)]
        name = direction_name(i, eigenvalues[i])
        traces.append(scatter(steps, _positive(np.abs(errors[:, i]), floor), f"{name}: run",
                              "lines+markers", legendgroup=str(i),
                              line={"color": colour, "width": 2, "dash": DASHES[n]},
                              marker={"symbol": SYMBOLS[n], "size": 6, "color": colour,
                                      "maxdisplayed": 12}))
        if predicted is not None:
            traces.append(scatter(steps, _positive(predicted[:, i], floor),
                                  f"{name}: {predicted_label}", "lines", legendgroup=str(i),
                                  line={"color": colour, "width": 2, "dash": "dot"}))
    spec = layout("step k", "|error along qᵢ|", height=420, yaxis={"type": "log"},
                  legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0})
    spec["margin"] = {"l": 10, "r": 10, "t": 10, "b": 10}
    return Figure(traces, spec)


def measured_factor(errors: np.ndarray, steps: np.ndarray, floor: float) -> float:
    """(|z_K| / |z_0|)^(1/K) up to the last drawn step K whose error is above `floor`."""
    size = np.abs(np.asarray(errors, dtype=float))
    usable = np.flatnonzero(np.isfinite(size) & (size >= floor))
    if usable.size < 2 or usable[-1] == 0 or size[0] < floor:
        return float("nan")
    last = usable[-1]
    return float((size[last] / size[0]) ** (1.0 / (steps[last] - steps[0])))


def error_text(steps: np.ndarray, errors: np.ndarray, predicted: np.ndarray | None,
               factors: np.ndarray, eigenvalues: np.ndarray, directions: Sequence[int],
               slowest: int, floor: float) -> ChartText:
    """:func:`error_figure`'s sentence (the slowest direction's measured and predicted factor)
    and its numbers (the drawn steps, at most 200 rows)."""
    measured = measured_factor(errors[:, slowest], steps, floor)
    last = int(steps[-1])
    text = (f"The run's error along {len(directions)} eigen-directions of S over {last} steps, "
            f"log scale. Slowest: {direction_name(slowest, eigenvalues[slowest])}, from "
            f"{fmt(abs(errors[0, slowest]))} at step 0 to {fmt(abs(errors[-1, slowest]))} at "
            f"step {last}")
    if np.isfinite(measured):
        text += f", {fmt(measured)} per step on average"
    if predicted is not None:
        text += f"; the predicted factor there is {fmt(factors[slowest])} per step"
    columns: dict[str, np.ndarray] = {"step k": steps}
    for i in directions:
        columns[f"|error| along {direction_name(i, eigenvalues[i])}"] = np.abs(errors[:, i])
        if predicted is not None:
            columns[f"predicted along q{i + 1}"] = predicted[:, i]
    keep = rows(len(steps))
    table = pd.DataFrame({k: np.asarray(v)[keep] for k, v in columns.items()})
    return ChartText("Error along each eigen-direction against the step, with its predicted "
                     "decay", text + ".", table)


# --- Distill's map -------------------------------------------------------------------------

def map_axes(lambda_max: float, learning_rate: float,
             grid: int = MAP_GRID) -> tuple[np.ndarray, np.ndarray]:
    """(learning rates, momenta) of the map: eta log-spaced from 0.01/lambda_max (or below the
    student's eta) to 2.5/lambda_max, past the limit 2/lambda_max of every mu < 1; mu from 0 to
    0.99."""
    low = min(0.01 / lambda_max, learning_rate / 2)
    high = max(2.5 / lambda_max, learning_rate * 1.5)
    return np.geomspace(low, high, grid), np.linspace(0.0, 0.99, grid)


def _decades(factors: np.ndarray) -> np.ndarray:
    """log10 of the steps per tenfold shrink, clipped to [0, MAP_DECADES]; NaN where the
    factor is 1 or more (the diverging layer shows those)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.log(10.0) / -np.log(np.clip(factors, 1e-300, None))
        return np.where(factors < 1, np.clip(np.log10(np.maximum(steps, 1.0)), 0, MAP_DECADES),
                        np.nan)


def momentum_map_figure(rates: np.ndarray, momenta: np.ndarray, grid: np.ndarray,
                        chosen: tuple[float, float], best: tuple[float, float],
                        chosen_label: str) -> Figure:
    """Heatmap of steps per tenfold shrink over (eta, mu) (log eta), the diverging cells grey,
    the student's setting (an x) and the best (a star)."""
    grid = np.asarray(grid, dtype=float)
    # float32 halves the payload; 7 digits are more than the colour or the hover shows.
    z = _decades(grid).astype(np.float32)
    text_factor = grid.astype(np.float32)
    hover = ("η = %{x:.3g}, μ = %{y:.3f}<br>slowest factor %{customdata:.4f} per step"
             "<extra></extra>")
    speed = {"type": "heatmap", "x": rates, "y": momenta, "z": z, "customdata": text_factor,
             "zmin": 0, "zmax": MAP_DECADES, "colorscale": "Viridis", "hovertemplate": hover,
             "name": "steps to shrink the error 10×",
             "colorbar": {"title": {"text": "steps per 10×", "side": "right"},
                          "tickvals": list(range(MAP_DECADES + 1)),
                          "ticktext": [f"10{str(p).translate(SUPERSCRIPTS)}" if p > 1 else
                                       ("1" if p == 0 else "10") for p in range(MAP_DECADES + 1)],
                          "thickness": 12, "len": 0.9}}
    diverges = {"type": "heatmap", "x": rates, "y": momenta,
                "z": np.where(grid >= 1, 1.0, np.nan).astype(np.float32),
                "colorscale": [[0, DIVERGES_GREY], [1, DIVERGES_GREY]], "showscale": False,
                "hovertemplate": "η = %{x:.3g}, μ = %{y:.3f}<br>factor ≥ 1: diverges"
                                 "<extra></extra>",
                "name": "diverges (factor ≥ 1)", "showlegend": True}
    marks = [
        scatter([chosen[0]], [chosen[1]], plotly_inert(chosen_label), "markers",
                marker={"symbol": "x", "size": 16, "color": palette.DERIVATIVE,
                        "line": {"width": 2, "color": "#FFFFFF"}}),
        scatter([best[0]], [best[1]], "best (η, μ) for this data", "markers",
                marker={"symbol": "star", "size": 18, "color": palette.REFERENCE,
                        "line": {"width": 1.5, "color": "#FFFFFF"}}),
    ]
    spec = layout("learning rate η (log scale)", "momentum μ", height=420,
                  xaxis={"type": "log", "zeroline": False}, yaxis={"range": [0, 0.99]},
                  legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0})
    spec["margin"] = {"l": 10, "r": 10, "t": 10, "b": 10}
    return Figure([speed, diverges, *marks], spec)


def momentum_map_text(rates: np.ndarray, momenta: np.ndarray, grid: np.ndarray,
                      chosen: tuple[float, float], chosen_factor: float,
                      best: tuple[float, float], best_factor: float, lambda_max: float,
                      kappa: float, method: str) -> ChartText:
    """The map's sentence (best and chosen settings, where it diverges) and a coarser table
    of the same grid (every third eta and mu: at most 20 x 20 rows... cut to 200)."""
    verdict = ("diverges" if chosen_factor >= 1 else
               f"shrinks the error {fmt(chosen_factor)} per step")
    text = (f"Slowest convergence factor of {method} over the learning rate η from "
            f"{fmt(rates[0])} to {fmt(rates[-1])} and the momentum μ from 0 to "
            f"{fmt(momenta[-1])}, for this data (κ = {fmt(kappa)}). The best setting is "
            f"η = {fmt(best[0])}, μ = {fmt(best[1])}: {fmt(best_factor)} per step in every "
            f"direction. Yours, η = {fmt(chosen[0])} with μ = {fmt(chosen[1])}, {verdict}. "
            f"Grey: every (η, μ) with a factor of 1 or more diverges; for heavy ball that is "
            f"η ≥ (1 + μ)/λmax, with λmax = {fmt(lambda_max)}.")
    pick_mu = np.unique(np.linspace(0, len(momenta) - 1, 10).round().astype(int))
    pick_eta = np.unique(np.linspace(0, len(rates) - 1, 20).round().astype(int))
    mu_grid, eta_grid = np.meshgrid(pick_mu, pick_eta, indexing="ij")
    factors = np.asarray(grid)[mu_grid, eta_grid].ravel()
    table = pd.DataFrame({"momentum μ": np.asarray(momenta)[mu_grid].ravel(),
                          "learning rate η": np.asarray(rates)[eta_grid].ravel(),
                          "slowest factor per step": factors,
                          "converges": np.where(factors < 1, "yes", "no")})
    return ChartText("Map of the convergence factor over learning rate and momentum", text,
                     table)


# --- One feature: the loss surface ---------------------------------------------------------

def surface_window(w_path: np.ndarray, b_path: np.ndarray, optimum: tuple[float, float],
                   pad: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """(w_low, w_high), (b_low, b_high): the optimum, the start, and the path up to three
    times the start's distance (a diverging path would squash the bowl into a point)."""
    def frame(path: np.ndarray, centre: float) -> tuple[float, float]:
        path = np.asarray(path, dtype=float)
        path = path[np.isfinite(path)]
        reach = 3 * max(abs(path[0] - centre), 1e-9 * max(1.0, abs(centre)))
        values = np.clip(np.append(path, centre), centre - reach, centre + reach)
        low, high = float(values.min()), float(values.max())
        span = max(high - low, 1e-6 * max(1.0, abs(low), abs(high)))
        return low - pad * span, high + pad * span

    return frame(w_path, optimum[0]), frame(b_path, optimum[1])


def surface_figure(w_grid: np.ndarray, b_grid: np.ndarray, loss_grid: np.ndarray,
                   w_path: np.ndarray, b_path: np.ndarray, loss_path: np.ndarray,
                   optimum: tuple[float, float, float], units: str) -> Figure:
    """The MSE over (w, b) as a 3-D surface (`loss_grid` (len(b_grid), len(w_grid))), the
    path lifted a hair above it so that it is not hidden, its start and the optimum; a
    "Reset view" button puts the camera back (on a phone the tool bar is hidden)."""
    loss_grid = np.asarray(loss_grid, dtype=float)
    lift = 0.01 * float(np.ptp(loss_grid) or 1.0)
    keep = thinned(len(w_path), MAX_PATH_POINTS)
    (w_lo, w_hi), (b_lo, b_hi) = (w_grid[0], w_grid[-1]), (b_grid[0], b_grid[-1])
    inside = ((w_path[keep] >= w_lo) & (w_path[keep] <= w_hi) & (b_path[keep] >= b_lo)
              & (b_path[keep] <= b_hi))
    keep = keep[inside]
    surface = {"type": "surface", "x": w_grid, "y": b_grid, "z": loss_grid,
               "colorscale": "Blues", "reversescale": True, "showscale": False, "opacity": 0.92,
               "name": "MSE", "hovertemplate": "w = %{x:.4g}, b = %{y:.4g}<br>loss %{z:.4g}"
                                               "<extra></extra>"}
    path = {"type": "scatter3d", "x": w_path[keep], "y": b_path[keep],
            "z": np.asarray(loss_path)[keep] + lift, "mode": "lines+markers",
            "name": "the run's path", "line": {"color": palette.DERIVATIVE, "width": 5},
            "marker": {"size": 2.5, "color": palette.DERIVATIVE}}
    ends = {"type": "scatter3d", "x": [float(optimum[0])], "y": [float(optimum[1])],
            "z": [float(optimum[2]) + lift], "mode": "markers", "name": "optimum",
            "marker": {"symbol": "diamond", "size": 6, "color": palette.REFERENCE}}
    traces = [surface, path, ends]
    if keep.size and keep[0] == 0:
        traces.append({"type": "scatter3d", "x": [float(w_path[0])], "y": [float(b_path[0])],
                       "z": [float(loss_path[0]) + lift], "mode": "markers", "name": "start",
                       "marker": {"symbol": "circle", "size": 5, "color": palette.FUNCTION}})
    axis = {"backgroundcolor": "rgba(0,0,0,0)"}
    spec = {
        "height": 460, "margin": {"l": 10, "r": 10, "t": 30, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "yanchor": "top", "y": 0.0, "x": 0},
        "scene": {"xaxis": {**axis, "title": {"text": f"w ({plotly_inert(units)})"}},
                  "yaxis": {**axis, "title": {"text": "b"}},
                  "zaxis": {**axis, "title": {"text": "loss"}},
                  "camera": CAMERA, "aspectmode": "cube"},
        "updatemenus": [{"type": "buttons", "showactive": False, "x": 0.0, "y": 1.0,
                         "xanchor": "left", "yanchor": "bottom", "pad": {"t": 0, "r": 0},
                         "buttons": [{"label": "Reset view", "method": "relayout",
                                      "args": [{"scene.camera": CAMERA}]}]}],
    }
    return Figure(traces, spec)


def surface_text(w_grid: np.ndarray, b_grid: np.ndarray, loss_grid: np.ndarray,
                 w_path: np.ndarray, b_path: np.ndarray, loss_path: np.ndarray,
                 optimum: tuple[float, float, float], eigenvalues: np.ndarray,
                 eigenvectors: np.ndarray) -> ChartText:
    """:func:`surface_figure`'s sentence (the bowl's lowest point and its two curvatures,
    where the path starts and ends) and the path's numbers."""
    directions = "; ".join(
        f"curvature 2λ = {fmt(2 * lam)} along (w, b) = ({fmt(q[0])}, {fmt(q[1])})"
        for lam, q in zip(eigenvalues, np.asarray(eigenvectors).T, strict=True))
    last = len(w_path) - 1
    text = (f"3-D surface of the MSE for w from {fmt(w_grid[0])} to {fmt(w_grid[-1])} and b "
            f"from {fmt(b_grid[0])} to {fmt(b_grid[-1])}: a bowl, lowest ({fmt(optimum[2])}) "
            f"at (w, b) = ({fmt(optimum[0])}, {fmt(optimum[1])}); {directions}. The path "
            f"starts at ({fmt(w_path[0])}, {fmt(b_path[0])}), loss {fmt(loss_path[0])}, and "
            f"after {last} steps is at ({fmt(w_path[-1])}, {fmt(b_path[-1])}), loss "
            f"{fmt(loss_path[-1])}.")
    keep = rows(len(w_path))
    table = pd.DataFrame({"step k": keep, "w": np.asarray(w_path)[keep],
                          "b": np.asarray(b_path)[keep], "loss": np.asarray(loss_path)[keep]})
    return ChartText("3-D loss surface over w and b with the path of the run", text, table)
