"""Charts drawn with plotly.js's partial bundles (ui/charts/plot.py): which bundle draws which
figure, what the element is sent, and the bundles' route. tests/e2e/test_basic_charts.py draws
them in Chromium."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest
from starlette.routing import Router
from streamlit.testing.v1 import AppTest

from tests.page_helpers import charts
from tests.test_page_html import _get
from ui.charts import palette, plot
from ui.charts.spec import Figure


def _figure(*types: str, frames: tuple[dict, ...] = ()) -> Figure:
    traces = [{"type": kind, "x": np.arange(3.0), "y": np.arange(3.0) ** 2} for kind in types]
    return Figure(traces, {"height": 300, "xaxis": {"title": {"text": "x"}}}, frames)


@pytest.mark.parametrize(("types", "bundle"), [
    (("scatter",), "basic"), (("scatter", "bar"), "basic"), (("pie",), "basic"),
    (("scatter", "contour"), "cartesian"), (("heatmap",), "cartesian"),
    (("histogram", "box"), "cartesian"), (("surface",), None), (("contour", "scatter3d"), None),
])
def test_a_figure_gets_the_smallest_bundle_that_draws_it(types, bundle):
    found = plot.bundle_for(_figure(*types))
    assert (found.name if found else None) == bundle


def test_a_trace_without_a_type_is_a_scatter_and_frames_count_too():
    assert plot.bundle_for(Figure([{"x": [1, 2], "y": [3, 4]}], {})) is plot.BASIC
    assert plot.bundle_for(Figure([], {"annotations": [{"text": "a graph"}]})) is plot.BASIC
    contour_frame = {"name": "k1", "data": [{"type": "contour", "z": [[1, 2], [3, 4]]}]}
    assert plot.bundle_for(_figure("scatter", frames=(contour_frame,))) is plot.CARTESIAN


def test_each_bundle_draws_what_the_smaller_ones_draw():
    for smaller, larger in zip(plot.BUNDLES, plot.BUNDLES[1:], strict=False):
        assert smaller.traces < larger.traces


def test_the_spec_is_the_figure_without_plotlys_template():
    """Traces, frames and layout as the figure has them; no template (the element themes the
    chart from the page); plotly's config without the logo and following its column."""
    frame = {"name": "k1", "traces": [0], "data": [{"type": "scatter", "y": [1, 1, 1]}]}
    figure = _figure("scatter", "bar", frames=(frame,))
    spec = json.loads(plot.spec_json(figure))
    expected = json.loads(pio.to_json(figure.to_dict(), validate=False))
    assert spec["data"] == expected["data"]
    assert spec["frames"] == expected["frames"]
    assert "template" not in spec["layout"] and "template" in expected["layout"]
    assert spec["layout"] == {k: v for k, v in expected["layout"].items() if k != "template"}
    assert spec["config"] == {"displaylogo": False, "responsive": True}
    assert json.loads(plot.spec_json(figure, {"scrollZoom": True}))["config"]["scrollZoom"]


def test_the_spec_is_written_by_orjson_with_the_same_values():
    """plotly.io picks orjson when it is installed (requirements.txt): a lesson chart's spec
    in a quarter of the time of plotly's own encoder, at every slider move. orjson writes text
    as UTF-8 where the json engine escapes it, and a float32 at its own precision; the values
    plotly.js reads are the same (NaN and infinities as null, as before)."""
    values = [0.1 + 0.2, -0.0, 1e-320, 1e300, np.nan, np.inf, np.int64(3), None, "é <b>"]
    figure = Figure([{"type": "scatter", "x": [0, 1, 2, 3, 4, 5, 6, 7, 8], "y": values,
                      "name": "θ₀ at x₀"}], {"title": {"text": "f′(x)"}})
    spec = plot.spec_json(figure)
    assert '"θ₀ at x₀"' in spec and "f′(x)" in spec  # orjson: text as UTF-8, not \u escapes
    assert "<b>" not in spec  # plotly escapes markup in both engines
    by_json = pio.to_json(figure.to_dict(), validate=False, engine="json")
    assert json.loads(spec)["data"] == json.loads(by_json)["data"]
    assert json.loads(spec)["data"][0]["y"][4:6] == [None, None]


