"""Plotly figures for the linear-regression page: arrays in, figures out.

No streamlit here and no regression math: every loss, gradient and coefficient drawn comes
from ``gradcore``; this module only decides what to draw and how much of it. What is drawn is
bounded whatever the data size (at most ``MAX_POINTS`` markers, ``MAX_FRAMES`` animation
frames, a ``CONTOUR_GRID`` x ``CONTOUR_GRID`` loss grid), so the chart payload a browser
receives stays the same for 1,000 and 1,000,000 rows.

A step of the page's stepper changes only a few marks of each chart. So each chart is built
in two parts: a :class:`ui.charts.spec.Base` with everything that is the same at every step of
a run (the data, the loss contours, the whole path, the replay frames), built once per run by a
``*_base`` function and kept by the page (``ui.regression.cache.chart_bases``), and a light
per-step overlay added by the matching ``*_at`` function. Both are plain plotly.js JSON
(:class:`ui.charts.spec.Figure`), not ``go.Figure`` objects, whose validation of every
property cost tens of milliseconds per step. A chart is ``*_at(*_base(...), ..., k)``, as the
page builds it.

Colour is never the only signal: marks of different meaning also differ by dash, width or
marker shape (gradient descent solid or a circle, scikit-learn dashed, dotted or an x, the
current step a large circle), and every mark keeps 3:1 against both themes' backgrounds, its
opacity included (``POINT_OPACITY``; tests/test_palette.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ui.charts import palette
from ui.charts.spec import Base, Figure
from ui.shell.text import plotly_inert

MAX_POINTS = 2000
MAX_FRAMES = 60
MAX_SLIDER_STEPS = 16  # replay slider positions: plotly.js draws a label + tick each (61: ~55 ms)
MAX_RESIDUAL_BARS = 40
CONTOUR_GRID = 60
RESIDUAL_GUIDES = 60
# Dense scatters are slightly see-through so overlaps show; 0.9 keeps every palette colour at
# 3:1 or more on both backgrounds (at 0.75 the blue fell to 2.5:1 on the dark theme).
POINT_OPACITY = 0.9
# A weight's path is solid, dashed, long-dashed or dash-dotted (with the colour, 28 distinct
# styles); dotted is kept for the scikit-learn levels.
WEIGHT_DASHES = ("solid", "dash", "longdash", "dashdot")
PLAY_LABEL = "▶ Play"
PAUSE_LABEL = "❚❚ Pause"
# Room for the axes and the legend below them, as plotly makes it for this page's charts at
# 1280 and 390 px (tick labels up to 4-5 characters, a title, one legend row): Streamlit's
# chart theme turns plotly's automargin on, and a chart that starts with less room is drawn,
# then grown and drawn a second time (ui/charts/spec.AXES_MARGIN, measured there: a chart
# then costs the browser about half). Wider labels or a legend that wraps still get more.
_MARGIN = dict(l=70, r=12, t=10, b=96)


def sample_indices(n: int, max_points: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """Sorted row indices of at most `max_points` of `n` rows, the same for the same inputs."""
    if n <= max_points:
        return np.arange(n)
    chosen = np.random.default_rng(seed).choice(n, size=max_points, replace=False)
    return np.sort(chosen)


def frame_steps(n_iterates: int, max_frames: int = MAX_FRAMES,
                current: int | None = None) -> np.ndarray:
    """At most `max_frames` iterate indices from 0 to n_iterates - 1, both ends included,
    plus the `current` step, so the replay slider can sit exactly where the page is."""
    if n_iterates <= max_frames:
        return np.arange(n_iterates)
    steps = np.linspace(0, n_iterates - 1, max_frames).round().astype(int)
    if current is not None:
        steps = np.append(steps, int(np.clip(current, 0, n_iterates - 1)))
    return np.unique(steps)


def contour_window(
    w_path: np.ndarray, b_path: np.ndarray, w_opt: float, b_opt: float, pad: float = 0.25
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(w_low, w_high), (b_low, b_high) framing the optimum and the path.

    The frame covers the optimum and the start point, and the rest of the path only up to
    three times the start's distance from the optimum: a diverging path would otherwise squash
    the interesting region into one pixel.
    """
    w_path = np.asarray(w_path, dtype=float)
    b_path = np.asarray(b_path, dtype=float)
    reach_w = 3 * max(abs(w_path[0] - w_opt), 1e-9)
    reach_b = 3 * max(abs(b_path[0] - b_opt), 1e-9)
    ws = np.clip(np.append(w_path, w_opt), w_opt - reach_w, w_opt + reach_w)
    bs = np.clip(np.append(b_path, b_opt), b_opt - reach_b, b_opt + reach_b)

    def framed(values: np.ndarray) -> tuple[float, float]:
        low, high = float(values.min()), float(values.max())
        span = max(high - low, 1e-6 * max(1.0, abs(low), abs(high)))
        return low - pad * span, high + pad * span

    return framed(ws), framed(bs)


