"""Plotly figures for the linear-regression page: arrays in, ``go.Figure`` out.

No streamlit here and no regression math: every loss, gradient and coefficient drawn comes
from ``gradcore``; this module only decides what to draw and how much of it. What is drawn is
bounded whatever the data size (at most ``MAX_POINTS`` markers, ``MAX_FRAMES`` animation
frames, a ``CONTOUR_GRID`` x ``CONTOUR_GRID`` loss grid), so the chart payload a browser
receives stays the same for 1,000 and 1,000,000 rows.

Colour is never the only signal: marks of different meaning also differ by dash, width or
marker shape (gradient descent solid or a circle, scikit-learn dashed, dotted or an x, the
current step a large circle), and every mark keeps 3:1 against both themes' backgrounds, its
opacity included (``POINT_OPACITY``; tests/test_palette.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui import palette
from ui.text import plotly_inert

MAX_POINTS = 2000
MAX_FRAMES = 60
MAX_RESIDUAL_BARS = 40
CONTOUR_GRID = 60
# Dense scatters are slightly see-through so overlaps show; 0.9 keeps every palette colour at
# 3:1 or more on both backgrounds (at 0.75 the blue fell to 2.5:1 on the dark theme).
POINT_OPACITY = 0.9
# A weight's path is solid, dashed, long-dashed or dash-dotted (with the colour, 28 distinct
# styles); dotted is kept for the scikit-learn levels.
WEIGHT_DASHES = ("solid", "dash", "longdash", "dashdot")
_MARGIN = dict(l=10, r=10, t=10, b=10)


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


def _layout(fig: go.Figure, x_title: str, y_title: str, height: int = 380) -> None:
    """Axis titles, legend below the plot, transparent background; titles live in the page.

    Set property by property: plotly's ``update_layout`` costs several milliseconds (path
    parsing and change dispatch) for the same result.
    """
    layout = fig.layout
    for side, pixels in _MARGIN.items():
        layout.margin[side] = pixels
    for key, value in dict(orientation="h", yanchor="top", y=-0.2, x=0.0).items():
        layout.legend[key] = value
    layout.xaxis.title.text = x_title
    layout.yaxis.title.text = y_title
    layout.height = height
    layout.paper_bgcolor = "rgba(0,0,0,0)"
    layout.plot_bgcolor = "rgba(0,0,0,0)"


def _animation_controls(fig: go.Figure, steps: np.ndarray, current_position: int) -> None:
    """A Play button and a step slider above the plot that replay the frames in the browser."""
    play = dict(
        label="▶ Play",
        method="animate",
        args=[None, dict(frame=dict(duration=120, redraw=True), fromcurrent=False,
                         transition=dict(duration=0), mode="immediate")],
    )
    pause = dict(
        label="❚❚",
        method="animate",
        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")],
    )
    slider_steps = [
        dict(method="animate", label=str(int(s)),
             args=[[f"k{int(s)}"], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                        transition=dict(duration=0))])
        for s in steps
    ]
    layout = fig.layout  # set directly: update_layout costs milliseconds more (see _layout)
    layout.updatemenus = [dict(type="buttons", direction="left", x=0.0, y=1.02, xanchor="left",
                               yanchor="bottom", pad=dict(t=0, r=0), showactive=False,
                               buttons=[play, pause])]
    layout.sliders = [dict(active=current_position, steps=slider_steps, x=0.32, len=0.68, y=1.02,
                           yanchor="bottom", pad=dict(t=0, b=0), ticklen=0, minorticklen=0,
                           tickcolor="rgba(0,0,0,0)", font=dict(size=1, color="rgba(0,0,0,0)"),
                           currentvalue=dict(prefix="replay step ", font=dict(size=12)))]
    for side, pixels in dict(l=10, r=10, t=75, b=10).items():
        layout.margin[side] = pixels
    layout.height = 460


def loss_figure(loss: np.ndarray, k: int, log_y: bool = False) -> go.Figure:
    """The loss L(w_k, b_k) against step k, with the current step marked."""
    loss = np.asarray(loss, dtype=float)
    steps = np.arange(loss.size)
    fig = go.Figure()
    fig.add_scatter(x=steps, y=loss, mode="lines", name="loss",
                    line=dict(color=palette.FUNCTION, width=2))
    fig.add_scatter(x=[k], y=[loss[k]], mode="markers", name=f"step {k}",
                    marker=dict(color=palette.DERIVATIVE, size=11, line=dict(width=1)))
    _layout(fig, "step k", "loss L(w, b)", height=320)
    if log_y and np.all(loss > 0):
        fig.update_yaxes(type="log")
    return fig


def fitted_line_figure(
    x: np.ndarray,
    y: np.ndarray,
    slopes: np.ndarray,
    intercepts: np.ndarray,
    k: int,
    reference: tuple[float, float],
    labels: tuple[str, str] = ("x", "y"),
    residual_points: int = 60,
) -> go.Figure:
    """One feature: the data, the line at step k, the scikit-learn line, and residual guides.

    `x`, `y` are the (already sampled) points in original units; `slopes[i]`, `intercepts[i]`
    are iterate i's line in original units. Vertical guides from up to `residual_points`
    points to the current line show each residual r = y_hat - y: a point above the line
    (r < 0) pulls the line up, one below pushes it down. The Play button replays the line
    over the whole trajectory in the browser.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    span = np.array([x.min(), x.max()]) if x.size else np.array([0.0, 1.0])
    ref_slope, ref_intercept = reference

    def line(i: int) -> np.ndarray:
        return slopes[i] * span + intercepts[i]

    guides_x, guides_y = [], []
    for xi, yi in zip(x[:residual_points], y[:residual_points], strict=True):
        guides_x += [xi, xi, None]
        guides_y += [yi, slopes[k] * xi + intercepts[k], None]

    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="markers", name="data",
                    marker=dict(color=palette.FUNCTION, size=5, opacity=POINT_OPACITY,
                                line=dict(width=0.5, color="rgba(255,255,255,0.5)")))
    fig.add_scatter(x=span, y=ref_slope * span + ref_intercept, mode="lines",
                    name="scikit-learn fit", line=dict(color=palette.REFERENCE, dash="dash"))
    fig.add_scatter(x=guides_x, y=guides_y, mode="lines", name="residuals",
                    line=dict(color=palette.NEUTRAL, width=1), hoverinfo="skip")
    fig.add_scatter(x=span, y=line(k), mode="lines", name=f"GD line at step {k}",
                    line=dict(color=palette.DERIVATIVE, width=3))
    steps = frame_steps(len(slopes), current=k)
    # Frames as plain dicts of plain lists: plotly validates them into the same frames at a
    # third of the cost of go.Frame and go.Scatter objects, and sends a list of two numbers as
    # it is instead of encoding each tiny array (which made st.plotly_chart 3 times slower).
    fig.frames = [dict(name=f"k{int(s)}", traces=[3],
                       data=[dict(type="scatter", x=span.tolist(), y=line(int(s)).tolist())])
                  for s in steps]
    _layout(fig, *(plotly_inert(label) for label in labels))
    _animation_controls(fig, steps, int(np.searchsorted(steps, k)))
    return fig


