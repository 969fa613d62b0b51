"""The chart builders, each kept per argument values: a figure is built once per inputs.

Building a figure and its text alternative is a large part of a calculus page's rerun. Each
builder of those pages (:mod:`ui.calculus.figures`, :mod:`ui.calculus.gradient_figures` and their
:mod:`ui.charts.alt_text` sentences) is a pure function of its arguments, so its result can be
shared: by a later rerun that asks for the same view (a slider moved back, a
step back), by the charts a click does not change (the subgradient method's plots when the
candidate g moves), and by every student of a class who opens the teacher's link.

Pages import the modules from here instead of from ``ui``::

    from ui.charts.cache import alt_text, figures

and call them as before. Each name listed in ``CACHED`` goes through :func:`cached`; every
other attribute (constants, ``alt_text.show``, small geometry helpers) is the module's own.
:func:`cached` also keeps two other pure computations that a rerun would repeat: the
Subgradients page's subgradient method and the 601 supporting-line tests of its check panel.

Keys are values, never joined strings (STYLE 16): an array counts by its dtype, shape and a
blake2b digest of its bytes; a number by its type and exact value (0.0 and -0.0, 1 and 1.0
differ); tuples, lists, dicts and dataclasses (``gradcore.Kink``) by their parts; the builder
by the function object itself, so a module reloaded in development starts afresh. An argument
of any other type is not cached (the builder simply runs). The cache is bounded per process:
``MAX_ENTRIES`` results and about ``MAX_BYTES`` (each entry weighed by the arrays it was given),
least recently used dropped first. The results are shared read-only: ``st.plotly_chart`` and
``st.dataframe`` copy what they send, and nothing else touches them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

MAX_ENTRIES = 256
# Bytes of array arguments per entry and in all: a figure holds about what it was given (a
# few copies of it: a tangent, a fan of lines), so each entry counts ENTRY_FACTOR times its
# arguments' arrays plus ENTRY_OVERHEAD; results of more than MAX_ARGUMENT_BYTES of arguments
# (a long run's coefficient paths) are not kept, and their arguments are not even hashed.
MAX_BYTES = 64 * 2**20
MAX_ARGUMENT_BYTES = 4 * 2**20
ENTRY_FACTOR = 4
ENTRY_OVERHEAD = 64 * 2**10

CACHED = {
    "ui.calculus.figures": (
        "derivative_figure", "derivative_curve_figure", "subgradient_figure", "iterates_figure",
        "values_by_step_figure", "composite_figure", "computation_graph_figure",
    ),
    "ui.calculus.gradient_figures": ("contour_gradient_figure", "directional_figure"),
    "ui.calculus.alt_text": (
        "derivative", "derivative_curve", "contour_map", "directional", "support", "iterates",
        "values_by_step", "composite", "computation_graph",
    ),
}

_entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
_lock = threading.Lock()
_total = 0


class Uncacheable(TypeError):
    """An argument whose value this cache cannot key on."""


def array_bytes(value: Any) -> int:
    """Bytes of the numpy arrays in `value` (through tuples, lists, dicts and dataclasses)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(array_bytes(item) for item in value)
    if isinstance(value, dict):
        return sum(array_bytes(item) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(array_bytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def value_key(value: Any) -> Hashable:
    """A hashable key equal for equal values and different for different ones (see above)."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise Uncacheable("an array of Python objects")
        data = np.ascontiguousarray(value).view(np.uint8).reshape(-1)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        return ("array", value.dtype.str, value.shape, digest)
    if isinstance(value, float | np.floating):
        return (type(value).__qualname__, float(value).hex())
    if value is None or isinstance(value, str | bool | int | np.integer | np.bool_):
        return (type(value).__qualname__, value)
    if isinstance(value, tuple | list):
        return (type(value).__qualname__, tuple(value_key(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((value_key(k), value_key(v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__module__, type(value).__qualname__,
                tuple(value_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise Uncacheable(f"a {type(value).__qualname__}")


def cached(builder: Callable, *args, **kwargs):
    """``builder(*args, **kwargs)``, from the cache when the same builder had the same values."""
    given = array_bytes((args, kwargs))
    if given > MAX_ARGUMENT_BYTES:
        return builder(*args, **kwargs)
    try:
        key = (builder, value_key(args), value_key(kwargs))
    except Uncacheable:
        return builder(*args, **kwargs)
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            return entry[0]
    result = builder(*args, **kwargs)
    _keep(key, result, ENTRY_FACTOR * given + ENTRY_OVERHEAD)
    return result


def _keep(key: Hashable, result: Any, weight: int) -> None:
    global _total
    with _lock:
        if key in _entries:
            return
        _entries[key] = (result, weight)
        _total += weight
        while len(_entries) > MAX_ENTRIES or _total > MAX_BYTES:
            _, (_, dropped) = _entries.popitem(last=False)
            _total -= dropped


def clear() -> None:
    """Forget every cached result (tests and benchmarks)."""
    global _total
    with _lock:
        _entries.clear()
        _total = 0


class _CachedModule:
    """A module whose builders named in CACHED go through :func:`cached`."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._builders = frozenset(CACHED[name])

    def __getattr__(self, attribute: str):
        # Looked up on every use, so a module reloaded in development is the one called.
        value = getattr(importlib.import_module(self._name), attribute)
        if attribute not in self._builders:
            return value

        def build(*args, **kwargs):
            return cached(value, *args, **kwargs)

        build.__name__ = build.__qualname__ = attribute
        build.__doc__ = value.__doc__
        return build

    def __repr__(self) -> str:
        return f"<{self._name}, builders cached by value>"


figures = _CachedModule("ui.calculus.figures")
gradient_figures = _CachedModule("ui.calculus.gradient_figures")
alt_text = _CachedModule("ui.calculus.alt_text")
