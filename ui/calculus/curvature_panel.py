"""The Gradients page's curvature part: its controls, the Hessian section and its check.

Shown only while the student turns on "Curvature" (URL key ``curv``), and the 3-D chart only
while "3-D view" is on too (``s3d``), so the page's ordinary interactions do not pay for them
(benchmarks/bench_interactions.py). Toggles rather than lazy expanders: the controls they
reveal (Δ, URL keys ``da`` and ``db``) are in the address whenever they are shown, so a
teacher's link opens the same view, Δ and the 3-D chart included (and a chart's "Numbers
behind this chart" box could not sit inside an expander).

- :func:`controls`: the toggle and Δ, in the page's controls column;
- :func:`curvature`: ``gradcore.curvature_at`` at the point (None where it is undefined,
  with the reason kept for :func:`section`);
- :func:`principal`: the eigen-decomposition of the Hessian in the drawn plane, for the
  contour map (``ui.calculus.gradient_figures.principal_traces``);
- :func:`section`: the Hessian (LaTeX and value), the classification with its reason, the
  3-D surface with the tangent plane and the estimates at p + Δ;
- :func:`check`: the Hessian beside central differences of the exact gradient.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from gradcore import Curvature, Expression, ExpressionError, curvature_at, hessian_check
from gradcore import taylor_estimates as estimate
from gradcore.calculus.curvature import FINITE_DIFFERENCES, HESSIAN_RTOL
from gradcore.number_text import fmt, fmt_vector
from ui.calculus.curvature_figures import GRID, surface_figure, surface_text
from ui.calculus.widgets import check_table, undefined_here
from ui.charts.alt_text import CONFIG, show
from ui.charts.cache import cached
from ui.shell import exercise_panel
from ui.shell.state import Link, inert
from ui.shell.style import metric_row

TOGGLE_LABEL = "Curvature (the Hessian)"
SURFACE_LABEL = "3-D view"
DELTA_LIMIT = 3.0
KIND_WORDS = {"minimum": "a minimum", "maximum": "a maximum", "saddle": "a saddle point",
              "degenerate": "degenerate (the test cannot tell)",
              "not critical": "not a critical point"}


def controls(link: Link, axes: tuple[str, str]) -> tuple[bool, tuple[float, float], bool]:
    """The "Curvature" toggle and, while it is on, Δ along the two drawn axes and the "3-D
    view" toggle: (curvature on, Δ, 3-D view on)."""
    on = link.flag("curv", TOGGLE_LABEL, False, toggle=True,
                   help="Second derivatives: the Hessian at the point, what it says about the "
                        "point, and f as a surface with its tangent plane.")
    if not on:
        return False, (0.0, 0.0), False
    # Off by default like the curvature itself: the 3-D chart is the costliest part of a rerun.
    surface = link.flag("s3d", SURFACE_LABEL, False, toggle=True,
                        help="f as a surface over the drawn plane, its tangent plane at the "
                             "point, ∇f, the normal, and p + Δ with its estimates.")
    left, right = st.columns(2)
    delta = tuple(link.number(key, f"Δ along {axis}", -DELTA_LIMIT, DELTA_LIMIT, default, step=0.05,
                              where=where, help="The step from p to the nearby point p + Δ.")
                  for key, axis, default, where in (("da", axes[0], 0.5, left),
                                                        ("db", axes[1], 0.25, right)))
    return True, delta, surface


def curvature(expression: Expression, point: np.ndarray) -> Curvature | ExpressionError:
    """``curvature_at``, or the ExpressionError that says why it is undefined here."""
    try:
        return curvature_at(expression, point)
    except ExpressionError as error:
        return error