def _scatter(x, y, name: str | None, mode: str, **props) -> dict:
    trace = {"type": "scatter", "x": x, "y": y, "mode": mode, **props}
    if name is not None:
        trace["name"] = name
    return trace


def _layout(x_title: str, y_title: str, height: int = 380) -> dict:
    """Axis titles, legend below the plot, transparent background; titles live in the page."""
    return {
        "margin": dict(_MARGIN),
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0.0},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "height": height,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }


def _replay_layout(layout: dict) -> dict:
    """`layout` with room above the plot for the Play / Pause buttons and the replay slider.

    The replay never starts by itself: ▶ Play replays the run from its start, ❚❚ Pause stops
    it where it is (the slider then shows that step)."""
    play = dict(label=PLAY_LABEL, method="animate",
                args=[None, dict(frame=dict(duration=120, redraw=True), fromcurrent=False,
                                 transition=dict(duration=0), mode="immediate")])
    pause = dict(label=PAUSE_LABEL, method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])
    return {**layout, "margin": dict(_MARGIN, t=75, b=116), "height": 460,
            "updatemenus": [dict(type="buttons", direction="left", x=0.0, y=1.02,
                                 xanchor="left", yanchor="bottom", pad=dict(t=0, r=0),
                                 showactive=False, buttons=[play, pause])]}


def _slider(steps: np.ndarray, active: int) -> list[dict]:
    """The replay slider: one position per frame, starting at `active`."""
    slider_steps = [
        dict(method="animate", label=str(int(s)),
             args=[[f"k{int(s)}"], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                        transition=dict(duration=0))])
        for s in steps
    ]
    return [dict(active=active, steps=slider_steps, x=0.5, len=0.5, y=1.02,
                 yanchor="bottom", pad=dict(t=0, b=0), ticklen=0, minorticklen=0,
                 tickcolor="rgba(0,0,0,0)", font=dict(size=1, color="rgba(0,0,0,0)"),
                 currentvalue=dict(prefix="replay step ", font=dict(size=12)))]


