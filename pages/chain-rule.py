"""Chain rule: d/dx f(g(x)) = f′(g(x))·g′(x), built step by step as a tiny computation graph."""

import numpy as np
import streamlit as st

from gradcore import ONE_D_KEYS, ExpressionError, gradient_check, relative_error
from ui.chart_cache import chart_text, figures
from ui.lessons import page_frame
from ui.state import Link, inert, share_box
from ui.widgets import TYPED, check_panel, fmt, function_picker, page_header, undefined_here

X_LOW, X_HIGH = -3.0, 3.0
xs = np.linspace(-4.0, 4.0, 801)

with page_frame("pages/chain-rule.py"):
    page_header(
        "Chain rule",
        "To differentiate a composition f(g(x)), take the outer derivative at the inner value and "
        "multiply by the inner derivative. For f(u) = u² and g(x) = x + 1 this gives 2(x + 1). "
        "Backpropagation is this rule applied node by node through a network.",
        r"\frac{d}{dx}f(g(x))=f'(g(x))\cdot g'(x)",
    )

    link = Link("chain-rule")
    pick_f, pick_g, pick_x = st.columns(3)
    with pick_f:
        outer, _ = function_picker(link, ONE_D_KEYS, "square", scope="chain", label="Outer f",
                                   select_key="fn", text_key="f", default_text="x^2")
    with pick_g:
        inner, _ = function_picker(link, ONE_D_KEYS, TYPED, scope="chain", label="Inner g",
                                   select_key="gn", text_key="g", default_text="x + 1")
    with pick_x:
        x = link.number("x", "Point x", X_LOW, X_HIGH, 1.0, step=0.05, slider=True)

    u, v = outer.variables[0], inner.variables[0]
    try:
        composite = outer.compose(inner)
    except ExpressionError as error:
        st.error(f"These two functions cannot be composed: {inert(error)}")
        share_box(link)
        st.stop()

    left, right = st.columns(2)
    with left:
        st.latex(rf"f({u}) = {outer.latex},\qquad f'({u}) = {outer.gradient_latex[0]}")
        st.latex(rf"g({v}) = {inner.latex},\qquad g'({v}) = {inner.gradient_latex[0]}")
        st.latex(rf"\frac{{d}}{{d{v}}}f(g({v})) = {composite.gradient_latex[0]}")
        st.caption("The last line is the direct symbolic derivative of the composite (sympy), "
                   "not the product; below, both are evaluated and compared.")

    numbers = None
    try:
        gx = inner.value([x])
        dg = float(inner.gradient([x])[0])
        fg = outer.value([gx])
        df = float(outer.gradient([gx])[0])
        direct = float(composite.gradient([x])[0])
        numbers = gx, dg, fg, df, direct
    except ExpressionError as error:
        with right:
            undefined_here(error, f"The chain at x = {fmt(x)}")

    with right:
        gxs, fgxs = inner.evaluate(xs), composite.evaluate(xs)
        about_composite = chart_text.composite(
            (outer.text, u), (inner.text, v), xs, gxs, fgxs, x,
            numbers[2] if numbers else np.nan, numbers[4] if numbers else np.nan)
        st.plotly_chart(figures.composite_figure(
            xs, gxs, fgxs, x,
            numbers[2] if numbers else np.nan, numbers[4] if numbers else np.nan),
            width="stretch", key="fig_composite", alt=about_composite.alt,
            config=chart_text.CONFIG)
        chart_text.show(st, about_composite)

    if numbers:
        gx, dg, fg, df, direct = numbers
        product = df * dg
        st.header(f"Step by step at x = {fmt(x)}")
        forward, local, backward = st.columns(3)
        with forward:
            st.markdown("**1 · Forward: values**")
            st.metric("g(x)", fmt(gx))
            st.metric("f(g(x))", fmt(fg))
        with local:
            st.markdown("**2 · Local derivatives**")
            st.metric("g′(x)", fmt(dg))
            st.metric("f′(g(x))", fmt(df), help=f"f′ evaluated at u = g(x) = {fmt(gx)}")
        with backward:
            st.markdown("**3 · Multiply (backward)**")
            st.metric("f′(g(x))·g′(x)", fmt(product))
            st.metric("Direct d/dx f(g(x))", fmt(direct))
        st.markdown(f"**d/dx f(g(x)) at x = {fmt(x)}:** f′(g(x)) · g′(x) = f′({fmt(gx)}) · "
                    f"g′({fmt(x)}) = {fmt(df)} × {fmt(dg)} = **{fmt(product)}**")

        st.header("Computation graph x → g → f")
        st.caption("Forward pass (left to right): each node's value. Backward pass (right to left): "
                   "start with ∂f/∂f = 1 and multiply by each edge's local derivative.")
        about_graph = chart_text.computation_graph(x, gx, fg, dg, df)
        st.plotly_chart(figures.computation_graph_figure(x, gx, fg, dg, df), width="stretch",
                        key="fig_graph", alt=about_graph.alt, config=chart_text.CONFIG)
        chart_text.show(st, about_graph)

        try:
            check = gradient_check(composite.value, composite.gradient, [x])
            check_panel(product, check.numeric[0], relative_error([product], check.numeric),
                        method="central finite differences of f(g(x)); the direct symbolic "
                               f"derivative is {fmt(direct)} (relative error "
                               f"{relative_error([product], [direct]):.1e} to the product)")
        except (ExpressionError, ValueError) as error:
            undefined_here(error, "The finite-difference derivative")

    share_box(link)
