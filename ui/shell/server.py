"""Process-level set-up of the server: what must hold before any student's request arrives.

After a server restart (a redeploy, a crash, a replica replaced) every open tab reconnects to
a new, empty session. The regression stepper is an ``st.fragment``; a click on its buttons
asks the server to rerun that fragment, which the new session has never run, and Streamlit
1.67 drops such a request with only a log line ("The fragment with id ... does not exist
anymore"): the buttons did nothing until the student reloaded. :func:`rerun_whole_page_for_lost_fragments`
turns such a request into a rerun of the whole page (with the same click), which rebuilds the
fragment. It has to be installed at start-up, before that first click: hence the ``st.App``
lifespan hook in ``app.py``.

At the same start-up :func:`reuse_theme_messages` makes the theme part of the ``new_session``
message (sent at every run) once per configuration instead of at every run.

Memory that comes back: ``.streamlit/config.toml`` turns off Streamlit's full collection after
every script run (``runner.postScriptGC``: 120-140 ms holding the GIL with sympy, plotly,
pandas and scikit-learn loaded). Python's own collector then almost never runs its oldest
generation: that happens when the objects that survived since the last one reach a quarter of
the 200,000 objects the imports made, while a 256 MB table caught in a reference cycle counts as a
handful of objects. So at start-up :func:`freeze_start_up_objects` imports the heavy modules
and moves everything they made into the permanent generation (``gc.freeze``), which no
collection scans again, and :class:`Collector`, a daemon thread, runs ``gc.collect()`` off
the request path when the process's resident memory has grown by ``GC_GROWTH_MB`` since the
last collection, or ``GC_MAX_SECONDS`` after it (both from the environment, see there). Every
check it also drops the regression store's large entries nobody has used for a while
(``ui.regression.byte_store.IDLE_SECONDS``) and collects at once when that freed any, so the
memory of a class that has left comes back within a minute.
``benchmarks/bench_gc.py`` measures a collection with and without the freeze;
``benchmarks/bench_memory.py`` the resident memory over a class's datasets.

Memory that the collector freed must also leave the process. glibc's malloc serves an array
below its mmap threshold from a heap arena, and that threshold grows (up to 32 MB) each time a
larger mapped block is freed, so after the first large table the 4,096-row blocks and the
per-step arrays of every table came from arenas, one per script thread, that kept their
freed pages: a heavy class's resident memory swung by hundreds of MB with no leak.
:func:`tune_malloc` (at start-up, ``GRADLAB_MALLOC_TUNE=0`` turns it off) fixes the threshold
at ``MMAP_THRESHOLD_KB`` (a block that size or larger is mapped, and unmapped when freed) and
caps the arenas at ``MALLOC_ARENAS``; after each collection the collector thread calls
``malloc_trim(0)``, which returns the arenas' free pages to the system (with the GIL
released: ctypes lets go of it during the call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import logging
import os
import pkgutil
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

from streamlit import config
from streamlit.runtime import app_session
from streamlit.runtime.app_session import AppSession

from ui.shell import class_mode

_LOGGER = logging.getLogger("gradlab")

# What every lesson imports: made once at start-up, then frozen (never scanned again).
START_UP_MODULES = ("numpy", "pandas", "pyarrow", "sympy", "plotly.graph_objects", "plotly.io",
                    "sklearn.linear_model", "gradcore", "ui")
# A full collection once the resident memory has grown by this much since the last one (a
# 1e6 x 10 problem is 256 MB: one such table in a cycle is found before the next is built) ...
GC_GROWTH_MB = float(os.environ.get("GRADLAB_GC_GROWTH_MB", "64"))
# ... and in any case this long after the last one; 0 turns the collector thread off.
GC_MAX_SECONDS = float(os.environ.get("GRADLAB_GC_MAX_SECONDS", "30"))
# How often the thread reads the resident memory (a read of /proc/self/statm: microseconds).
GC_CHECK_SECONDS = float(os.environ.get("GRADLAB_GC_CHECK_SECONDS", "1"))
# "0" leaves the start-up objects unfrozen (to measure what the freeze buys).
GC_FREEZE = os.environ.get("GRADLAB_GC_FREEZE", "1") != "0"
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# glibc's malloc (see the module's docstring); "0" leaves it as glibc sets it.
MALLOC_TUNE = os.environ.get("GRADLAB_MALLOC_TUNE", "1") != "0"
MMAP_THRESHOLD_KB = int(os.environ.get("GRADLAB_MMAP_THRESHOLD_KB", "256"))
MALLOC_ARENAS = int(os.environ.get("GRADLAB_MALLOC_ARENAS", "2"))
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # mallopt's parameters (malloc.h)


def _glibc():
    """glibc's C library, or None elsewhere (musl, macOS: nothing is tuned there)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") \
        and hasattr(libc, "mallopt") else None