def contour_figure(
    w_grid: np.ndarray,
    b_grid: np.ndarray,
    loss_grid: np.ndarray,
    w_path: np.ndarray,
    b_path: np.ndarray,
    k: int,
    optimum: tuple[float, float],
) -> go.Figure:
    """One feature: contours of L(w, b) on a grid, the whole GD path, step k and the optimum.

    `loss_grid[i, j]` is L(w_grid[j], b_grid[i]) (rows follow b, columns follow w, as plotly's
    contour expects). Path points outside the grid's window are left to the axis range.
    """
    fig = go.Figure()
    fig.add_contour(x=w_grid, y=b_grid, z=np.log10(np.maximum(loss_grid, 1e-300)),
                    # Mid blues only: every level line shows on white and on the dark theme
                    # (plotly's "Blues" ends in near-white and navy, each lost on one of them).
                    # (A lighter end, #9cc3e6, fell to 1.9:1 on white.)
                    colorscale=[[0.0, palette.LOSS_CONTOURS[0]],
                                [1.0, palette.LOSS_CONTOURS[1]]], ncontours=25,
                    showscale=False,
                    contours=dict(coloring="lines"), name="log10 loss",
                    hovertemplate="w=%{x:.4g}<br>b=%{y:.4g}<br>log10 L=%{z:.3f}<extra></extra>")
    fig.add_scatter(x=w_path, y=b_path, mode="lines+markers", name="GD path",
                    line=dict(color=palette.NEUTRAL, width=1),
                    marker=dict(color=palette.NEUTRAL, size=5, symbol="circle-open"))
    fig.add_scatter(x=[optimum[0]], y=[optimum[1]], mode="markers", name="scikit-learn optimum",
                    marker=dict(color=palette.REFERENCE, size=14, symbol="x"))
    fig.add_scatter(x=[w_path[k]], y=[b_path[k]], mode="markers", name=f"step {k}",
                    marker=dict(color=palette.DERIVATIVE, size=13, line=dict(width=1)))
    _layout(fig, "w", "b")
    fig.update_xaxes(range=[float(w_grid[0]), float(w_grid[-1])])
    fig.update_yaxes(range=[float(b_grid[0]), float(b_grid[-1])])
    return fig


