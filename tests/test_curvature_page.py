"""The Gradients page's curvature view (AppTest): the 3-D surface in the chart's spec, its
size, the Hessian and its check, Δ from the link, a kink, and the exercise hiding the answer."""


import numpy as np
import pytest

from tests.page_helpers import all_text, charts, metric, open_page, shown
from ui.calculus.curvature_figures import MAX_GRID, MAX_PAYLOAD_BYTES, RESET_LABEL
from ui.charts import alt_text, palette
from ui.shell.exercise_panel import ANSWER_KEY, CHECK_KEY

SADDLE = {"fn": "typed", "f": "x^2 - y^2", "p_x": "0", "p_y": "0", "curv": "true",
          "s3d": "true"}
SURFACE_ALT = "3-D surface of f with its tangent plane at the point"


def chart(at, alt: str):
    """The chart with this accessible name (either kind: tests/page_helpers.charts), or None."""
    return next((c for c in charts(at) if c.alt == alt), None)


def spec(at, alt: str) -> dict:
    return chart(at, alt).spec


def grid_shape(z) -> tuple[int, ...]:
    """The shape of a z array as plotly receives it (a base64 typed array, or nested lists)."""
    if isinstance(z, dict):
        return tuple(int(n) for n in str(z["shape"]).split(","))
    return np.shape(z)


def test_the_page_draws_a_surface_trace_for_a_two_variable_function():
    """x² − y² with the curvature view: a chart whose spec has f's surface and the plane."""
    at = open_page("gradients", **SADDLE)
    figure = spec(at, SURFACE_ALT)
    surfaces = [t for t in figure["data"] if t["type"] == "surface"]
    assert [t["name"] for t in surfaces] == ["f", "tangent plane"]
    assert grid_shape(surfaces[0]["z"])[0] <= MAX_GRID and grid_shape(surfaces[0]["z"])[1] <= MAX_GRID
    names = {t.get("name") for t in figure["data"]}
    assert {"normal to the plane", "point p", "f(p + Δ)", "linear estimate f(p) + ∇f·Δ",
            "quadratic estimate + ½ΔᵀHΔ"} <= names
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert buttons[0]["label"] == RESET_LABEL and buttons[0]["method"] == "relayout"


@pytest.mark.parametrize("query", [
    SADDLE,
    {"curv": "true", "s3d": "true"},  # the article's x² + 2y² + 3z²: a slice of three variables
    {"fn": "typed", "f": "sin(3*x)*cos(2*y)*exp(-x^2/4) + log(1 + x^2 + y^2)", "curv": "true",
     "s3d": "true"},
])
def test_a_surface_figure_stays_under_60_by_60_points_and_400_kb(query):
    """The grid is at most 60 × 60 and the chart's JSON (what the browser receives) at most
    0.4 MB; the sizes are printed (pytest -s) for the closing note."""
    at = open_page("gradients", **query)
    figure = chart(at, SURFACE_ALT)
    z = figure.spec["data"][0]["z"]
    rows, columns = grid_shape(z)
    print(f"surface payload {query.get('f', 'article3d')}: {figure.size} bytes, "
          f"grid {rows}×{columns}")
    assert rows <= MAX_GRID and columns <= MAX_GRID
    assert figure.size <= MAX_PAYLOAD_BYTES


def test_saddle_hessian_classification_and_check():
    """x² − y² at (0, 0): H = diag(2, −2) in LaTeX and at the point, a saddle with its reason,
    and the Hessian's check against differences of the gradient."""
    at = open_page("gradients", **SADDLE)
    latex = " ".join(element.value for element in at.latex)
    assert (r"H &= \begin{pmatrix}2 & 0 \\ 0 & -2\end{pmatrix} \\ "
            r"H(0, 0) &= \begin{pmatrix}2 & 0 \\ 0 & -2\end{pmatrix}") in latex
    verdicts = [shown(s.value) for s in at.success]
    assert any("The point is a saddle point." in v and "both signs (-2, 2)" in v for v in verdicts)
    assert any(v.startswith("They agree") and "1e-05" in v for v in verdicts)
    table = at.dataframe[-1].value.to_pandas() if hasattr(at.dataframe[-1].value, "to_pandas") \
        else at.dataframe[-1].value
    assert list(table["what"]) == ["∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y∂x", "∂²f/∂y²"]


def test_delta_from_the_link_sets_the_estimates():
    """Δ = (1, 0) at (0, 0) of x² − y²: f(p + Δ) = 1, linear 0, quadratic 1 (exact)."""
    at = open_page("gradients", **SADDLE, da="1", db="0")
    assert at.number_input(key="da").value == 1.0
    assert metric(at, "f(p + Δ)") == "1"
    assert metric(at, "linear f(p) + ∇f·Δ") == "0"
    assert metric(at, "quadratic, + ½ΔᵀHΔ") == "1"


