"""Derivatives: f and f′, the tangent at x₀, and a secant that turns into it as h shrinks."""

import numpy as np
import streamlit as st

from gradcore import ExpressionError, gradient_check, kink_at
from gradcore.calculus.functions import ONE_D_KEYS
from gradcore.number_text import fmt
from ui.calculus.frameworks import kink_pointer
from ui.calculus.widgets import (
    check_panel,
    function_picker,
    interval_text,
    notation_note,
    page_header,
    undefined_here,
)
from ui.charts import plot
from ui.charts.cache import alt_text, figures
from ui.shell import exercise_panel
from ui.shell.lessons import page_frame
from ui.shell.state import Link, inert, share_box
from ui.shell.style import metric_row

STEPS = ["1", "0.5", "0.2", "0.1", "0.05", "0.01", "0.001", "0.0001"]
X_LOW, X_HIGH = -3.0, 3.0
xs = np.linspace(-4.0, 4.0, 801)

with page_frame("pages/derivatives.py"):
    page_header(
        "Derivatives",
        "A derivative measures how fast f changes at a point: the slope of the tangent line. "
        "It is the limit of secant slopes, the rise over a run h, as h shrinks to 0. For "
        "f(x) = x² the slope at x is 2x.",
        r"f'(x_0)=\lim_{h\to 0}\frac{f(x_0+h)-f(x_0)}{h}",
    )

    link = Link("derivatives")
    # One column of controls beside the plots made a phone (390 px) stack every control and
    # metric above the plot; here the sliders sit right above the plot on every width.
    pick, formula_f, formula_df = st.columns([1.2, 1, 1], vertical_alignment="bottom")
    with pick:
        expression, name = function_picker(link, ONE_D_KEYS, "square", scope="derivatives")
    slide_x, slide_h = st.columns(2)
    x0 = link.number("x0", "Point x₀", X_LOW, X_HIGH, 1.0, step=0.05, slider=True,
                     where=slide_x)
    h = float(link.choice("h", "Secant step h", STEPS, "1", widget="select_slider",
                          where=slide_h,
                          help="Move right: h shrinks and the secant turns into the tangent."))

    fx = expression.evaluate(xs)
    dfx = expression.evaluate_gradient(xs)[0]
    f0 = slope = secant = kink = None
    problem = None
    try:
        f0 = expression.value([x0])
        # At a kink gradcore's slope is the midpoint of the one-sided slopes (gradcore/expressions/kinks.py).
        slope = float(expression.gradient([x0])[0])
        kink = kink_at(expression, x0)
    except ExpressionError as error:
        problem = ("f′(x₀)" if f0 is not None else "f(x₀)", error)
    if slope is not None:
        try:
            secant = (x0 + h, expression.value([x0 + h]))
        except ExpressionError as error:
            problem = ("f(x₀ + h)", f"{error}. So there is no secant for h = {h:g} here.")

    variable = expression.variables[0]
    formula_f.latex(f"f({variable}) = {expression.latex}")
    formula_df.latex(f"f'({variable}) = {expression.gradient_latex[0]}")
    notation_note(expression.gradient_latex)
    if problem:
        undefined_here(problem[1], problem[0])
    about_f = alt_text.derivative(expression.text, variable, xs, fx, x0, f0, slope, secant,
                                    kink)
    plot.chart(st, figures.derivative_figure(xs, fx, x0, f0, slope, secant, kink=kink),
               key="fig_f", alt=about_f.alt)
    alt_text.show(st, about_f)
    numbers = st.container()
    about_df = alt_text.derivative_curve(variable, xs, dfx, x0,
                                           slope if slope is not None else np.nan, kink)
    plot.chart(st, figures.derivative_curve_figure(xs, dfx, x0, slope if slope is not None
                                                   else np.nan, kink=kink),
               key="fig_df", alt=about_df.alt)
    alt_text.show(st, about_df)

    if slope is not None and not exercise_panel.revealed():
        exercise_panel.hidden("the slopes and the check", where=numbers)
    elif slope is not None:
        chord = figures.secant_slope(x0, f0, *secant) if secant else float("nan")
        if kink is None:
            slopes = [("Tangent slope f′(x₀)", fmt(slope))]
        elif kink.convex_here:
            slopes = [("∂f(x₀): no tangent at a kink", interval_text(*kink.interval),
                       "Every slope in this interval gives a line through (x₀, f(x₀)) that "
                       "stays below f: the subgradients."),
                      ("Subgradient g used by gradcore", fmt(slope),
                       "The midpoint of ∂f(x₀), the limit of the central difference.")]
        else:
            slopes = [("One-sided slopes f′₋, f′₊", f"{fmt(kink.left)}, {fmt(kink.right)}"),
                      ("Midpoint slope used by gradcore", fmt(slope))]
        metric_row([("f(x₀)", fmt(f0)), *slopes, (f"Secant slope, h = {h:g}", fmt(chord)),
                    ("Secant − tangent" if kink is None else "Secant − g", fmt(chord - slope))],
                   numbers)
        if kink is not None:
            st.info(f"{inert(kink.note)} The **Subgradients** page shows every supporting line.")
            kink_pointer(name, x0)
        try:
            check = gradient_check(expression.value, expression.gradient, [x0])
            check_panel(check.analytic[0], check.numeric[0], check.relative_error,
                        components=["f′(x₀)"])
        except (ExpressionError, ValueError) as error:
            undefined_here(error, "The finite-difference slope")

    share_box(link)
