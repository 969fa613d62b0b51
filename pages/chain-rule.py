"""Chain rule: d/dx f(g(x)) = f′(g(x))·g′(x), built step by step as a tiny computation graph."""

import numpy as np
import streamlit as st

from gradcore import ONE_D_KEYS, ExpressionError, gradient_check, relative_error
from gradcore.calculus.chain import chain_rule
from gradcore.expressions.kinks import chain_kink
from gradcore.number_text import fmt
from ui.calculus.widgets import (
    TYPED,
    check_panel,
    function_picker,
    notation_note,
    page_header,
    undefined_here,
)
from ui.charts import plot
from ui.charts.cache import alt_text, figures
from ui.shell import exercise_panel
from ui.shell.lessons import page_frame, stop_page
from ui.shell.state import Link, inert, share_box

X_LOW, X_HIGH = -3.0, 3.0
xs = np.linspace(-4.0, 4.0, 801)

with page_frame("pages/chain-rule.py") as lesson:
    page_header(
        "Chain rule",
        "To differentiate a composition f(g(x)), take the outer derivative at the inner value and "
        "multiply by the inner derivative. For f(u) = u² and g(x) = x + 1 this gives 2(x + 1). "
        "Backpropagation is this rule applied node by node through a network.",
        r"\frac{d}{dx}f(g(x))=f'(g(x))\cdot g'(x)",
    )

    link = Link("chain-rule")
    pick_f, pick_g = st.columns(2)
    with pick_f:
        outer, _ = function_picker(link, ONE_D_KEYS, "square", scope="chain", label="Outer f(u)",
                                   select_key="fn", text_key="f", default_text="u^2",
                                   variable="u")
    with pick_g:
        inner, _ = function_picker(link, ONE_D_KEYS, TYPED, scope="chain", label="Inner g(x)",
                                   select_key="gn", text_key="g", default_text="x + 1")
    try:
        chain = chain_rule(outer, inner)
    except ExpressionError as error:
        st.error(f"These two functions cannot be composed: {inert(error)}")
        link.number("x", "Point x", X_LOW, X_HIGH, 1.0, step=0.05, slider=True)
        share_box(link)
        stop_page(lesson)
    v, u = chain.variable, chain.inner_name
    outer, composite = chain.outer, chain.composite
    for note in chain.notes:
        st.warning(note, icon=":material/info:")

    formulas, right = st.columns(2)
    with formulas:
        st.markdown(f"**The two functions** ({u} = g({v}) names the inner value, as in the "
                    "graph below)")
        st.latex(rf"f({u}) = {outer.latex},\qquad f'({u}) = "
                 rf"{outer.gradient_latex[0] if outer.gradient_latex else '0'}")
        st.latex(rf"g({v}) = {inner.latex},\qquad g'({v}) = {inner.gradient_latex[0]}")
        st.markdown("**The rule, then this f and g put in, then simplified**")
        st.latex(rf"\frac{{d}}{{d{v}}}f(g({v})) = f'(g({v}))\cdot g'({v})")
        st.latex(rf"= {chain.product_latex}")
        st.latex(rf"= {composite.gradient_latex[0]}")
        notation_note([*outer.gradient_latex, *inner.gradient_latex, chain.product_latex,
                       *composite.gradient_latex])
        st.caption(f"The middle line is f′ with {u} = g({v}) put in, times g′({v}), before any "
                   "simplifying; the last line is sympy's derivative of f(g(x)) as one formula. "
                   "Below, both are evaluated and compared.")
    with right:
        x = link.number("x", f"Point {v}", X_LOW, X_HIGH, 1.0, step=0.05, slider=True)

    numbers = kink = None
    try:
        gx = inner.value([x])
        dg = float(inner.gradient([x])[0])
        fg = outer.value([gx])
        df = float(outer.gradient([gx])[0]) if outer.variables else 0.0
        direct = float(composite.gradient([x])[0])
        numbers = gx, dg, fg, df, direct
        kink = chain_kink(outer, inner, composite, x, (v, u))
    except ExpressionError as error:
        if numbers is None:  # an infinite one-sided slope leaves the numbers as they are
            with right:
                undefined_here(error, f"The chain at {v} = {fmt(x)}")

    with right:
        gxs, fgxs = inner.evaluate(xs), composite.evaluate(xs)
        fg_x, slope_x = (numbers[2], numbers[4]) if numbers else (np.nan, np.nan)
        about_composite = alt_text.composite((outer.text, u), (inner.text, v), xs, gxs, fgxs,
                                               x, fg_x, slope_x)
        plot.chart(st, figures.composite_figure(xs, gxs, fgxs, x, fg_x, slope_x, v),
                   key="fig_composite", alt=about_composite.alt)
        alt_text.show(st, about_composite)

    if numbers and not exercise_panel.revealed():
        exercise_panel.hidden("the chain step by step, the computation graph and the check")
    elif numbers:
        gx, dg, fg, df, direct = numbers
        product = df * dg
        st.header(f"Step by step at {v} = {fmt(x)}")
        forward, local, backward = st.columns(3)
        with forward:
            st.markdown("**1 · Forward: values**")
            st.metric(f"{u} = g({v})", fmt(gx))
            st.metric(f"f({u}) = f(g({v}))", fmt(fg))
        with local:
            st.markdown("**2 · Local derivatives**")
            st.metric(f"g′({v})", fmt(dg))
            st.metric(f"f′({u}) = f′(g({v}))", fmt(df), help=f"f′ evaluated at {u} = g({v}) = "
                                                               f"{fmt(gx)}")
        with backward:
            st.markdown("**3 · Multiply (backward)**")
            st.metric(f"f′(g({v}))·g′({v})", fmt(product))
            st.metric(f"Direct d/d{v} f(g({v}))", fmt(direct))
        st.markdown(f"**d/d{v} f(g({v})) at {v} = {fmt(x)}:** f′(g({v})) · g′({v}) = "
                    f"f′({fmt(gx)}) · g′({fmt(x)}) = {fmt(df)} × {fmt(dg)} = **{fmt(product)}**")
        if kink is not None:
            st.info("**The chain rule meets a kink here.**\n"
                    + "\n".join(f"- {inert(line)}" for line in kink.lines),
                    icon=":material/change_history:")

        st.header(f"Computation graph {v} → {u} = g({v}) → f({u})")
        st.caption("Forward pass (left to right): each node's value. Backward pass (right to left): "
                   "start with ∂f/∂f = 1 and multiply by each edge's local derivative.")
        about_graph = alt_text.computation_graph(x, gx, fg, dg, df, (v, u))
        plot.chart(st, figures.computation_graph_figure(x, gx, fg, dg, df, (v, u)),
                   key="fig_graph", alt=about_graph.alt)
        alt_text.show(st, about_graph)

        try:
            check = gradient_check(composite.value, composite.gradient, [x])
            check_panel(product, check.numeric[0], relative_error([product], check.numeric),
                        method="central finite differences of f(g(x)); the direct symbolic "
                               f"derivative is {fmt(direct)} (relative error "
                               f"{relative_error([product], [direct]):.1e} to the product)",
                        components=[f"d/d{v} f(g({v}))"])
        except (ExpressionError, ValueError) as error:
            undefined_here(error, "The finite-difference derivative")

    share_box(link)