_LIBC = _glibc()


def tune_malloc(enabled: bool = MALLOC_TUNE) -> bool:
    """Fix glibc's mmap threshold and cap its arenas (module docstring); True when done."""
    if not enabled or _LIBC is None:
        return False
    ok = _LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_KB * 1024) == 1
    ok &= _LIBC.mallopt(_M_ARENA_MAX, MALLOC_ARENAS) == 1
    return bool(ok)


def trim_malloc() -> bool:
    """Give the malloc arenas' free pages back to the system; True when any were."""
    if not MALLOC_TUNE or _LIBC is None:
        return False
    return _LIBC.malloc_trim(0) == 1


def rerun_whole_page_for_lost_fragments() -> None:
    """Make ``AppSession.request_rerun`` rerun the page when the asked-for fragment is gone."""
    original = AppSession.request_rerun
    if getattr(original, "gradlab_patched", False):
        return

    def request_rerun(self, client_state):
        if client_state is not None and client_state.fragment_id \
                and not self.has_fragment(client_state.fragment_id):
            _LOGGER.info("Fragment %s is gone (server restarted?): rerunning the whole page",
                         client_state.fragment_id)
            client_state.fragment_id = ""
        return original(self, client_state)

    request_rerun.gradlab_patched = True
    AppSession.request_rerun = request_rerun


# Streamlit's theme sections, each written into every run's new_session message.
THEME_SECTIONS = ("theme", "theme.light", "theme.dark", "theme.sidebar", "theme.light.sidebar",
                  "theme.dark.sidebar")


def reuse_theme_messages() -> None:
    """Make Streamlit copy the theme into each run's ``new_session`` message from one made per
    configuration, instead of reading the configuration again.

    Streamlit 1.67 sends ``new_session`` at the start of every run (each slider move, each
    step), and for it reads each of the six theme sections by scanning all of its ~400 options
    (``config.get_options_for_section``, 60 us a section): 0.4-0.5 ms per run, 2 % of the
    server's CPU per student action and 3 % of a stepper step's under a class. The theme comes
    from the configuration alone, so each section's message is made once (by Streamlit's own
    ``_populate_theme_msg``) and merged into the next ones; a new parse of the configuration
    (``config.on_config_parsed``) starts again. ``tests/test_server.py`` checks that the
    message is byte for byte Streamlit's own."""
    original = app_session._populate_theme_msg
    if getattr(original, "gradlab_patched", False):
        return
    made: dict[str, bytes] = {}

    def populate(msg, section: str = "theme") -> None:
        blob = made.get(section)
        if blob is None:
            fresh = type(msg)()
            original(fresh, section)
            blob = made[section] = fresh.SerializeToString()
        if blob:  # merging even b"" would mark an unset section as present
            msg.MergeFromString(blob)

    populate.gradlab_patched = True
    populate.gradlab_original = original
    populate.gradlab_made = made
    config.on_config_parsed(made.clear, force_connect=True)
    app_session._populate_theme_msg = populate


def resident_bytes() -> int:
    """This process's resident memory (VmRSS) from /proc/self/statm; 0 where there is none."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def _import_package(name: str) -> None:
    """Import `name` and, for the project's own packages, every module in them."""
    module = importlib.import_module(name)
    if name in ("gradcore", "ui"):
        for info in pkgutil.iter_modules(module.__path__, f"{name}."):
            importlib.import_module(info.name)


