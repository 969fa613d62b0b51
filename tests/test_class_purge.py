"""Ended classes are purged when the server starts (``ui.shell.server.lifespan``), and a database
that cannot be reached never delays or fails the start."""

import asyncio
import logging
import threading
import time

import pytest

from classroom import open_store
from ui.shell import class_mode, server

THREAD_TIMEOUT_S = 30.0


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh SQLite class store in a temporary data directory, reopened by the test."""
    monkeypatch.delenv("GRADLAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("GRADLAB_DATA_DIR", str(tmp_path / "data"))
    class_mode.reset_store()
    yield tmp_path / "data"
    class_mode.reset_store()


def _ended_and_open_class():
    """One class that ended an hour ago and one still open; the store they are in."""
    store = open_store()
    still_open = store.create_class({"ex": "square-slope"}, hours=1)
    store.clock = lambda: time.time() - 2 * 3600.0  # made two hours ago: over by now
    ended = store.create_class({"ex": "square-slope"}, hours=1)
    store.clock = time.time
    return store, still_open, ended


def test_purge_deletes_the_ended_classes_only(data_dir):
    """The start-up purge deletes a class whose time is over, with its answers, and keeps
    an open one."""
    store, still_open, ended = _ended_and_open_class()
    store.clock = lambda: time.time() - 2 * 3600.0
    store.record(ended.code, "s1", "square-slope", "3", True)
    store.clock = time.time
    assert class_mode.purge_ended_classes() == 1
    with pytest.raises(class_mode.ClassError):
        store.summary(ended.code, ended.teacher_key)
    assert store.summary(still_open.code, still_open.teacher_key).students == 0
    store.engine.dispose()


def _file_where_the_folder_should_be(tmp_path) -> str:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be")
    return f"sqlite:///{blocked / 'class.sqlite3'}"


@pytest.mark.parametrize("make_url, logged", [
    (_file_where_the_folder_should_be, "unreachable"),  # a database that cannot be opened
    (lambda tmp_path: "not a database url", "not opened"),  # a URL SQLAlchemy cannot read
], ids=["unreachable", "malformed-url"])
def test_a_database_that_cannot_be_used_is_logged_not_raised(tmp_path, monkeypatch, caplog,
                                                             make_url, logged):
    """A database that cannot be opened, or a URL that names none: the start-up purge
    returns None and logs one warning saying which; no exception reaches the server."""
    monkeypatch.setenv("GRADLAB_DATABASE_URL", make_url(tmp_path))
    class_mode.reset_store()
    try:
        with caplog.at_level(logging.WARNING, logger="gradlab"):
            assert class_mode.purge_ended_classes() is None
    finally:
        class_mode.reset_store()
    assert any(logged in record.getMessage() for record in caplog.records)


def test_the_server_lifespan_purges_in_the_background(data_dir, monkeypatch):
    """The lifespan starts the purge in a daemon thread and does not wait for it."""
    store, _, ended = _ended_and_open_class()
    monkeypatch.setattr(server, "freeze_start_up_objects", lambda: 0)
    monkeypatch.setattr(server, "start_collector", lambda: None)
    started = []
    real_start = class_mode.purge_at_start

    def recording_start():
        thread = real_start()
        started.append(thread)
        return thread

    monkeypatch.setattr(class_mode, "purge_at_start", recording_start)

    async def start_server():
        async with server.lifespan(None):
            pass

    # In a thread of its own: after the browser tests, Playwright's event loop runs in this one.
    runner = threading.Thread(target=lambda: asyncio.run(start_server()))
    runner.start()
    runner.join(THREAD_TIMEOUT_S)
    assert not runner.is_alive()
    assert len(started) == 1 and started[0].daemon
    started[0].join(THREAD_TIMEOUT_S)
    assert not started[0].is_alive()
    with pytest.raises(class_mode.ClassError):
        store.summary(ended.code, ended.teacher_key)
    store.engine.dispose()