def principal(found: Curvature | ExpressionError, plane: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """(eigenvalues, eigenvectors) of the Hessian's 2 × 2 block for the drawn plane: the
    principal curvature directions of f in that plane. None without a Hessian."""
    if not isinstance(found, Curvature) or found.hessian is None:
        return None
    block = found.hessian.matrix[np.ix_(plane, plane)]
    return tuple(np.linalg.eigh(block))


def directions_sentence(directions: tuple[np.ndarray, np.ndarray],
                        labels: tuple[str, str]) -> str:
    """The caption of the principal directions drawn on the contour map."""
    values, vectors = directions
    said = "; ".join(f"λ{k + 1} = {fmt(values[k])} along ({fmt(vectors[0, k])}, "
                     f"{fmt(vectors[1, k])})" for k in range(len(values)))
    return (f"Dash-dotted lines: the principal curvature directions in the "
            f"({inert(labels[0])}, {inert(labels[1])}) plane, the eigenvectors of the Hessian "
            f"there, labelled with their eigenvalues (f curves up along λ > 0, down along "
            f"λ < 0): {said}.")


def _pmatrix(matrix: np.ndarray) -> str:
    body = r" \\ ".join(" & ".join(fmt(v) for v in row) for row in matrix)
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def _grid(expression: Expression, point: np.ndarray, plane: tuple[int, int],
          half_width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f on GRID × GRID points of the drawn plane around the point (others held there)."""
    i, j = plane
    xs = np.linspace(point[i] - half_width, point[i] + half_width, GRID)
    ys = np.linspace(point[j] - half_width, point[j] + half_width, GRID)
    arrays = [np.full((GRID, GRID), value) for value in point]
    arrays[i], arrays[j] = np.meshgrid(xs, ys)
    return xs, ys, expression.evaluate(*arrays)


def section(expression: Expression, point: np.ndarray, found: Curvature | ExpressionError,
            plane: tuple[int, int], delta: tuple[float, float], half_width: float,
            surface: bool = True) -> None:
    """The Hessian, the classification and the 3-D view (module docstring)."""
    variables = expression.variables
    st.header("Curvature: the Hessian")
    st.caption("The Hessian H holds the second partial derivatives ∂²f/∂xᵢ∂xⱼ. Near the "
               "point, f(p + Δ) ≈ f(p) + ∇f·Δ + ½ΔᵀHΔ; its eigenvalues are the curvatures of f "
               "along its eigenvectors, the principal directions.")
    if isinstance(found, ExpressionError):
        undefined_here(found, "The Hessian")
        return
    if found.hessian is None:
        st.warning(f"**The Hessian does not exist here.** {inert(found.reason)}",
                   icon=":material/change_history:")
        return
    hessian = found.hessian
    symbolic = "H = " + hessian.latex if hessian.latex is not None else ""
    if hessian.latex is None:
        st.caption(hessian.note)
    if not exercise_panel.revealed():
        if symbolic:
            st.latex(symbolic)
        exercise_panel.hidden("The Hessian at the point, its eigenvalues, what they say about "
                              "the point and the 3-D view")
        return
    # One formula element for both (each element is part of every rerun's cost), one line
    # each, so a phone's width (390 px) holds it without scrolling.
    numeric = rf"H{fmt_vector(point)} &= " + _pmatrix(hessian.matrix)
    st.latex(r"\begin{aligned}" + (symbolic.replace("H = ", "H &= ", 1) + r" \\ "
                                    if symbolic else "") + numeric + r"\end{aligned}")
    pairs = "; ".join(f"λ{k + 1} = {fmt(value)} along {fmt_vector(found.eigenvectors[:, k])}"
                      for k, value in enumerate(found.eigenvalues))
    verdict = (f"**The point is {KIND_WORDS[found.kind]}.** {inert(found.reason)}\n\n"
               f"Eigenvalues and eigenvectors (principal directions, in the order "
               f"{inert(', '.join(variables))}): {pairs}.")
    (st.info if found.kind == "not critical" else st.success)(verdict)
    _surface(expression, point, hessian.matrix, plane, delta, half_width, surface)


def _surface(expression: Expression, point: np.ndarray, matrix: np.ndarray,
             plane: tuple[int, int], delta: tuple[float, float], half_width: float,
             drawn: bool) -> None:
    """The estimates at p + Δ and, if `drawn`, the 3-D view of the drawn plane."""
    variables = expression.variables
    i, j = plane
    labels = (variables[i], variables[j])
    step = np.zeros(len(variables))
    step[[i, j]] = delta
    st.subheader("Surface, tangent plane and second-order estimate")
    try:
        found = estimate(expression, point, step, matrix)
    except ExpressionError as error:
        undefined_here(error, "f near the point")
        return
    gradient = expression.gradient(point)
    actual = found.actual
    metric_row([("f(p + Δ)", fmt(actual) if actual is not None else "undefined"),
                ("linear f(p) + ∇f·Δ", fmt(found.linear)),
                ("quadratic, + ½ΔᵀHΔ", fmt(found.quadratic))])
    if actual is not None:
        st.caption(f"Errors against f(p + Δ): linear {fmt(found.linear - actual)}, quadratic "
                   f"{fmt(found.quadratic - actual)}. For a small Δ the linear estimate's error "
                   "shrinks like |Δ|² and the quadratic one's like |Δ|³: halve Δ and compare.")
    if not drawn:
        st.caption(f"Turn on “{SURFACE_LABEL}” above to see f as a surface with its tangent "
                   "plane, the normal, and these three values at p + Δ.")
        return
    xs, ys, z = _grid(expression, point, plane, half_width)
    in_plane = (float(gradient[i]), float(gradient[j]))
    args = (xs, ys, z, (float(point[i]), float(point[j])), found.value, in_plane,
            (float(delta[0]), float(delta[1])), (actual, found.linear, found.quadratic))
    about = cached(surface_text, expression.text, labels, *args[:6],
                   matrix[np.ix_(plane, plane)], *args[6:], held=len(variables) > 2)
    st.plotly_chart(cached(surface_figure, *args, labels), width="stretch", key="fig_surface",
                    alt=about.alt, config=CONFIG)
    show(st, about)


def _names(variables: Sequence[str]) -> list[str]:
    return [f"∂²f/∂{a}∂{b}" if a != b else f"∂²f/∂{a}²" for a in variables for b in variables]


def check(expression: Expression, point: np.ndarray, found: Curvature | ExpressionError) -> None:
    """Under the gradient's check: the Hessian beside central differences of ∇f."""
    if not isinstance(found, Curvature) or found.hessian is None:
        return
    st.subheader("The Hessian beside finite differences of the gradient")
    try:
        result = hessian_check(expression, point, found.hessian)
    except ExpressionError as error:
        undefined_here(error, "The finite-difference Hessian")
        return
    method = ("Independent computation: central differences of the exact gradient, column j "
              "= (∇f(p + hⱼeⱼ) − ∇f(p − hⱼeⱼ)) / (2hⱼ), symmetrised.")
    if found.hessian.method == FINITE_DIFFERENCES:
        method += (" Here the Hessian itself comes from these finite differences (sympy gave "
                   "no second derivatives), so this is no independent check.")
    st.caption(method)
    check_table(_names(expression.variables), result.analytic.ravel(), result.numeric.ravel())
    error = f"{result.relative_error:.2e}"
    if result.passed:
        st.success(f"They agree: the relative error ({error}) is within the tolerance "
                   f"{HESSIAN_RTOL:.0e}.")
    else:
        st.warning(f"They differ by more than the tolerance {HESSIAN_RTOL:.0e} (relative "
                   f"error {error}): f may bend or be very steep near here.")
