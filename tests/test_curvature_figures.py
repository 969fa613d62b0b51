"""ui.calculus.curvature_figures and the principal directions on the contour map: specs plotly accepts
as they are, the geometry drawn, and the text alternative of the 3-D chart."""

import json

import numpy as np
import plotly.io as pio
import pytest

from ui.calculus.curvature_figures import (
    CAMERA,
    GRID,
    plane_values,
    surface_figure,
    surface_text,
)
from ui.calculus.gradient_figures import contour_gradient_figure

XS = np.linspace(-2.0, 3.0, GRID)
YS = np.linspace(-3.0, 2.0, GRID)
Z = XS[None, :] ** 2 - YS[:, None] ** 2
POINT, VALUE, GRADIENT = (0.5, -0.5), 0.0, (1.0, 1.0)
HESSIAN = np.array([[2.0, 0.0], [0.0, -2.0]])


def figures():
    return {
        "surface": surface_figure(XS, YS, Z, POINT, VALUE, GRADIENT, (0.5, 0.25),
                                  (0.1875, 0.75, 0.1875), ("x", "y")),
        "surface, p + Δ undefined, flat point": surface_figure(
            XS, YS, Z, POINT, VALUE, (0.0, 0.0), (0.5, 0.25), (None, 0.0, 0.1875), ("a", "b")),
        "contour with principal directions": contour_gradient_figure(
            XS, YS, Z, (XS[::8], YS[::8], XS[::8], YS[::8]), POINT, GRADIENT, (1.0, 0.0),
            ("x", "y"), (np.array([-2.0, 2.0]), np.array([[0.0, 1.0], [1.0, 0.0]]))),
    }


@pytest.mark.parametrize("name", list(figures()))
def test_plotly_validates_each_figure_to_the_same_json(name):
    """Nothing in the plain spec is unknown to plotly or coerced by it."""
    fig = figures()[name]
    plain = json.loads(pio.to_json(fig.to_dict(), validate=False))
    validated = json.loads(pio.to_json(fig.checked()))
    different = [(i, key) for i, (a, b) in enumerate(zip(plain["data"], validated["data"],
                                                           strict=True))
                 for key in set(a) | set(b) if a.get(key) != b.get(key)]
    different += [key for key in set(plain["layout"]) | set(validated["layout"])
                  if plain["layout"].get(key) != validated["layout"].get(key)]
    different += sorted(set(plain) ^ set(validated))
    assert not different, different


def _trace(fig, name):
    return next(t for t in fig.to_dict()["data"] if t.get("name") == name)


def test_the_normal_is_perpendicular_to_the_plane_as_drawn():
    """In the cube the axes are scaled to, the normal is orthogonal to both plane directions."""
    fig = figures()["surface"]
    layout = fig.to_dict()["layout"]["scene"]
    ranges = [np.ptp(layout[axis]["range"]) for axis in ("xaxis", "yaxis")]
    normal = _trace(fig, "normal to the plane")
    vector = np.array([normal["x"][1] - normal["x"][0], normal["y"][1] - normal["y"][0],
                       normal["z"][1] - normal["z"][0]])
    z_range = float(np.ptp([*Z.ravel(), VALUE, 0.75, 0.1875]))
    shown = vector / np.array([ranges[0], ranges[1], z_range])
    along_x = np.array([1.0 / ranges[0], 0.0, GRADIENT[0] / z_range])
    along_y = np.array([0.0, 1.0 / ranges[1], GRADIENT[1] / z_range])
    assert abs(shown @ along_x) <= 1e-12 and abs(shown @ along_y) <= 1e-12


def test_gradient_is_drawn_on_the_floor_and_lifted_onto_the_plane():
    """The floor arrow stays at one height; the lifted one rises by ∇f·d along the plane."""
    fig = figures()["surface"]
    floor = _trace(fig, "∇f (in the x-y plane)")
    lifted = _trace(fig, "∇f lifted onto the plane")
    assert floor["z"][0] == floor["z"][1] < Z.min()
    d = np.array([lifted["x"][1] - POINT[0], lifted["y"][1] - POINT[1]])
    assert lifted["z"][1] - lifted["z"][0] == pytest.approx(float(np.dot(GRADIENT, d)), rel=1e-12)
    assert d[0] * GRADIENT[1] - d[1] * GRADIENT[0] == pytest.approx(0.0, abs=1e-12)  # along ∇f


def test_reset_button_restores_the_starting_camera():
    """The one updatemenus button relayouts scene.camera to CAMERA, the figure's own camera."""
    layout = figures()["surface"].to_dict()["layout"]
    assert layout["scene"]["camera"] == CAMERA
    assert layout["updatemenus"][0]["buttons"][0]["args"] == [{"scene.camera": CAMERA}]


def test_without_a_gradient_or_f_at_p_plus_delta_those_marks_are_left_out():
    """A flat point draws no gradient arrows; an undefined f(p + Δ) no marker for it."""
    names = {t.get("name") for t in figures()["surface, p + Δ undefined, flat point"].to_dict()["data"]}
    assert "f(p + Δ)" not in names and "∇f (in the x-y plane)" not in names
    assert "quadratic estimate + ½ΔᵀHΔ" in names


def test_text_alternative_names_the_plane_and_the_estimates_and_tabulates_the_models():
    """The sentence gives the plane's equation, the normal and the three values at p + Δ; the
    table gives f, the plane and the quadratic model on ≤ 200 grid points."""
    text = surface_text("x^2 - y^2", ("x", "y"), XS, YS, Z, POINT, VALUE, GRADIENT, HESSIAN,
                        (0.5, 0.25), (0.1875, 0.75, 0.1875))
    assert "z = 0 + 1·(x − 0.5) + 1·(y + 0.5)" in text.sentence
    assert "its normal is (-1, -1, 1)" in text.sentence
    assert "f = 0.1875, the linear estimate 0.75, the quadratic estimate 0.1875" in text.sentence
    assert list(text.table.columns) == ["x", "y", "value of f", "tangent plane",
                                        "quadratic model"]
    assert 0 < len(text.table) <= 200
    # f is itself quadratic here, so its quadratic model about p is f everywhere
    np.testing.assert_allclose(text.table["quadratic model"], text.table["value of f"],
                               atol=1e-12)


def test_plane_values_are_the_first_and_second_order_models():
    """f(p) + g·d, and + ½dᵀHd, on the grid."""
    plane = plane_values(np.array([1.0, 2.0]), np.array([0.0]), (1.0, 0.0), 3.0, (2.0, -1.0))
    np.testing.assert_allclose(plane, [[3.0, 5.0]])
    model = plane_values(np.array([2.0]), np.array([1.0]), (1.0, 0.0), 0.0, (0.0, 0.0),
                         np.array([[2.0, 1.0], [1.0, 4.0]]))
    np.testing.assert_allclose(model, [[0.5 * (2.0 + 2 * 1.0 + 4.0)]])