def _page():
    import streamlit as st

    from ui.charts import plot
    from ui.charts.spec import Figure

    line = Figure([{"type": "scatter", "x": [0, 1], "y": [1, 0], "name": "line"}], {})
    contour = Figure([{"type": "contour", "z": [[1, 2], [3, 4]]}], {})
    surface = Figure([{"type": "surface", "z": [[1, 2], [3, 4]]}], {})
    plot.chart(st, line, key="fig_line", alt="A falling line")
    left, right = st.columns(2)
    plot.chart(left, contour, key="fig_map", alt="A contour map")
    plot.chart(right, surface, key="fig_surface", alt="A surface")


def test_2d_figures_go_to_the_element_and_3d_ones_to_streamlits_chart():
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception, at.exception
    found = charts(at)
    assert [(c.key, c.kind, c.alt) for c in found] == [
        ("fig_line", "basic", "A falling line"), ("fig_map", "basic", "A contour map"),
        ("fig_surface", "plotly", "A surface")]
    assert found[0].spec["data"][0]["name"] == "line"
    assert found[1].spec["data"][0]["type"] == "contour"
    line, contour = at.get("bidi_component")
    assert line.proto.component_name == contour.proto.component_name == plot.COMPONENT
    assert line.proto.isolate_styles is False  # plotly's own CSS must reach the chart
    # The bundles that may draw it, smallest first (one already on the page is used).
    assert json.loads(line.proto.bytes)["bundles"] == [b.path for b in plot.BUNDLES]
    assert json.loads(contour.proto.bytes)["bundles"] == [plot.CARTESIAN.path]


def test_the_script_loads_bundles_from_the_apps_root_and_uses_the_palette():
    assert json.dumps(list(palette.SEQUENCE)) in plot.JS and "__COLORWAY__" not in plot.JS
    assert "BACKEND_BASE_URL" in plot.JS  # the lessons' HTML names the server's address
    assert "role', 'figure'" in plot.JS and "aria-label" in plot.JS


@pytest.mark.parametrize("bundle", plot.BUNDLES, ids=lambda b: b.name)
def test_each_bundle_is_plotlys_build_of_the_named_version(bundle):
    """The vendored file is plotly.js's own partial build of that name and version, and
    draws the trace types its README lists (the file names them as its modules)."""
    text = bundle.file.read_text(encoding="utf-8")
    assert f"plotly.js ({bundle.name} - minified) v{plot.PLOTLY_VERSION}" in text[:200]
    assert plot.PLOTLY_VERSION in bundle.path and bundle.path.endswith(bundle.file.name)
    assert (plot.STATIC / "LICENSE-plotly.js.txt").read_text().startswith("MIT License")


@pytest.mark.parametrize("base", ["", "app/"])
def test_the_routes_serve_the_bundles_for_a_year(base):
    router = Router(routes=plot.routes(base))
    prefix = "/app" if base else ""
    for bundle in plot.BUNDLES:
        status, headers, body = _get(router, f"{prefix}/{bundle.path}")
        assert status == 200
        assert headers["content-type"].startswith("text/javascript")
        assert "immutable" in headers["cache-control"]
        assert "max-age=31536000" in headers["cache-control"]
        assert body == bundle.file.read_bytes()
    assert _get(router, f"{prefix}/gradlab-static/other.js")[0] == 404


def test_the_payload_is_the_spec_with_its_name_and_bundles_made_once_per_figure():
    figure = _figure("scatter")
    sent = json.loads(plot.payload(figure, 'a "quoted" name'))
    assert sent == {"alt": 'a "quoted" name', "bundles": [b.path for b in plot.BUNDLES],
                    "spec": json.loads(plot.spec_json(figure))}
    first = figure._gradlab_chart
    plot.payload(figure, "another name")
    assert figure._gradlab_chart is first  # the spec is not made again
    zoom = json.loads(plot.payload(figure, "x", {"scrollZoom": True}))
    assert zoom["spec"]["config"]["scrollZoom"] is True
    assert plot.payload(_figure("surface"), "a surface") is None
