"""The lessons' 2-D charts, drawn with a part of plotly.js instead of all of it.

``st.plotly_chart`` draws with the whole of plotly.js inside Streamlit's chart bundle
(``PlotlyChart.*.js``, 4.7 MB, every trace type plotly has). In Chromium on this machine the
browser's main thread spends 500-900 ms evaluating it on every page load, before the first
chart, and Streamlit 1.67's chart element then draws each chart twice (first hidden, at an
unknown width, then at its column's). That was most of what kept the regression page above 1.3
times a bare Streamlit app's load.

:func:`chart` draws a figure with the smallest of plotly.js's own partial bundles that has all
its trace types (:data:`BUNDLES`: *basic*, scatter, bar and pie, 1.2 MB; *cartesian*, also
contour, heatmap, histograms, box and violin, 1.5 MB; MIT, vendored from the npm packages
``plotly.js-<name>-dist-min`` in ``static/``; evaluating them takes a fifth and a half of the
full library's time), in an ``st.components.v2`` element: each bundle once per page, from a
route of this app that browsers may cache for a year (:func:`routes`), and each chart once. A
figure no bundle draws (a 3-D surface) still goes to ``st.plotly_chart``, so a page that shows
one also loads Streamlit's bundle, as before.

What the element gives a reader is what ``st.plotly_chart`` gave: the figure, named for screen
readers by `alt` (``role="figure"``, ``aria-label``), plotly's tool bar (zoom, pan, reset,
download as PNG), hover, the replay frames; its width follows its column. Fonts and colours are
Streamlit's chart theme in the page's colours (its CSS variables ``--st-font``,
``--st-text-color``, ...), read each time the element is drawn, which Streamlit does again when
the reader switches theme. Only Streamlit's full-screen button is not there. The charts set
their own colours (``ui.charts.palette``); plotly's colour way is that palette, for a trace that
does not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import plotly.io as pio
import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.delta_generator import DeltaGenerator

from ui.charts import palette
from ui.charts.alt_text import CONFIG

PLOTLY_VERSION = "4.1.1"
STATIC = Path(__file__).with_name("static")
COMPONENT = "gradlab_chart"


@dataclass(frozen=True)
class Bundle:
    """One of plotly.js's partial bundles (the npm package ``plotly.js-<name>-dist-min``,
    vendored in ``static/``) and the trace types it draws (its README's list)."""

    name: str
    traces: frozenset[str]

    @property
    def file(self) -> Path:
        return STATIC / f"plotly-{self.name}-{PLOTLY_VERSION}.min.js"

    @property
    def path(self) -> str:
        """Its address under the app's root (the JavaScript puts the root in front)."""
        return f"gradlab-static/{self.file.name}"


BASIC = Bundle("basic", frozenset({"bar", "pie", "scatter"}))
CARTESIAN = Bundle("cartesian", frozenset({
    "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
    "image", "pie", "scatter", "scatterternary", "violin"}))
BUNDLES = (BASIC, CARTESIAN)  # smallest first; each draws what the ones before it draw

# The element's JavaScript. Streamlit runs its default export each time the element is drawn,
# with the data below, and calls the function it returns before the next time. A bundle is
# loaded once per page, one at a time (each sets window.Plotly as it runs), and kept apart from
# the others; a chart is drawn by the smallest bundle it needs unless a larger one it can use is
# on the page or asked for by a chart drawn at the same time, and redrawn with Plotly.react,
# which updates it in place (a step of the run redraws only what changed).
JS = """
const loaded = {};
let queue = Promise.resolve();
function root() {
  const parts = window.location.pathname.replace(/\\/+$/, '').split('/'); parts.pop();
  return (window.__streamlit && window.__streamlit.BACKEND_BASE_URL)
    || (window.location.origin + parts.join('/') + '/');
}
function load(path) {
  if (!loaded[path]) {
    loaded[path] = queue = queue.then(() => new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = root().replace(/\\/?$/, '/') + path;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { delete loaded[path]; reject(new Error('could not load ' + path)); };
      document.head.appendChild(script);
    }));
  }
  return loaded[path];
}
// Charts drawn together ask together: each gets a bundle it accepts that is loaded or loading
// already, else the largest first choice of the batch it accepts (a contour map and a line side
// by side load the cartesian bundle only), else its own first choice.
let batch = [];
function flush() {
  const asked = batch; batch = [];
  const firsts = asked.map(request => request.paths[0]);
  for (const {paths, resolve, reject} of asked) {
    const ready = paths.find(path => loaded[path]);
    const shared = firsts.filter(path => paths.includes(path))
      .sort((a, b) => paths.indexOf(b) - paths.indexOf(a))[0];
    load(ready || shared || paths[0]).then(resolve, reject);
  }
}
function plotly(paths) {
  const ready = paths.find(path => loaded[path]);
  if (ready) return loaded[ready];
  return new Promise((resolve, reject) => {
    if (!batch.length) setTimeout(flush, 0);
    batch.push({paths, resolve, reject});
  });
}
function rgba(hex, alpha, fallback) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec((hex || '').trim());
  return m ? `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`
           : fallback;
}
function merged(defaults, given) {  // `given` over `defaults`, nested objects key by key
  if (given === undefined) return defaults;
  const plain = value => value && typeof value === 'object' && !Array.isArray(value);
  if (!plain(defaults) || !plain(given)) return given;
  const out = Object.assign({}, defaults);
  for (const key of Object.keys(given)) out[key] = merged(defaults[key], given[key]);
  return out;
}
// Streamlit's own chart theme (its PlotlyChart element, 1.67), in the page's colours: small
// faded tick labels, axis titles a little larger, grid lines across only, no zero lines on x,
// margins that grow to fit the labels.
function themed(layout, element) {
  const style = getComputedStyle(element);
  const css = (name, fallback) => (style.getPropertyValue(name) || '').trim() || fallback;
  const text = css('--st-text-color', style.color);
  const faded = css('--st-gray-text-color', text);
  const family = css('--st-font', style.fontFamily);
  const background = css('--st-background-color', '#ffffff');
  const grid = rgba(text, 0.12, 'rgba(128,128,128,0.2)');
  const axis = (standoff, more) => Object.assign({
    automargin: true, gridcolor: grid, zerolinecolor: grid, tickcolor: grid,
    tickfont: {color: faded, size: 12}, title: {font: {color: faded, size: 14}, standoff: standoff},
  }, more);
  const defaults = {
    font: {family: family, color: faded},
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
    colorway: __COLORWAY__,
    margin: {pad: 8},
    legend: {font: {size: 12, color: text}, bordercolor: 'rgba(0,0,0,0)', borderwidth: 0},
    hoverlabel: {bgcolor: background, bordercolor: grid, font: {family: family, color: text, size: 12}},
    modebar: {bgcolor: 'rgba(0,0,0,0)', color: faded, activecolor: text},
  };
  const out = merged(defaults, layout);
  const axes = Object.keys(layout).filter(key => /^[xy]axis[0-9]*$/.test(key));
  for (const key of new Set([...axes, 'xaxis', 'yaxis'])) {
    const defaultsOfAxis = key[0] === 'x' ? axis(20, {showgrid: false, zeroline: false})
                                          : axis(24, {ticklabelposition: 'outside'});
    out[key] = merged(defaultsOfAxis, layout[key]);
  }
  return out;
}
export default function (component) {
  const { parentElement } = component;
  // The payload comes as bytes (the cheapest kind for the server to send): UTF-8 JSON.
  const raw = component.data;
  const data = typeof raw === 'string' ? JSON.parse(raw) : (raw instanceof ArrayBuffer
    || ArrayBuffer.isView(raw)) ? JSON.parse(new TextDecoder().decode(raw)) : raw;
  let chart = parentElement.querySelector('.gradlab-chart');
  if (!chart) {
    chart = document.createElement('div');
    chart.className = 'gradlab-chart';
    chart.setAttribute('role', 'figure');
    chart.style.width = '100%';
    parentElement.appendChild(chart);
  }
  chart.setAttribute('aria-label', data.alt);
  const figure = data.spec;
  let stopped = false, width = 0;
  const resize = new ResizeObserver(() => {  // a column that changed width (not the window)
    const now = parentElement.clientWidth;
    if (!stopped && now && now !== width && chart.plotly) {
      width = now; chart.plotly.Plots.resize(chart);
    }
  });
  plotly(data.bundles).then(Plotly => {
    if (stopped) return;
    if (chart.plotly && chart.plotly !== Plotly) chart.plotly.purge(chart);
    chart.plotly = Plotly;
    return Plotly.react(chart, {data: figure.data, layout: themed(figure.layout, parentElement),
                                config: figure.config, frames: figure.frames || []})
      .then(() => { width = parentElement.clientWidth; resize.observe(parentElement); });
  }).catch(error => { chart.textContent = 'The chart could not be drawn: ' + error.message; });
  return () => { stopped = true; resize.disconnect(); };
}
""".replace("__COLORWAY__", json.dumps(list(palette.SEQUENCE)))

_mount = st.components.v2.component(COMPONENT, js=JS, isolate_styles=False)


def trace_types(figure) -> set[str]:
    """The trace types of `figure` and of its replay frames (plotly's default: scatter)."""
    return _types_in(figure.to_dict())


def _types_in(spec: dict) -> set[str]:
    traces = [*spec.get("data", ()),
              *(trace for frame in spec.get("frames", ()) for trace in frame.get("data", ()))]
    return {trace.get("type", "scatter") for trace in traces}


def bundle_for(figure) -> Bundle | None:
    """The smallest bundle that draws every trace of `figure`; None when none does (a 3-D
    surface: ``st.plotly_chart`` draws it)."""
    return _bundle_of(figure.to_dict())


def _bundle_of(spec: dict) -> Bundle | None:
    types = _types_in(spec)
    return next((bundle for bundle in BUNDLES if types <= bundle.traces), None)


def spec_json(figure, config: dict | None = None) -> str:
    """The figure as the element draws it: traces, layout without plotly's template (the
    element applies the page's theme instead), replay frames and plotly's config."""
    return _json_of(figure.to_dict(), config)


def _json_of(spec: dict, config: dict | None) -> str:
    spec = dict(spec)
    layout = dict(spec.get("layout", {}))
    layout.pop("template", None)
    body = {"data": spec.get("data", []), "layout": layout, "frames": spec.get("frames", []),
            "config": {**CONFIG, "responsive": True, **(config or {})}}
    return pio.to_json(body, validate=False)


_MADE = "_gradlab_chart"  # a figure's (config, bundle, spec JSON bytes), made on its first draw


def _made(figure, config: dict | None) -> tuple[Bundle | None, bytes]:
    """(:func:`bundle_for`, :func:`spec_json` as UTF-8) of `figure`, kept on the figure: the
    lessons' figures come from a cache (ui.charts.cache) and are drawn again at every rerun
    that shows them unchanged."""
    key = json.dumps(config, sort_keys=True) if config else ""
    made = getattr(figure, _MADE, None)
    if made is None or made[0] != key:
        # One to_dict for both (a stepper figure's is rebuilt at every step).
        whole = figure.to_dict()
        bundle = _bundle_of(whole)
        spec = _json_of(whole, config).encode() if bundle is not None else b""
        made = (key, bundle, spec)
        try:
            setattr(figure, _MADE, made)
        except (AttributeError, TypeError, ValueError):  # a figure that takes no attribute
            pass
    return made[1], made[2]


def payload(figure, alt: str, config: dict | None = None) -> bytes | None:
    """What the element is sent for `figure`: UTF-8 JSON ``{"alt", "bundles", "spec"}``
    (``bundles``: the ones that may draw it, smallest first, one already on the page is used
    as is), written around the figure's spec JSON without encoding it again; None when no
    bundle draws it."""
    bundle, spec = _made(figure, config)
    if bundle is None:
        return None
    paths = [b.path for b in BUNDLES[BUNDLES.index(bundle):]]
    head = json.dumps({"alt": alt, "bundles": paths})[:-1].encode()
    return head + b', "spec": ' + spec + b"}"


def chart(where, figure, *, key: str, alt: str, config: dict | None = None) -> None:
    """Draw `figure` in `where` (``st`` or a container) across its width, named `alt`: with
    the smallest of plotly.js's bundles that draws it (:func:`bundle_for`), else with
    ``st.plotly_chart``."""
    data = payload(figure, alt, config)
    if data is None:
        where.plotly_chart(figure, width="stretch", key=key, alt=alt,
                           config={**CONFIG, **(config or {})})
        return
    # Bytes: Streamlit forwards them as they are (a dict would be walked for data frames and
    # written as JSON twice, once for the element and once for its identity).
    if isinstance(where, DeltaGenerator):
        with where:
            _mount(data=data, key=key)
    else:
        _mount(data=data, key=key)


@lru_cache(maxsize=len(BUNDLES))
def _read(file: Path) -> bytes:
    """A bundle's bytes, read once per process (1.2 and 1.5 MB)."""
    return file.read_bytes()


def _bundle_route(prefix: str, bundle: Bundle) -> Route:
    async def serve(request: Request) -> Response:
        # The file name carries the version: a browser may keep it a year without asking.
        return Response(_read(bundle.file), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})

    return Route(f"{prefix}/{bundle.path}", serve, methods=["GET", "HEAD"])


def routes(base_url: str | None = None) -> list[Route]:
    """The bundles' GET/HEAD routes under `base_url` (default: ``server.baseUrlPath``), for
    ``st.App(..., routes=...)`` in app.py."""
    from ui.shell.page_html import route_prefix

    return [_bundle_route(route_prefix(base_url), bundle) for bundle in BUNDLES]