def freeze_start_up_objects(modules=START_UP_MODULES, freeze: bool = GC_FREEZE) -> int:
    """Import `modules`, collect once, then freeze every object alive (if `freeze`); returns
    the number of objects frozen. A module that fails to import is logged and skipped: the
    page that needs it will say so to its student."""
    for name in modules:
        try:
            _import_package(name)
        except Exception:  # noqa: BLE001 - a start-up optimisation must not stop the server
            _LOGGER.exception("Could not import %s at start-up", name)
    gc.collect()
    if freeze:
        gc.freeze()
    return gc.get_freeze_count()


@dataclass
class CollectionStats:
    """What the collector did: collections, objects found unreachable, milliseconds in all
    and at most, bytes of resident memory given back (summed over collections)."""

    collections: int = 0
    unreachable: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    freed_bytes: int = 0


class Collector(threading.Thread):
    """A daemon thread that runs ``gc.collect()`` when the resident memory has grown by
    `growth_bytes` since the last collection, or `max_seconds` after it, checking every
    `check_seconds`; at every check it calls `expire` (drops idle cached values, returns the
    bytes dropped) and collects when that dropped any. A collection holds the GIL
    (milliseconds with the start-up objects frozen), but no student's run waits for it to
    start."""

    def __init__(self, growth_bytes: int, max_seconds: float, check_seconds: float,
                 read_rss=resident_bytes, expire=lambda: 0) -> None:
        super().__init__(name="gradlab-gc", daemon=True)
        self.growth_bytes, self.max_seconds = growth_bytes, max_seconds
        self.check_seconds, self.read_rss, self.expire = check_seconds, read_rss, expire
        self.stats = CollectionStats()
        self._stop_event = threading.Event()
        self._last_rss, self._last_time = read_rss(), time.monotonic()

    def due(self) -> bool:
        """True when the memory has grown enough, or enough time has passed, to collect."""
        grown = self.read_rss() - self._last_rss >= self.growth_bytes
        return grown or time.monotonic() - self._last_time >= self.max_seconds

    def collect(self) -> int:
        """One full collection now; returns the number of unreachable objects found."""
        before = self.read_rss()
        start = time.perf_counter()
        found = gc.collect()
        trim_malloc()
        elapsed_ms = (time.perf_counter() - start) * 1000
        self._last_rss, self._last_time = self.read_rss(), time.monotonic()
        stats = self.stats
        stats.collections += 1
        stats.unreachable += found
        stats.total_ms += elapsed_ms
        stats.max_ms = max(stats.max_ms, elapsed_ms)
        stats.freed_bytes += max(before - self._last_rss, 0)
        _LOGGER.debug("gc: %d unreachable in %.1f ms, RSS %.0f -> %.0f MB", found, elapsed_ms,
                      before / 2**20, self._last_rss / 2**20)
        return found

    def run(self) -> None:
        while not self._stop_event.wait(self.check_seconds):
            self.check()

    def check(self) -> bool:
        """One check: expire idle values, then collect if that freed any or if due; returns
        whether it collected."""
        expired = self.expire()
        if expired or self.due():
            self.collect()
            return True
        return False

    def stop(self) -> None:
        self._stop_event.set()


_COLLECTOR: Collector | None = None


def start_collector() -> Collector | None:
    """Start the process's one :class:`Collector` (once); None when GC_MAX_SECONDS is 0."""
    global _COLLECTOR
    if _COLLECTOR is None and GC_MAX_SECONDS > 0:
        from ui.regression.byte_store import STORE

        _COLLECTOR = Collector(int(GC_GROWTH_MB * 2**20), GC_MAX_SECONDS, GC_CHECK_SECONDS,
                               expire=STORE.expire_idle)
        _COLLECTOR.start()
    return _COLLECTOR


@asynccontextmanager
async def lifespan(app):
    """``st.App`` lifespan: set the process up before the first request, nothing to undo."""
    rerun_whole_page_for_lost_fragments()
    reuse_theme_messages()
    tuned = tune_malloc()
    frozen = freeze_start_up_objects()
    start_collector()
    class_mode.purge_at_start()
    _LOGGER.info("Start-up: %d objects frozen; collector every %g s or +%g MB; malloc %s",
                 frozen, GC_MAX_SECONDS, GC_GROWTH_MB,
                 f"mmap threshold {MMAP_THRESHOLD_KB} KB, {MALLOC_ARENAS} arenas" if tuned
                 else "as glibc sets it")
    yield None
