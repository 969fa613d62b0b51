"""What a figure draws, read off its traces: the style that tells marks apart without colour,
the colours of its marks and texts, and a gallery of every figure builder in its main states.

Shared by tests/test_figures.py, tests/test_regression_figures.py and tests/test_palette.py.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from gradcore import kink_at, parse_expression
from ui.calculus import figures, gradient_figures
from ui.charts import palette
from ui.regression import figures as rf
from ui.regression import race_figures

THICK = 2.0  # a line this wide or wider reads as a thick line, narrower as a thin one
OPEN_SYMBOLS = ("-open", "x-thin", "cross-thin")


def meaning(trace) -> str | None:
    """What a trace stands for: its legend group if it has one (a fan of lines, the gradient
    field and the arrow at the point), else its name."""
    return trace.legendgroup or trace.name


def style(trace) -> tuple | None:
    """How a trace looks apart from colour: line dash and thin/thick, marker symbol, or its
    kind (bars, a contour map, a shaded area). None for an invisible helper trace."""
    if trace.type != "scatter":
        return (trace.type,)
    mode = trace.mode or "lines"
    look = []
    if "lines" in mode and (trace.line.width is None or trace.line.width > 0):
        width = 2.0 if trace.line.width is None else trace.line.width
        look.append(("line", trace.line.dash or "solid", "thick" if width >= THICK else "thin"))
    if "markers" in mode:
        look.append(("marker", trace.marker.symbol or "circle"))
    if not look and trace.fill:
        look.append(("area",))
    return tuple(look) or None


def colour(trace) -> str | None:
    """The trace's colour: its line's, else its marker's."""
    if trace.type != "scatter":
        return None
    return trace.line.color or trace.marker.color


def look_alikes(fig, with_colour: bool) -> list[tuple[str, str]]:
    """Pairs of visible traces of different meaning that share their style (and, if
    `with_colour`, their colour too): pairs a reader could tell apart only by colour, or not
    at all."""
    drawn = [t for t in fig.data if style(t) is not None]
    clashes = []
    for first, second in combinations(drawn, 2):
        if meaning(first) == meaning(second):
            continue
        same = style(first) == style(second)
        if with_colour:
            same = same and colour(first) == colour(second)
        if same:
            clashes.append((meaning(first), meaning(second)))
    return clashes


def _scalar(value, default: float = 1.0) -> float:
    return default if value is None else float(value)


def mark_colours(fig) -> list[tuple[str, str, float]]:
    """(what, colour, opacity) of every mark a reader has to see: lines, markers (their outline
    colour for open symbols), bars, level lines of a line contour, arrow annotations and
    shape outlines. Filled areas and filled contour maps are backgrounds, not marks."""
    found = []
    for trace in fig.data:
        name = f"{trace.type} {meaning(trace)!r}"
        opacity = _scalar(trace.opacity)
        if trace.type == "scatter":
            mode = trace.mode or "lines"
            if "lines" in mode and (trace.line.width is None or trace.line.width > 0):
                found.append((f"{name} line", trace.line.color, opacity))
            if "markers" in mode:
                marker_opacity = opacity * _scalar(trace.marker.opacity)
                symbol = trace.marker.symbol or "circle"
                drawn = (trace.marker.line.color or trace.marker.color
                         if any(s in symbol for s in OPEN_SYMBOLS) else trace.marker.color)
                found.append((f"{name} marker", drawn or trace.line.color, marker_opacity))
        elif trace.type == "bar":
            colours = trace.marker.color
            for value in ([colours] if isinstance(colours, str) else colours):
                found.append((f"{name} bar", value, opacity))
        elif trace.type == "contour" and trace.contours.coloring == "lines":
            for _, value in trace.colorscale:
                found.append((f"{name} level line", value, opacity))
    for note in fig.layout.annotations:
        if note.showarrow:
            found.append(("arrow annotation", note.arrowcolor, 1.0))
    for shape in fig.layout.shapes:
        if shape.line.color:
            found.append((f"{shape.type} outline", shape.line.color, 1.0))
    return found


def text_colours(fig) -> list[tuple[str, str, str | None]]:
    """(text, colour, own background or None) of every annotation with a colour of its own, and
    of a contour map's labels (their background: the map)."""
    found = [(note.text, note.font.color, note.bgcolor) for note in fig.layout.annotations
             if note.text and note.font.color]
    for trace in fig.data:
        if trace.type == "contour" and trace.contours.labelfont.color:
            found += [("contour label", trace.contours.labelfont.color, value)
                      for _, value in trace.colorscale]
    return found


def map_fill(fig) -> list[str]:
    """The colours of a filled contour map in `fig` (empty when it has none)."""
    return [value for trace in fig.data if trace.type == "contour"
            and trace.contours.coloring == "fill" for _, value in trace.colorscale]


