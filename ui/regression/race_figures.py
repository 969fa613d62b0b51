"""Figures and text alternatives of the regression page's optimizer race: arrays in, out a
:class:`ui.charts.spec.Figure` (plain plotly.js JSON, like every other chart: no ``go.Figure``
validation at run time; the tests validate it) or a ``alt_text.ChartText``. No streamlit and
no regression math here.

Each optimizer keeps one style in both charts: a colour (``palette.SEQUENCE``), a dash and a
marker shape, so the paths differ without colour too. A path of many steps is drawn at
``MAX_PATH_POINTS`` iterates at most (the first and the last always), so the payload does not
grow with the step count.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.charts import palette
from ui.charts.alt_text import MAX_ROWS, ChartText
from ui.charts.spec import Figure
from ui.regression.alt_text import NO_TABLE
from ui.shell.text import plotly_inert

RACE_COLOURS = (palette.FUNCTION, palette.DERIVATIVE, palette.TANGENT)
RACE_DASHES = ("solid", "dash", "dot")
RACE_MARKERS = ("circle", "square", "diamond")
MAX_PATH_POINTS = 400
MARKERS_SHOWN = 12


def thinned(n: int, most: int = MAX_PATH_POINTS) -> np.ndarray:
    """At most `most` indices of 0..n-1, evenly spread, the first and last included."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def _style(index: int) -> dict:
    return {"line": {"color": RACE_COLOURS[index], "dash": RACE_DASHES[index], "width": 2},
            "marker": {"color": RACE_COLOURS[index], "symbol": RACE_MARKERS[index], "size": 7,
                       "maxdisplayed": MARKERS_SHOWN}}


def _layout(x_title: str, y_title: str) -> dict:
    return {"margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "height": 380,
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0.0},
            "xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def _path(x: np.ndarray, y: np.ndarray, name: str, index: int) -> dict:
    """One optimizer's line, in its style."""
    return {"type": "scatter", "x": x, "y": y, "name": plotly_inert(name),
            "mode": "lines+markers", **_style(index)}


def race_loss_figure(losses: Sequence[np.ndarray], names: Sequence[str],
                     log_y: bool = False) -> Figure:
    """The full-data loss against the step, one line per optimizer; a log y axis when asked
    and every loss is positive."""
    traces = []
    for index, (loss, name) in enumerate(zip(losses, names, strict=True)):
        loss = np.asarray(loss, dtype=float)
        shown = thinned(loss.size)
        traces.append(_path(shown, loss[shown], name, index))
    layout = _layout("step k", "loss L(w, b)")
    if log_y and all(np.all(np.asarray(loss) > 0) for loss in losses):
        layout["yaxis"]["type"] = "log"
    return Figure(traces, layout)


def race_contour_figure(w_grid: np.ndarray, b_grid: np.ndarray, loss_grid: np.ndarray,
                        paths: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                        optimum: tuple[float, float], optimum_name: str) -> Figure:
    """Contours of log10 L(w, b) (``loss_grid[i, j]`` at w_grid[j], b_grid[i]), each
    optimizer's path in (w, b) and the reference optimum (an x)."""
    w_grid = np.asarray(w_grid, dtype=float)
    b_grid = np.asarray(b_grid, dtype=float)
    traces = [{
        "type": "contour", "x": w_grid, "y": b_grid,
        "z": np.log10(np.maximum(np.asarray(loss_grid, dtype=float), 1e-300)),
        "colorscale": [[0.0, palette.LOSS_CONTOURS[0]], [1.0, palette.LOSS_CONTOURS[1]]],
        "ncontours": 25, "showscale": False, "contours": {"coloring": "lines"},
        "name": "log10 loss",
        "hovertemplate": "w=%{x:.4g}<br>b=%{y:.4g}<br>log10 L=%{z:.3f}<extra></extra>",
    }]
    for index, ((w_path, b_path), name) in enumerate(zip(paths, names, strict=True)):
        shown = thinned(len(b_path))
        traces.append(_path(np.asarray(w_path)[shown], np.asarray(b_path)[shown], name, index))
    traces.append({"type": "scatter", "x": [float(optimum[0])], "y": [float(optimum[1])],
                   "mode": "markers", "name": plotly_inert(optimum_name),
                   "marker": {"color": palette.REFERENCE, "size": 14, "symbol": "x"}})
    layout = _layout("w", "b")
    layout["xaxis"]["range"] = [float(w_grid[0]), float(w_grid[-1])]
    layout["yaxis"]["range"] = [float(b_grid[0]), float(b_grid[-1])]
    return Figure(traces, layout)


