"""Gradients: ∇f of a function of several variables, its field on a contour map, and ∇f·v."""

import numpy as np
import streamlit as st

from gradcore import ExpressionError, gradient_check, squared_norm_text
from gradcore.number_text import fmt, fmt_vector
from ui.calculus import curvature_panel
from ui.calculus.widgets import (
    check_panel,
    function_picker,
    kink_notes,
    notation_note,
    page_header,
    parse_cached,
    undefined_here,
)
from ui.charts import plot
from ui.charts.cache import alt_text, gradient_figures
from ui.shell import exercise_panel
from ui.shell.lessons import page_frame
from ui.shell.state import Link, inert, share_box
from ui.shell.style import metric_row

NAMES = ["article3d", "article4d", "sqnorm", "dot"]
LIMIT = 1000.0
HALF_WIDTH = 3.0

with page_frame("pages/gradients.py"):
    page_header(
        "Gradients",
        "The gradient collects the partial derivatives of f into one vector. Its dot product "
        "with a unit direction v is the rate of change of f along v, largest when v points along "
        "∇f: the direction of steepest ascent. For x² + 2y² + 3z² it is (2x, 4y, 6z).",
        r"\nabla f=\Big(\frac{\partial f}{\partial x_1},\dots,\frac{\partial f}{\partial x_n}\Big),"
        r"\qquad D_v f=\nabla f\cdot v",
    )

    link = Link("gradients")
    controls, shown = st.columns([1, 2], gap="large")
    with controls:
        expression, name = function_picker(link, NAMES, "article3d", scope="gradients",
                                           default_text="x*exp(-x^2 - y^2)", max_variables=None)
        if name == "sqnorm":
            size = link.number("n", "Length n of w", 1, 8, 3, integer=True)
            expression = parse_cached(squared_norm_text(int(size)))
        variables = expression.variables
        st.markdown("**The point**")
        columns = st.columns(min(len(variables), 4))
        point = []
        for i, variable in enumerate(variables):
            point.append(link.number(f"p_{variable}", variable, -LIMIT, LIMIT, 1.0, step=0.5,
                                     where=columns[i % len(columns)]))
        if len(variables) > 2:
            st.markdown("**The 2-D slice to draw** (other variables held at the point)")
            left, right = st.columns(2)
            axis_a = link.choice("sx", "Horizontal axis", variables, variables[0], where=left)
            axis_b = link.choice("sy", "Vertical axis", variables, variables[1], where=right)
            if axis_a == axis_b:
                axis_b = next(v for v in variables if v != axis_a)
                st.warning(f"Pick two different variables; showing ({inert(axis_a)}, "
                           f"{inert(axis_b)}).")
        elif len(variables) == 2:
            axis_a, axis_b = variables
        curved, delta, surface = (curvature_panel.controls(link, (axis_a, axis_b))
                                  if len(variables) >= 2 else (False, (0.0, 0.0), False))

    point = np.array(point, dtype=float)
    reveal = exercise_panel.revealed()
    try:
        gradient = expression.gradient(point)
    except ExpressionError as error:
        gradient = None
        with shown:
            undefined_here(error, "∇f at this point")

    with shown:
        # One KaTeX block for both lines: each block is a page element the browser lays out.
        st.latex(r"\begin{gathered}f = " + expression.latex + r"\\ \nabla f = \left("
                 + r",\ ".join(expression.gradient_latex) + r"\right)\end{gathered}")
        notation_note(expression.gradient_latex)
        if gradient is not None and not reveal:
            exercise_panel.hidden("∇f at the point, the directional derivatives and the check")
        elif gradient is not None:
            st.markdown(f"**∇f{fmt_vector(point)} = {fmt_vector(gradient)}**  ·  "
                        f"‖∇f‖ = {fmt(np.linalg.norm(gradient))}")
            metric_columns = st.columns(min(len(variables), 4))
            for i, variable in enumerate(variables):
                metric_columns[i % len(metric_columns)].metric(f"∂f/∂{variable}", fmt(gradient[i]))
            kink_notes(expression, point)

    if len(variables) >= 2:
        i, j = variables.index(axis_a), variables.index(axis_b)
        found = curvature_panel.curvature(expression, point) if curved and gradient is not None \
            else None
        directions = curvature_panel.principal(found, (i, j)) if reveal else None
        # 61 x 61 values of f: the filled contours look the same as with 81 (the levels are
        # smooth at this size), and the browser draws a third fewer cells on every load.
        xs = np.linspace(point[i] - HALF_WIDTH, point[i] + HALF_WIDTH, 61)
        ys = np.linspace(point[j] - HALF_WIDTH, point[j] + HALF_WIDTH, 61)

        def on_plane(a, b):
            """Arrays for every variable: a, b on the slice axes, the point elsewhere."""
            arrays = [np.full(np.shape(a), value) for value in point]
            arrays[i], arrays[j] = a, b
            return arrays

        z = expression.evaluate(*on_plane(*np.meshgrid(xs, ys)))
        qa, qb = np.meshgrid(xs[::6], ys[::6])  # 11 x 11 arrows
        field = expression.evaluate_gradient(*on_plane(qa, qb))
        in_plane = (gradient[i], gradient[j]) if gradient is not None else (np.nan, np.nan)
        st.header("Contour map and gradient field")
        st.caption(f"Slice through the point in the ({inert(axis_a)}, {inert(axis_b)}) plane. Arrows show the "
                   "direction of ∇f (uphill, across the contours); the long thick arrow is ∇f "
                   "at the point, the dashed one the direction v.")
        map_column, curve_column = st.columns([3, 2])
        # The angle's slider sits with the curve it moves along (on a phone, right above it).
        angle = link.number("a", "Direction angle θ of v (degrees)", 0.0, 360.0, 0.0, step=5.0,
                            slider=True, where=curve_column)
        v = (np.cos(np.radians(angle)), np.sin(np.radians(angle)))
        about_map = alt_text.contour_map(expression.text, (axis_a, axis_b), xs, ys, z,
                                           (qa, qb, field[i], field[j]), (point[i], point[j]),
                                           in_plane, v, held=len(variables) > 2)
        plot.chart(
            map_column, gradient_figures.contour_gradient_figure(xs, ys, z, (qa, qb, field[i], field[j]),
                                            (point[i], point[j]), in_plane, v, (axis_a, axis_b),
                                            directions),
            key="fig_contour", alt=about_map.alt)
        alt_text.show(map_column, about_map)
        if directions is not None:
            map_column.caption(curvature_panel.directions_sentence(directions, (axis_a, axis_b)))
        if gradient is not None and reveal:
            with curve_column:
                rate = float(gradient_figures.directional_curve(in_plane, np.radians([angle]))[0])
                plane_norm = float(np.hypot(*in_plane))
                best = float(np.degrees(np.arctan2(in_plane[1], in_plane[0]))) % 360.0
                metric_row([("∇f·v at θ", fmt(rate)), ("max over θ", fmt(plane_norm))])
                st.caption(f"v = ({fmt(v[0])}, {fmt(v[1])}) along {inert(axis_a)}, {inert(axis_b)}. "
                           "The maximum "
                           f"{fmt(plane_norm)} is reached at θ = {fmt(best)}°, the direction of "
                           "∇f" + (" in this plane (its length there)." if len(variables) > 2
                                   else ": ‖∇f‖."))
                label = "‖∇f‖" if len(variables) == 2 else f"‖(∂f/∂{axis_a}, ∂f/∂{axis_b})‖"
                about_curve = alt_text.directional(in_plane, angle, label)
                plot.chart(st, gradient_figures.directional_figure(in_plane, angle, label),
                           key="fig_directional", alt=about_curve.alt)
                alt_text.show(st, about_curve)
        if found is not None:
            curvature_panel.section(expression, point, found, (i, j), delta, HALF_WIDTH,
                                    surface)
    else:
        st.info("With one variable there is no contour map: the gradient is just f′ "
                "(see the **Derivatives** page). Add a second variable, e.g. x^2 + y^2.")

    if gradient is not None and reveal:
        try:
            check = gradient_check(expression.value, expression.gradient, point)
            check_panel(check.analytic, check.numeric, check.relative_error,
                        components=[f"∂f/∂{name}" for name in variables])
        except (ExpressionError, ValueError) as error:
            undefined_here(error, "The finite-difference gradient")
        if len(variables) >= 2 and found is not None:
            curvature_panel.check(expression, point, found)

    share_box(link)