def _kink(text: str, x0: float):
    f = parse_expression(text)
    xs = np.linspace(-3, 3, 61)
    return figures.derivative_figure(xs, f.evaluate(xs), x0, f.value([x0]), f.gradient([x0])[0],
                                     (x0 + 0.5, f.value([x0 + 0.5])), kink=kink_at(f, x0))


def calculus_gallery() -> dict:
    """Every figure of ui/calculus/figures.py in the states the pages show."""
    xs = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(xs, xs)
    return {
        "tangent and secant": figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0, (1.5, 2.25)),
        "convex kink": _kink("abs(x - 1) + x/2", 1.0),
        "concave kink": _kink("-abs(x)", 0.0),
        "undefined point": figures.derivative_figure(xs, xs**2, 0.0, None, None),
        "f′": figures.derivative_curve_figure(xs, 2 * xs, 1.0, 2.0),
        "f′ at a kink": figures.derivative_curve_figure(
            xs, np.sign(xs), 0.0, 0.0, kink_at(parse_expression("abs(x)"), 0.0)),
        "contour map": gradient_figures.contour_gradient_figure(xs, xs, X**2 + 2 * Y**2,
                                                       (X, Y, 2 * X, 4 * Y), (1.0, 1.0),
                                                       (2.0, 4.0), (1.0, 0.0)),
        "directional": gradient_figures.directional_figure((2.0, 4.0), 30.0),
        "supporting line": figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1, 1), 0.5),
        "rejected line": figures.subgradient_figure(xs, np.abs(xs), 0.0, 0.0, (-1, 1), 1.5,
                                                    crossing=(0.1, 0.15), above=(0.1, 2.0)),
        "iterates": figures.iterates_figure(xs, xs**2, xs[::8], xs[::8] ** 2),
        "values by step": figures.values_by_step_figure(xs**2, np.minimum.accumulate(xs**2)),
        "composite": figures.composite_figure(xs, xs + 1, (xs + 1) ** 2, 1.0, 4.0, 4.0),
        "computation graph": figures.computation_graph_figure(1.0, 2.0, 4.0, 1.0, 4.0),
    }


def regression_gallery(weights: int = 3) -> dict:
    """Every figure of ui/regression/figures.py, the coefficient paths with `weights` weights."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    y = 2 * x + 1 + rng.normal(size=50)
    steps = 30
    slopes, intercepts = np.linspace(0, 2, steps), np.linspace(0, 1, steps)
    grid = np.linspace(-1, 3, 7)
    w_path = np.cumsum(np.ones((steps, weights)), axis=0) / steps
    b_path = np.linspace(0, 100, steps)
    loss = np.linspace(5, 1, steps)
    loss_grid = np.add.outer(grid**2, grid**2) + 1
    return {  # each as the page builds it: the run's base, then step k's marks on it
        "loss": rf.loss_at(rf.loss_base(loss), loss, 3),
        "fitted line": rf.fitted_line_at(
            rf.fitted_line_base(x, y, slopes, intercepts, (2.0, 1.0)), x, slopes, intercepts, 3),
        "contour": rf.contour_at(
            rf.contour_base(grid, grid, loss_grid, slopes, intercepts, (2.0, 1.0)),
            slopes, intercepts, 3),
        "predicted": rf.predicted_actual_at(rf.predicted_actual_base(y, 2 * x + 1), 1.5 * x, 3),
        "coefficients": rf.coefficient_paths_at(
            rf.coefficient_paths_base(w_path, b_path, [f"x{j}" for j in range(weights)],
                                      (np.ones(weights), 100.0)), w_path, b_path, 3),
        "residuals": rf.residual_bars_figure(rng.normal(size=20), np.arange(20)),
    }


def race_gallery() -> dict:
    """The optimizer race's two figures (ui/regression/race_figures.py), three racers, one of them
    stopped early and one run longer than the drawn points (so its path is thinned)."""
    losses = [np.geomspace(10, 1, 50), np.geomspace(10, 0.5, 900), np.linspace(10, 2, 3)]
    names = ["gradient descent", "Adam", "momentum (heavy ball)"]
    w_grid, b_grid = np.linspace(-1, 3, 7), np.linspace(-2, 2, 5)
    paths = [(np.linspace(0, 2, 50), np.linspace(0, 1, 50)),
             (np.linspace(0, 1.9, 900), np.linspace(0, 1.1, 900)), (np.zeros(3), np.zeros(3))]
    return {
        "loss": race_figures.race_loss_figure(losses, names, log_y=True),
        "contour": race_figures.race_contour_figure(
            w_grid, b_grid, np.add.outer(b_grid**2, w_grid**2) + 1, paths, names, (2.0, 1.0),
            "reference optimum"),
    }


def backgrounds_of(fig) -> list[str]:
    """What the figure's marks are drawn on: both themes' page backgrounds (plots are
    transparent; the legend is always on them), and the colours of its opaque map if any."""
    return [*palette.BACKGROUNDS, *map_fill(fig)]