def test_principal_directions_are_drawn_on_the_contour_map():
    """x² + 3xy + y²: two dash-dotted lines through the point labelled λ₁ = -1 and λ₂ = 5,
    and a caption that says what they are."""
    at = open_page("gradients", fn="typed", f="x^2 + 3*x*y + y^2", p_x="0", p_y="0",
                   curv="true")
    contour = spec(at, "Contour map of f with the gradient field and the gradient at the point")
    lines = [t for t in contour["data"] if t.get("legendgroup") == "principal"]
    assert [t["text"][1] for t in lines] == ["λ₁ = -1", "λ₂ = 5"]
    assert all(t["line"]["dash"] == "dashdot" for t in lines)
    assert any("principal curvature directions" in shown(c.value) and "λ1 = -1" in shown(c.value)
               for c in at.caption)


def test_principal_direction_colours_keep_3_to_1_on_the_map():
    """The lines' colour on the map's darkest and lightest fill, and their labels' ink."""
    for fill in palette.MAP_FILL:
        assert palette.contrast(palette.FUNCTION, fill) >= palette.MARK_CONTRAST
        assert palette.contrast(palette.INK, fill) >= palette.TEXT_CONTRAST


def test_the_view_is_off_by_default_and_the_toggles_turn_it_on():
    """The plain page has no curvature part, and the curvature part no 3-D chart, until the
    student asks (their cost is paid only then)."""
    at = open_page("gradients", fn="typed", f="x*exp(-x^2 - y^2)")
    assert chart(at, SURFACE_ALT) is None and "Curvature: the Hessian" not in all_text(at)
    at.toggle(key="curv").set_value(True).run()
    assert not at.exception and chart(at, SURFACE_ALT) is None
    assert "The point is not a critical point." in all_text(at)
    assert metric(at, "linear f(p) + ∇f·Δ")
    at.toggle(key="s3d").set_value(True).run()
    assert not at.exception and chart(at, SURFACE_ALT) is not None


def test_at_a_kink_the_page_says_the_hessian_does_not_exist():
    """|x| + y² at (0, 1): no Hessian, no surface, the reason names the kink."""
    at = open_page("gradients", fn="typed", f="abs(x) + y^2", p_x="0", curv="true")
    warnings = " ".join(shown(w.value) for w in at.warning)
    assert "The Hessian does not exist here." in warnings
    assert "Along x, f has a kink here: its slope jumps from -1 to 1" in warnings
    assert chart(at, SURFACE_ALT) is None


def test_three_variables_use_the_slice_and_a_3_by_3_hessian():
    """x² + 2y² + 3z² at (1, 1, 1): H = diag(2, 4, 6); the surface is the (x, y) slice."""
    at = open_page("gradients", curv="true", s3d="true")
    latex = " ".join(element.value for element in at.latex)
    assert r"\begin{pmatrix}2 & 0 & 0 \\ 0 & 4 & 0 \\ 0 & 0 & 6\end{pmatrix}" in latex
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "3-D surface of f = x^2 + 2*y^2 + 3*z^2 for x from -2 to 4" in captions
    assert "the other variables held at the point" in captions


def test_the_surface_has_its_numbers_table():
    """The chart's "Numbers behind this chart" box builds a table of ≤ 200 finite rows."""
    at = open_page("gradients", **SADDLE)
    at.session_state[alt_text.numbers_key(SURFACE_ALT)] = True
    at.run()
    boxes = [e for e in at.expander if e.label == alt_text.EXPANDER_LABEL and e.dataframe]
    frames = [b.dataframe[0].value for b in boxes if "quadratic model" in b.dataframe[0].value]
    assert len(frames) == 1 and 0 < len(frames[0]) <= 200
    assert frames[0].abs().lt(float("inf")).all().all()


def test_the_exercise_hides_the_verdict_until_answered():
    """With hessian-classify open: no classification, no eigenvalues, no principal lines
    until the student answers; the right answer reveals them."""
    at = open_page("gradients", ex="hessian-classify", **SADDLE)
    assert "saddle point" not in " ".join(shown(s.value) for s in at.success)
    assert chart(at, SURFACE_ALT) is None
    contour = spec(at, "Contour map of f with the gradient field and the gradient at the point")
    assert not [t for t in contour["data"] if t.get("legendgroup") == "principal"]
    at.text_input(key=ANSWER_KEY).input("saddle")
    at.button(key=CHECK_KEY).click()
    at.run()
    assert any("The point is a saddle point." in shown(s.value) for s in at.success)
    assert chart(at, SURFACE_ALT) is not None