def predicted_actual_figure(
    y_true: np.ndarray, y_pred: np.ndarray, y_reference: np.ndarray, k: int
) -> go.Figure:
    """Several features: predictions at step k and scikit-learn's against the actual target."""
    y_true = np.asarray(y_true, dtype=float)
    low, high = float(np.min(y_true)), float(np.max(y_true))
    fig = go.Figure()
    fig.add_scatter(x=y_true, y=y_reference, mode="markers", name="scikit-learn",
                    marker=dict(color=palette.REFERENCE, size=7, opacity=POINT_OPACITY,
                                symbol="x-thin-open", line=dict(width=1.2,
                                                                color=palette.REFERENCE)))
    fig.add_scatter(x=y_true, y=y_pred, mode="markers", name=f"GD at step {k}",
                    marker=dict(color=palette.DERIVATIVE, size=5, opacity=POINT_OPACITY))
    fig.add_scatter(x=[low, high], y=[low, high], mode="lines", name="perfect (ŷ = y)",
                    line=dict(color=palette.NEUTRAL, dash="dot"))
    _layout(fig, "actual y", "predicted ŷ")
    return fig


def coefficient_paths_figure(
    w_path: np.ndarray,
    b_path: np.ndarray,
    names: Sequence[str],
    k: int,
    reference: tuple[np.ndarray, float],
) -> go.Figure:
    """Each weight against step (left axis), b on its own right axis; scikit-learn dotted.

    The intercept often dwarfs the weights (diabetes: b ~ 150, w ~ 10), hence its own axis.
    The Play button moves the step markers along the paths in the browser. Weight j has colour
    ``SEQUENCE[j % 7]`` and dash ``WEIGHT_DASHES[j // 7 % 4]``; b is grey and dashed.
    """
    w_path = np.atleast_2d(np.asarray(w_path, dtype=float))
    b_path = np.asarray(b_path, dtype=float)
    ref_w = np.asarray(reference[0], dtype=float)
    last = w_path.shape[0] - 1
    colours = palette.SEQUENCE
    fig = go.Figure()
    for j, name in enumerate(plotly_inert(name) for name in names):
        colour = colours[j % len(colours)]
        dash = WEIGHT_DASHES[j // len(colours) % len(WEIGHT_DASHES)]
        fig.add_scatter(x=np.arange(last + 1), y=w_path[:, j], mode="lines", name=name,
                        line=dict(color=colour, width=2, dash=dash), legendgroup=name)
        fig.add_scatter(x=[0, last], y=[ref_w[j], ref_w[j]], mode="lines", showlegend=False,
                        line=dict(color=colour, dash="dot", width=1), legendgroup=name,
                        hoverinfo="skip")
    fig.add_scatter(x=np.arange(last + 1), y=b_path, mode="lines", name="b (right axis)",
                    line=dict(color=palette.NEUTRAL, width=2, dash="dash"), yaxis="y2",
                    legendgroup="b")
    fig.add_scatter(x=[0, last], y=[reference[1]] * 2, mode="lines", showlegend=False,
                    line=dict(color=palette.NEUTRAL, dash="dot", width=1), yaxis="y2",
                    hoverinfo="skip", legendgroup="b")
    fig.add_scatter(x=np.full(len(names), k), y=w_path[k], mode="markers", name=f"step {k}",
                    marker=dict(color=palette.DERIVATIVE, size=9, line=dict(width=1)),
                    legendgroup="step")
    fig.add_scatter(x=[k], y=[b_path[k]], mode="markers", showlegend=False, yaxis="y2",
                    marker=dict(color=palette.DERIVATIVE, size=9, symbol="diamond",
                                line=dict(width=1)), legendgroup="step")
    markers = [len(fig.data) - 2, len(fig.data) - 1]
    steps = frame_steps(last + 1, current=k)
    fig.frames = [dict(name=f"k{int(s)}", traces=markers,  # plain: see fitted_line_figure
                       data=[dict(type="scatter", x=[int(s)] * len(names),
                                  y=w_path[int(s)].tolist()),
                             dict(type="scatter", x=[int(s)], y=[float(b_path[int(s)])])])
                  for s in steps]
    _layout(fig, "step k", "weights w")
    fig.update_layout(yaxis2=dict(title="b", overlaying="y", side="right", showgrid=False))
    _animation_controls(fig, steps, int(np.searchsorted(steps, k)))
    return fig


def residual_bars_figure(residuals: np.ndarray, row_numbers: np.ndarray) -> go.Figure:
    """Who pulls which way: residual r_i = ŷ_i − y_i of a few rows as bars.

    A positive residual (prediction too high) adds to ∂L/∂b and pushes b down; a negative one
    pulls b up. Shows at most ``MAX_RESIDUAL_BARS`` rows.
    """
    residuals = np.asarray(residuals, dtype=float)[:MAX_RESIDUAL_BARS]
    rows = [str(int(r)) for r in np.asarray(row_numbers)[:MAX_RESIDUAL_BARS]]
    colours = [palette.SECANT if r > 0 else palette.TANGENT for r in residuals]
    fig = go.Figure(go.Bar(x=rows, y=residuals, marker_color=colours, name="residual",
                           hovertemplate="row %{x}<br>r = %{y:.4g}<extra></extra>"))
    _layout(fig, "row", "residual r = ŷ − y", height=300)
    fig.update_xaxes(type="category")
    return fig