def slider_steps(steps: np.ndarray, k: int, most: int = MAX_SLIDER_STEPS) -> np.ndarray:
    """About `most` of the frames' `steps`, evenly spaced, with the first, last and k."""
    stride = max(1, -(-steps.size // most))
    return np.unique(np.concatenate([steps[::stride], steps[-1:], steps[steps == k]]))


def _replay(base: Base, k: int, make_frame) -> tuple[list[dict], dict]:
    """The frames (the run's, plus step k's) and the layout with the slider on step k (at a
    few of the frames, ``slider_steps``; Play shows every frame)."""
    steps = frame_steps(base.frame_count, current=k)
    frames = [base.frames.get(int(s)) or make_frame(int(s)) for s in steps]
    shown = slider_steps(steps, k)
    layout = {**base.layout, "sliders": _slider(shown, int(np.searchsorted(shown, k)))}
    return frames, layout


def replay_layout(x_title: str, y_title: str) -> dict:
    """A step chart's layout with the Play / Pause buttons (titles already made inert)."""
    return _replay_layout(_layout(x_title, y_title))


def replay_at(base: Base, k: int, make_frame) -> tuple[list[dict], dict]:
    """The replay frames and the layout with the slider on step k (``make_frame(s)`` for a
    frame the base lacks)."""
    return _replay(base, k, make_frame)


# --- Loss against step ---------------------------------------------------------------------

def loss_base(loss: np.ndarray, test_loss: tuple[np.ndarray, np.ndarray] | None = None) -> Base:
    """The loss curve of a run: L(w_k, b_k) against step k; with `test_loss` = (steps, loss
    on the held-out rows) also the test loss (dashed), the training loss then so named."""
    loss = np.asarray(loss, dtype=float)
    line = _scatter(np.arange(loss.size), loss, "loss" if test_loss is None else "training loss",
                    "lines", line=dict(color=palette.FUNCTION, width=2))
    if test_loss is None:
        return Base((line,), _layout("step k", "loss L(w, b)", height=320))
    steps, values = test_loss
    test = _scatter(np.asarray(steps), np.asarray(values, dtype=float), "test loss", "lines",
                    line=dict(color=palette.REFERENCE, width=2, dash="dash"))
    return Base((line, test), _layout("step k", "loss L(w, b)", height=320))


def loss_at(base: Base, loss: np.ndarray, k: int, log_y: bool = False) -> Figure:
    """`base` with step k marked; a log y axis when asked and every loss is positive."""
    marker = _scatter([k], [float(loss[k])], f"step {k}", "markers",
                      marker=dict(color=palette.DERIVATIVE, size=11, line=dict(width=1)))
    layout = base.layout
    if log_y and np.all(np.asarray(loss) > 0):
        layout = {**layout, "yaxis": {**layout["yaxis"], "type": "log"}}
    return Figure([marker], layout, base=base)


# --- One feature: the data and the line ----------------------------------------------------

def _span(x: np.ndarray) -> np.ndarray:
    return np.array([x.min(), x.max()]) if x.size else np.array([0.0, 1.0])


def _line_frame(span: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray, s: int) -> dict:
    # Frames as plain lists: a list of two numbers is sent as it is.
    # The name too: the legend says which step the line is at while Play runs.
    return dict(name=f"k{s}", traces=[3],
                data=[dict(type="scatter", x=span.tolist(), name=f"GD line at step {s}",
                           y=(slopes[s] * span + intercepts[s]).tolist())])


def fitted_line_base(x: np.ndarray, y: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray,
                     reference: tuple[float, float], labels: tuple[str, str] = ("x", "y"),
                     source: str = "scikit-learn") -> Base:
    """One feature: the data, the reference line (`source`'s: scikit-learn's for the MSE) and
    the replay frames of the GD line.

    `x`, `y` are the (already sampled) points in original units; `slopes[i]`, `intercepts[i]`
    are iterate i's line in original units. The Play button replays the line over the whole
    trajectory in the browser.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    span = _span(x)
    ref_slope, ref_intercept = reference
    data = _scatter(x, y, "data", "markers",
                    marker=dict(color=palette.FUNCTION, size=5, opacity=POINT_OPACITY,
                                line=dict(width=0.5, color="rgba(255,255,255,0.5)")))
    fit = _scatter(span, ref_slope * span + ref_intercept, f"{source} fit", "lines",
                   line=dict(color=palette.REFERENCE, dash="dash"))
    frames = {int(s): _line_frame(span, slopes, intercepts, int(s))
              for s in frame_steps(len(slopes))}
    layout = _replay_layout(_layout(*(plotly_inert(label) for label in labels)))
    return Base((data, fit), layout, frames, len(slopes))


def _gaps_as_none(values: np.ndarray) -> list[float | None]:
    """`values` as Python floats with None for NaN (a break in plotly's line). From ``tolist()``:
    a test per numpy scalar (np.isnan) cost 3 % of a stepper step's CPU."""
    return [None if v != v else v for v in values.tolist()]  # NaN != NaN


def fitted_line_at(base: Base, x: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray,
                   k: int, residual_points: int = RESIDUAL_GUIDES) -> Figure:
    """`base` with the residual guides and the GD line of step k, the replay slider on k.

    Vertical guides from up to `residual_points` points to the current line show each
    residual r = y_hat - y: a point above the line (r < 0) pulls the line up, one below
    pushes it down.
    """
    x = np.asarray(x, dtype=float)
    span = _span(x)
    shown_x = x[:residual_points]
    shown_y = np.asarray(base.traces[0]["y"], dtype=float)[:residual_points]
    on_line = slopes[k] * shown_x + intercepts[k]
    guides_x = np.column_stack([shown_x, shown_x, np.full(shown_x.size, np.nan)]).ravel()
    guides_y = np.column_stack([shown_y, on_line, np.full(shown_x.size, np.nan)]).ravel()
    guides = _scatter(_gaps_as_none(guides_x), _gaps_as_none(guides_y), "residuals",
                      "lines", line=dict(color=palette.NEUTRAL, width=1), hoverinfo="skip")
    line = _scatter(span.tolist(), (slopes[k] * span + intercepts[k]).tolist(),
                    f"GD line at step {k}", "lines",
                    line=dict(color=palette.DERIVATIVE, width=3))
    frames, layout = _replay(base, k, lambda s: _line_frame(span, slopes, intercepts, s))
    return Figure([guides, line], layout, frames, base=base)


# --- One feature: loss contours over (w, b) ------------------------------------------------

def contour_base(w_grid: np.ndarray, b_grid: np.ndarray, loss_grid: np.ndarray,
                 w_path: np.ndarray, b_path: np.ndarray, optimum: tuple[float, float],
                 source: str = "scikit-learn") -> Base:
    """One feature: contours of L(w, b) on a grid, the whole GD path and `source`'s optimum.

    `loss_grid[i, j]` is L(w_grid[j], b_grid[i]) (rows follow b, columns follow w, as plotly's
    contour expects). Path points outside the grid's window are left to the axis range.
    """
    w_grid = np.asarray(w_grid, dtype=float)
    b_grid = np.asarray(b_grid, dtype=float)
    contour = {
        "type": "contour", "x": w_grid, "y": b_grid,
        "z": np.log10(np.maximum(np.asarray(loss_grid, dtype=float), 1e-300)),
        # Mid blues only: every level line shows on white and on the dark theme (plotly's
        # "Blues" ends in near-white and navy, each lost on one of them). (A lighter end,
        # #9cc3e6, fell to 1.9:1 on white.)
        "colorscale": [[0.0, palette.LOSS_CONTOURS[0]], [1.0, palette.LOSS_CONTOURS[1]]],
        "ncontours": 25, "showscale": False, "contours": {"coloring": "lines"},
        "name": "log10 loss",
        "hovertemplate": "w=%{x:.4g}<br>b=%{y:.4g}<br>log10 L=%{z:.3f}<extra></extra>",
    }
    path = _scatter(np.asarray(w_path, dtype=float), np.asarray(b_path, dtype=float), "GD path",
                    "lines+markers", line=dict(color=palette.NEUTRAL, width=1),
                    marker=dict(color=palette.NEUTRAL, size=5, symbol="circle-open"))
    best = _scatter([float(optimum[0])], [float(optimum[1])], f"{source} optimum", "markers",
                    marker=dict(color=palette.REFERENCE, size=14, symbol="x"))
    layout = _layout("w", "b")
    layout["xaxis"]["range"] = [float(w_grid[0]), float(w_grid[-1])]
    layout["yaxis"]["range"] = [float(b_grid[0]), float(b_grid[-1])]
    return Base((contour, path, best), layout)


def contour_at(base: Base, w_path: np.ndarray, b_path: np.ndarray, k: int) -> Figure:
    """`base` with step k marked."""
    step = _scatter([float(w_path[k])], [float(b_path[k])], f"step {k}", "markers",
                    marker=dict(color=palette.DERIVATIVE, size=13, line=dict(width=1)))
    return Figure([step], base.layout, base=base)


# --- Several features ----------------------------------------------------------------------

def predicted_actual_base(y_true: np.ndarray, y_reference: np.ndarray,
                          source: str = "scikit-learn") -> Base:
    """The reference's (`source`'s) predictions against the target, and the diagonal ŷ = y."""
    y_true = np.asarray(y_true, dtype=float)
    low, high = float(np.min(y_true)), float(np.max(y_true))
    reference = _scatter(y_true, np.asarray(y_reference, dtype=float), source, "markers",
                         marker=dict(color=palette.REFERENCE, size=7, opacity=POINT_OPACITY,
                                     symbol="x-thin-open",
                                     line=dict(width=1.2, color=palette.REFERENCE)))
    diagonal = _scatter([low, high], [low, high], "perfect (ŷ = y)", "lines",
                        line=dict(color=palette.NEUTRAL, dash="dot"))
    return Base((reference, diagonal), _layout("actual y", "predicted ŷ"))


def predicted_actual_at(base: Base, y_pred: np.ndarray, k: int) -> Figure:
    """Several features: `base` with gradient descent's predictions at step k on top."""
    predicted = _scatter(base.traces[0]["x"], np.asarray(y_pred, dtype=float),
                         f"GD at step {k}", "markers",
                         marker=dict(color=palette.DERIVATIVE, size=5, opacity=POINT_OPACITY))
    return Figure([predicted], base.layout, base=base)


def _marker_frame(w_path: np.ndarray, b_path: np.ndarray, markers: list[int], s: int) -> dict:
    return dict(name=f"k{s}", traces=markers,
                data=[dict(type="scatter", x=[s] * w_path.shape[1], y=w_path[s].tolist()),
                      dict(type="scatter", x=[s], y=[float(b_path[s])])])


def coefficient_paths_base(w_path: np.ndarray, b_path: np.ndarray, names: Sequence[str],
                           reference: tuple[np.ndarray, float]) -> Base:
    """Every weight's path and level, b's, and the replay frames of the step markers.

    Each weight against step (left axis), b on its own right axis; the reference levels
    dotted. The intercept often dwarfs the weights (diabetes: b ~ 150, w ~ 10), hence its own
    axis. The Play button moves the step markers along the paths in the browser. Weight j has
    colour ``SEQUENCE[j % 7]`` and dash ``WEIGHT_DASHES[j // 7 % 4]``; b is grey and dashed.
    """
    w_path = np.atleast_2d(np.asarray(w_path, dtype=float))
    b_path = np.asarray(b_path, dtype=float)
    ref_w = np.asarray(reference[0], dtype=float)
    last = w_path.shape[0] - 1
    steps = np.arange(last + 1)
    colours = palette.SEQUENCE
    traces = []
    for j, name in enumerate(plotly_inert(name) for name in names):
        colour = colours[j % len(colours)]
        dash = WEIGHT_DASHES[j // len(colours) % len(WEIGHT_DASHES)]
        traces.append(_scatter(steps, w_path[:, j], name, "lines", legendgroup=name,
                               line=dict(color=colour, width=2, dash=dash)))
        traces.append(_scatter([0, last], [float(ref_w[j])] * 2, None, "lines",
                               showlegend=False, legendgroup=name, hoverinfo="skip",
                               line=dict(color=colour, dash="dot", width=1)))
    traces.append(_scatter(steps, b_path, "b (right axis)", "lines", yaxis="y2",
                           legendgroup="b", line=dict(color=palette.NEUTRAL, width=2,
                                                      dash="dash")))
    traces.append(_scatter([0, last], [float(reference[1])] * 2, None, "lines",
                           showlegend=False, yaxis="y2", hoverinfo="skip", legendgroup="b",
                           line=dict(color=palette.NEUTRAL, dash="dot", width=1)))
    markers = [len(traces), len(traces) + 1]
    frames = {int(s): _marker_frame(w_path, b_path, markers, int(s))
              for s in frame_steps(last + 1)}
    layout = _layout("step k", "weights w")
    layout["yaxis2"] = dict(title={"text": "b"}, overlaying="y", side="right", showgrid=False)
    return Base(tuple(traces), _replay_layout(layout), frames, last + 1)


def coefficient_paths_at(base: Base, w_path: np.ndarray, b_path: np.ndarray,
                         k: int) -> Figure:
    """`base` with the step-k markers on every path, the replay slider on k."""
    w_path = np.atleast_2d(np.asarray(w_path, dtype=float))
    markers = [len(base.traces), len(base.traces) + 1]
    weights = _scatter([k] * w_path.shape[1], w_path[k].tolist(), f"step {k}", "markers",
                       legendgroup="step",
                       marker=dict(color=palette.DERIVATIVE, size=9, line=dict(width=1)))
    intercept = _scatter([k], [float(b_path[k])], None, "markers", showlegend=False,
                         yaxis="y2", legendgroup="step",
                         marker=dict(color=palette.DERIVATIVE, size=9, symbol="diamond",
                                     line=dict(width=1)))
    frames, layout = _replay(base, k, lambda s: _marker_frame(w_path, b_path, markers, s))
    return Figure([weights, intercept], layout, frames, base=base)


def residual_bars_figure(residuals: np.ndarray, row_numbers: np.ndarray) -> Figure:
    """Who pulls which way: residual r_i = ŷ_i − y_i of a few rows as bars.

    A positive residual (prediction too high) adds to ∂L/∂b and pushes b down; a negative one
    pulls b up. Shows at most ``MAX_RESIDUAL_BARS`` rows.
    """
    residuals = np.asarray(residuals, dtype=float)[:MAX_RESIDUAL_BARS]
    rows = [str(int(r)) for r in np.asarray(row_numbers)[:MAX_RESIDUAL_BARS]]
    colours = [palette.SECANT if r > 0 else palette.TANGENT for r in residuals]
    bars = {"type": "bar", "x": rows, "y": residuals, "marker": {"color": colours},
            "name": "residual", "hovertemplate": "row %{x}<br>r = %{y:.4g}<extra></extra>"}
    layout = _layout("row", "residual r = ŷ − y", height=300)
    layout["margin"] = dict(_MARGIN, r=16, t=20, b=68)  # no legend below
    layout["xaxis"]["type"] = "category"
    return Figure([bars], layout)