def race_verdict(losses: Sequence[np.ndarray], names: Sequence[str]) -> str:
    """Who ends lowest, or that several end level: a race is decided only by what the page
    shows (``fmt``: 4 significant digits), not by digits nobody sees."""
    finals = [float(np.asarray(loss)[-1]) for loss in losses]
    lowest = fmt(min(finals))
    level = [name for name, final in zip(names, finals, strict=True) if fmt(final) == lowest]
    if len(level) == 1:
        return f"Lowest at the end: {level[0]}."
    together = ", ".join(level[:-1]) + " and " + level[-1]
    if len(level) == len(names):
        return f"A tie: all end at {lowest} (to the 4 digits shown)."
    return f"A tie for the lowest: {together} end at {lowest} (to the 4 digits shown)."


def race_loss_text(losses: Sequence[np.ndarray], names: Sequence[str],
                   with_table: bool = True) -> ChartText:
    """The race's loss chart in words: each optimizer's start, end and steps; the lowest."""
    parts = [f"{name}: from {fmt(loss[0])} to {fmt(loss[-1])} in {len(loss) - 1} steps"
             for loss, name in zip(losses, names, strict=True)]
    sentence = "Loss against step. " + "; ".join(parts) + ". " + race_verdict(losses, names)
    table = NO_TABLE
    if with_table:
        longest = max(len(loss) for loss in losses)
        columns = {"step k": np.arange(longest)}
        for loss, name in zip(losses, names, strict=True):
            padded = np.full(longest, np.nan)
            padded[: len(loss)] = loss
            columns[f"loss ({name})"] = padded
        # A run that stopped early has empty cells after its last step.
        table = pd.DataFrame(columns).iloc[thinned(longest, MAX_ROWS)].reset_index(drop=True)
    return ChartText("Loss against step for each raced optimizer", sentence, table)


def race_contour_text(paths: Sequence[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                      optimum: tuple[float, float], units: str,
                      with_table: bool = True) -> ChartText:
    """The race's contour chart in words: where each path ends, and how far from the optimum."""
    parts = []
    for (w_path, b_path), name in zip(paths, names, strict=True):
        gap = float(np.hypot(w_path[-1] - optimum[0], b_path[-1] - optimum[1]))
        parts.append(f"{name} ends at ({fmt(w_path[-1])}, {fmt(b_path[-1])}), {fmt(gap)} from it")
    sentence = (f"Paths over the loss contours from ({fmt(paths[0][0][0])}, "
                f"{fmt(paths[0][1][0])}); the reference optimum is at ({fmt(optimum[0])}, "
                f"{fmt(optimum[1])}). " + "; ".join(parts) + f" (w and b in {units}).")
    table = NO_TABLE
    if with_table:
        frames = []
        for (w_path, b_path), name in zip(paths, names, strict=True):
            shown = thinned(len(b_path), 60)
            frames.append(pd.DataFrame({"optimizer": name, "step k": shown,
                                        "w": np.asarray(w_path)[shown],
                                        "b": np.asarray(b_path)[shown]}))
        table = pd.concat(frames, ignore_index=True)
    return ChartText("Loss contours over w and b with each optimizer's path", sentence, table)
