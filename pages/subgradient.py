"""Subgradients: the interval ∂f(x₀) at a kink, supporting lines, and the subgradient method."""

import numpy as np
import streamlit as st

from gradcore import (
    CATALOGUE,
    KINK_KEYS,
    STEP_RULES,
    subdifferential,
    subgradient_method,
    supporting_line_check,
)
from gradcore.number_text import fmt
from ui.calculus.frameworks import frameworks_panel
from ui.calculus.widgets import (
    catalogue_label,
    check_panel,
    interval_text,
    page_header,
    supporting_slopes,
)
from ui.charts import plot
from ui.charts.cache import alt_text, cached, figures
from ui.shell import exercise_panel
from ui.shell.lessons import page_frame
from ui.shell.state import Link, share_box
from ui.shell.style import metric_row

X_LOW, X_HIGH = -3.0, 3.0


xs = np.linspace(-4.0, 4.0, 801)

with page_frame("pages/subgradient.py"):
    page_header(
        "Subgradients",
        "At a kink f has no derivative, but many lines through (x₀, f(x₀)) stay below f. Their "
        "slopes g are the subgradients and fill an interval ∂f(x₀): for |x| at 0 it is [−1, 1], "
        "for ReLU at 0 it is [0, 1]. Where f is smooth the interval is the single slope f′(x₀).",
        r"\begin{gathered}g\in\partial f(x_0)\iff\\ f(y)\ge f(x_0)+g\,(y-x_0)\ \text{ for all } y"
        r"\end{gathered}",
    )

    link = Link("subgradient")
    controls, chart_column = st.columns([1, 2.4], gap="large")
    with controls:
        name = link.choice("fn", "Function", KINK_KEYS, "abs", format_func=catalogue_label,
                           help="Convex functions with kinks, from the article and beyond.")
        entry = CATALOGUE[name]
        st.caption(f"Kinks at x = {', '.join(fmt(k) for k in entry.kinks)}: put x₀ on one to "
                   "see a whole interval of subgradients.")
        x0 = link.number("x0", "Point x₀", X_LOW, X_HIGH, 0.0, step=0.05, slider=True)
        g = link.number("g", "Candidate subgradient g", -3.0, 3.0, 0.5, step=0.05, slider=True)

    fx = cached(entry.value, xs)  # f on the plot's grid: the same for every x₀ and g
    lo, hi = subdifferential(name, x0)
    f0 = float(entry.value(x0))
    check = supporting_line_check(name, x0, g, ys=xs)
    crossing = None
    if not check.supporting:
        crossing = (check.nearest_failure, float(figures.line_through(x0, f0, g,
                                                                      [check.nearest_failure])[0]))

    reveal = exercise_panel.revealed()
    with controls:
        if not reveal:
            exercise_panel.hidden("∂f(x₀), the verdict on g and the check")
        else:
            st.metric("∂f(x₀)", interval_text(lo, hi))
        if reveal and check.supporting:
            st.success(f"g = {fmt(g)} is a subgradient: the line stays below f.")
        elif reveal:
            st.error(f"g = {fmt(g)} is **not a subgradient**: it crosses f at "
                     f"y = {fmt(check.nearest_failure)} and stays above f from there "
                     f"to y = {fmt(check.failure_range[1] if check.side == 'right' else check.failure_range[0])}"
                     f" ({check.side} of x₀).")
    with chart_column:
        st.latex(f"f(x) = {entry.latex}")
        about_support = alt_text.support(entry.text, xs, fx, x0, f0, (lo, hi), g,
                                           crossing[0] if crossing else None,
                                           check.failure_range if crossing else None)
        plot.chart(st, figures.subgradient_figure(xs, fx, x0, f0, (lo, hi), g, crossing,
                                                  above=check.failure_range),
                   key="fig_support", alt=about_support.alt)
        st.caption("Thin grey lines: the fan of supporting lines, one per slope in ∂f(x₀). Your "
                   "line is green and dashed when it supports f, pink and dotted when it does "
                   "not, with × where it rises above f and the gap shaded.")
        alt_text.show(st, about_support)

    frameworks_panel(reveal)

    st.header("The subgradient method")
    st.markdown("Step against a subgradient, $x_{k+1} = x_k - t_k\\,g_k$. At a kink it uses your g "
                "(clipped into ∂f). It is not a descent method: f(x_k) can go up, so we track the "
                "best value so far. A constant step ends up circling the minimum; a shrinking "
                "step 1/k gets there.")
    a, b, c, d = st.columns(4)
    start = link.number("s", "Start of the method", X_LOW, X_HIGH, 2.0, step=0.05, slider=True,
                        where=a, help="Where the iterates x_k begin (k = 0); not the point x₀ above.")
    rule = link.choice("r", "Step rule t_k", STEP_RULES, "constant", widget="radio", where=b,
                       horizontal=True, help="constant: t; 1/k: t/k; 1/sqrt(k): t/√k")
    size = link.number("t", "Step size t", 0.01, 2.0, 0.3, step=0.01, slider=True, where=c)
    steps = link.number("k", "Iterations", 1, 200, 30, integer=True, slider=True, where=d)

    # Kept per values (ui.charts.cache): moving x₀ does not run it again.
    run = cached(subgradient_method, name, start, step_rule=rule, step_size=size,
                 iterations=int(steps), kink_choice=g)
    left, right = st.columns(2)
    about_iterates = alt_text.iterates(run.x, run.f, run.best_f, rule, size)
    plot.chart(left, figures.iterates_figure(xs, fx, run.x, run.f), key="fig_iterates",
               alt=about_iterates.alt)
    alt_text.show(left, about_iterates)
    about_steps = alt_text.values_by_step(run.f, run.best_f)
    plot.chart(right, figures.values_by_step_figure(run.f, run.best_f), key="fig_steps",
               alt=about_steps.alt)
    alt_text.show(right, about_steps)
    gap = ([("Gap to min f", fmt(run.best_f[-1] - entry.minimum_value))]
           if entry.minimum_value is not None else [])
    metric_row([("Last iterate x_k", fmt(run.x[-1])), ("Best f(x_k)", fmt(run.best_f[-1])), *gap])

    if reveal:
        found = supporting_slopes(name, x0, xs)
        check_panel((lo, hi), found, float(np.max(np.abs(np.subtract((lo, hi), found)))),
                    method="supporting-line test of slopes −3 … 3 in steps of 0.01",
                    error_label="Largest endpoint gap", tolerance=0.01,
                    show=lambda ends: interval_text(*ends),
                    components=["lower end of ∂f(x₀)", "upper end of ∂f(x₀)"],
                    error_help="How far the tested interval's ends lie from gradcore's, in the "
                               "units of the slope; the test steps through slopes 0.01 apart, so "
                               "it cannot be closer than that.")

    share_box(link)
