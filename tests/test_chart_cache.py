"""The value-keyed cache of chart builders: same values share a result, different ones never."""

import importlib
from pathlib import Path

import numpy as np
import plotly.io
import pytest

from gradcore import kink_at, parse_expression
from ui.calculus import figures
from ui.charts import alt_text
from ui.charts import cache as chart_cache


@pytest.fixture(autouse=True)
def empty_cache():
    chart_cache.clear()
    yield
    chart_cache.clear()


def counting():
    """A builder that returns a new list per call and counts its calls."""
    calls = []

    def build(*args, **kwargs):
        calls.append((args, kwargs))
        return [len(calls)]

    return build, calls


def test_same_values_share_one_result():
    """Equal arrays (different objects), numbers and keywords hit the cache."""
    build, calls = counting()
    first = chart_cache.cached(build, np.linspace(0, 1, 5), 2.0, label="x")
    again = chart_cache.cached(build, np.linspace(0, 1, 5), 2.0, label="x")
    assert again is first and len(calls) == 1


@pytest.mark.parametrize("one, other", [
    (0.0, -0.0),
    (1, 1.0),
    (True, 1),
    (np.float64(2.0), 2.0),
    (np.array([1.0, 2.0]), np.array([1.0, 2.5])),
    (np.array([1.0, 2.0]), np.array([[1.0, 2.0]])),
    (np.array([1, 2]), np.array([1.0, 2.0])),
    (np.array(1.0), np.array([1.0])),
    (("a", None), ("a", 0)),
    ([1.0], (1.0,)),
])
def test_different_values_never_share_a_result(one, other):
    """Values that differ in sign, type, shape, dtype or one element are different keys."""
    build, calls = counting()
    chart_cache.cached(build, one)
    chart_cache.cached(build, other)
    assert len(calls) == 2


def test_a_kink_keys_by_its_fields():
    """A gradcore Kink (a dataclass) is a key by its values; another kink is another key."""
    build, calls = counting()
    f = parse_expression("abs(x)")
    chart_cache.cached(build, kink=kink_at(f, 0.0))
    chart_cache.cached(build, kink=kink_at(f, 0.0))
    chart_cache.cached(build, kink=kink_at(parse_expression("abs(x - 1)"), 1.0))
    assert len(calls) == 2


def test_unknown_argument_types_are_not_cached():
    """An argument the cache cannot key on runs the builder every time."""
    build, calls = counting()
    chart_cache.cached(build, object())
    chart_cache.cached(build, object())
    chart_cache.cached(build, np.array([object()]))
    assert len(calls) == 3


def test_large_arguments_are_not_kept(monkeypatch):
    """Above MAX_ARGUMENT_BYTES of arrays the builder runs each time."""
    monkeypatch.setattr(chart_cache, "MAX_ARGUMENT_BYTES", 80)
    build, calls = counting()
    chart_cache.cached(build, np.zeros(11))
    chart_cache.cached(build, np.zeros(11))
    assert len(calls) == 2


def test_the_cache_is_bounded(monkeypatch):
    """Past MAX_ENTRIES the least recently used entry goes first."""
    monkeypatch.setattr(chart_cache, "MAX_ENTRIES", 2)
    build, calls = counting()
    for value in (1.0, 2.0, 1.0, 3.0, 1.0, 2.0):
        chart_cache.cached(build, value)
    assert [args[0] for args, _ in calls] == [1.0, 2.0, 3.0, 2.0]


def test_the_byte_budget_drops_old_entries(monkeypatch):
    """Entries are weighed by their arrays; past MAX_BYTES the oldest are dropped."""
    monkeypatch.setattr(chart_cache, "ENTRY_OVERHEAD", 0)
    monkeypatch.setattr(chart_cache, "MAX_BYTES", 2 * chart_cache.ENTRY_FACTOR * 80)
    build, calls = counting()
    for value in (1.0, 2.0, 3.0, 1.0):
        chart_cache.cached(build, np.full(10, value))
    assert len(calls) == 4


def test_cached_module_gives_the_builders_figure_and_passes_the_rest():
    """figures.derivative_figure through the cache draws what the builder draws; helpers and
    constants are the module's own."""
    xs = np.linspace(-2, 2, 41)
    direct = figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0, (1.5, 2.25))
    shared = chart_cache.figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0, (1.5, 2.25))
    assert plotly.io.to_json(shared) == plotly.io.to_json(direct)
    assert chart_cache.figures.derivative_figure(xs, xs**2, 1.0, 1.0, 2.0, (1.5, 2.25)) is shared
    assert chart_cache.figures.line_through is figures.line_through
    assert chart_cache.alt_text.show is alt_text.show  # the kit's, passed through


def test_every_cached_name_is_a_builder_that_a_page_calls():
    """Each name in CACHED is a function of its module and some page calls it through the
    cache (``<module>.<name>(``): a builder no page uses any more is dead code, not a cache
    entry."""
    root = Path(__file__).resolve().parents[1]
    pages = " ".join(path.read_text(encoding="utf-8") for path in (root / "pages").glob("*.py"))
    for module_name, names in chart_cache.CACHED.items():
        module = importlib.import_module(module_name)
        short = module_name.rsplit(".", 1)[1]
        for name in names:
            assert callable(getattr(module, name, None)), (module_name, name)
            assert f"{short}.{name}(" in pages, (module_name, name)
