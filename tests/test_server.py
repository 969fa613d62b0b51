"""ui.shell.server: the start-up freeze and the collector thread that gives cyclic garbage back."""

import gc
import threading
import time
import weakref

import numpy as np
import pytest

from ui.shell import server

MB = 2**20


class Holder:
    """An object that can sit in a reference cycle and be watched by a weak reference."""

    def __init__(self, array):
        self.array = array
        self.me = self


def cycle_with_array(nbytes: int) -> weakref.ref:
    """A reference cycle holding an array of `nbytes`, already unreachable; its weakref."""
    holder = Holder(np.ones(nbytes // 8))
    return weakref.ref(holder)


@pytest.fixture
def no_automatic_gc():
    """Python's own collector off during the test, so only the Collector can free cycles."""
    enabled = gc.isenabled()
    gc.disable()
    yield
    if enabled:
        gc.enable()


class FakeRss:
    def __init__(self, value: int = 100 * MB):
        self.value = value

    def __call__(self) -> int:
        return self.value


def test_collector_is_due_when_memory_grew_by_the_threshold():
    """+64 MB since the last collection makes one due; +63 MB does not (before the timer)."""
    rss = FakeRss()
    collector = server.Collector(64 * MB, max_seconds=3600, check_seconds=1, read_rss=rss)
    rss.value += 63 * MB
    assert not collector.due()
    rss.value += 1 * MB
    assert collector.due()


def test_collector_is_due_after_the_longest_interval(monkeypatch):
    """Without growth, a collection is due max_seconds after the last one."""
    rss = FakeRss()
    collector = server.Collector(64 * MB, max_seconds=30, check_seconds=1, read_rss=rss)
    now = time.monotonic()
    monkeypatch.setattr(server.time, "monotonic", lambda: now + 29.0)
    assert not collector.due()
    monkeypatch.setattr(server.time, "monotonic", lambda: now + 30.5)
    assert collector.due()


def test_collect_frees_an_array_held_in_a_cycle_and_counts_it(no_automatic_gc):
    """The cycle (and its 8 MB array) is gone after one collect(); the stats say so."""
    watched = cycle_with_array(8 * MB)
    assert watched() is not None
    collector = server.Collector(64 * MB, 30, 1)
    found = collector.collect()
    assert watched() is None
    assert found >= 1  # the holder (and its __dict__, where Python made one)
    assert collector.stats.collections == 1 and collector.stats.unreachable == found
    assert collector.stats.max_ms >= 0.0


def test_the_thread_collects_without_being_asked(no_automatic_gc):
    """Started, the thread finds an unreachable cycle by its timer, off the caller's thread."""
    collector = server.Collector(2**40, max_seconds=0.05, check_seconds=0.01)
    watched = cycle_with_array(MB)
    collector.start()
    try:
        deadline = time.monotonic() + 10
        while (watched() is not None or not collector.stats.collections) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watched() is None
        assert collector.stats.collections >= 1
        assert collector.is_alive() and collector.daemon
        assert collector.name == "gradlab-gc" and collector is not threading.current_thread()
    finally:
        collector.stop()
        collector.join(5)
    assert not collector.is_alive()


def test_freeze_moves_the_start_up_objects_out_of_every_collection():
    """After the freeze, a full collection scans only objects made since."""
    try:
        frozen = server.freeze_start_up_objects(modules=("json", "decimal"))
        assert frozen == gc.get_freeze_count() > 1000
        assert len(gc.get_objects()) < frozen
    finally:
        gc.unfreeze()


def test_a_module_that_fails_to_import_is_skipped(caplog):
    """A start-up optimisation never stops the server: the failure is logged, the rest runs."""
    try:
        frozen = server.freeze_start_up_objects(modules=("no_such_module_here", "json"),
                                                freeze=False)
    finally:
        gc.unfreeze()
    assert frozen == 0
    assert "no_such_module_here" in caplog.text


def test_resident_bytes_reads_this_process():
    """The RSS read from /proc is positive and moves with a large allocation."""
    before = server.resident_bytes()
    if before == 0:
        pytest.skip("no /proc/self/statm here")
    block = np.ones(64 * MB // 8)
    assert server.resident_bytes() - before > 48 * MB
    del block


MALLOC_SCENARIO = """
import gc
import numpy as np
from ui.shell import server
server.tune_malloc()
base = server.resident_bytes()
big = np.ones(40 * 2**20 // 8)  # a large mapped block freed: glibc's threshold grows to 32 MB
del big
keep, arrays = [], []
for _ in range(200):  # 200 MB of 1 MB arrays, a small long-lived array after each
    arrays.append(np.ones(2**20 // 8))
    keep.append(np.ones(64))
del arrays
gc.collect()
server.trim_malloc()
print((server.resident_bytes() - base) / 2**20)
"""


def _kept_mb(tune: str) -> float:
    """MB still resident after 200 MB of 1 MB arrays were freed, in a fresh process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "GRADLAB_MALLOC_TUNE": tune,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", MALLOC_SCENARIO], env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    return float(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(server._LIBC is None, reason="glibc's malloc only")
def test_freed_arrays_leave_the_process_with_malloc_tuned():
    """The heavy class's case: after one large table, glibc serves 1 MB blocks from arenas and
    keeps their pages when they are freed (about 200 MB here); with the threshold fixed and a
    trim after the collection they are given back (within 30 MB)."""
    assert _kept_mb("0") > 150
    assert _kept_mb("1") < 30


def test_tuning_is_off_when_asked(monkeypatch):
    assert server.tune_malloc(enabled=False) is False
    monkeypatch.setattr(server, "MALLOC_TUNE", False)
    assert server.trim_malloc() is False


@pytest.fixture
def theme_patch():
    """reuse_theme_messages installed for the test, Streamlit's own function back after it."""
    from streamlit.runtime import app_session

    before = app_session._populate_theme_msg
    server.reuse_theme_messages()
    yield app_session._populate_theme_msg
    app_session._populate_theme_msg = before


def test_each_runs_theme_message_is_streamlits_own(theme_patch):
    """With a theme set (the app's own colours and more), the patched new_session theme is byte for byte what
    Streamlit's own function writes, at its first use and from the kept copy after it."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.testing.v1.util import patch_config_options

    original = theme_patch.gradlab_original
    options = {"theme.primaryColor": "#0072B2", "theme.dark.primaryColor": "#56B4E9",
               "theme.light.textColor": "#111111", "theme.sidebar.backgroundColor": "#EEEEEE",
               "theme.font": "serif", "theme.dark.sidebar.primaryColor": "#E69F00"}
    theme_patch.gradlab_made.clear()

    def written(populate) -> bytes:
        msg = ForwardMsg()
        theme = msg.new_session.custom_theme
        targets = {"theme": theme, "theme.light": theme.light, "theme.dark": theme.dark,
                   "theme.sidebar": theme.sidebar, "theme.light.sidebar": theme.light.sidebar,
                   "theme.dark.sidebar": theme.dark.sidebar}
        for section in server.THEME_SECTIONS:
            populate(targets[section], section)
        return msg.SerializeToString()

    with patch_config_options(options):
        expected = written(original)
        assert b"#0072B2" in expected and b"#56B4E9" in expected
        assert written(theme_patch) == expected  # made now
        assert set(theme_patch.gradlab_made) == set(server.THEME_SECTIONS)
        assert written(theme_patch) == expected  # from the kept copies
    theme_patch.gradlab_made.clear()


def test_a_new_configuration_makes_the_theme_again(theme_patch):
    from streamlit import config
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    theme_patch(ForwardMsg().new_session.custom_theme, "theme")
    assert theme_patch.gradlab_made
    config.get_config_options(force_reparse=True)
    assert not theme_patch.gradlab_made


def test_the_theme_patch_is_installed_once(theme_patch):
    from streamlit.runtime import app_session

    server.reuse_theme_messages()
    assert app_session._populate_theme_msg is theme_patch
