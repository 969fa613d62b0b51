"""Two app replicas behind deploy/nginx.conf sharing one class database: the students of both
appear in one class, in the store's summary and in the teacher's live view.

Both replicas get the same ``GRADLAB_SECRET`` and the same ``GRADLAB_DATABASE_URL``: (a) a
SQLite file in a temporary folder (replicas on one host), (b) the PostgreSQL server named by
``GRADLAB_TEST_DATABASE_URL`` (replicas on several hosts; skipped without it, unless
``GRADLAB_REQUIRE_POSTGRES=1``, where a missing server fails, as in tests/test_classroom.py).
The class is made through the store's API, as the teacher panel does. The students and the
teacher are browserless tabs (``benchmarks/st_client.Session``: Streamlit's own websocket
protocol), each pinned by nginx's affinity cookie to the replica that answered its first
request; the test checks that students landed on both replicas and stayed there.
"""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from benchmarks.st_client import Session
from classroom import open_store
from classroom import store as class_store
from tests.e2e.test_proxy import COOKIE, Proxy, replicas_behind_nginx

pytestmark = pytest.mark.e2e

PG_URL = os.environ.get("GRADLAB_TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("GRADLAB_REQUIRE_POSTGRES") == "1"
SECRET = "class-replicas-test-secret-0123456789abcdef"
EXERCISE = "square-slope"
# x² at x₀ = 1.5: the slope is 3; 2.25 is f(x₀), a frequent slip.
ANSWERS = ["3", "2.25", "2.25", "3", "-3", "3"]
RIGHT = "3"


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def database_url(request, tmp_path_factory):
    """The one database both replicas use, empty."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('classdb') / 'classroom.sqlite3'}"
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("GRADLAB_REQUIRE_POSTGRES=1 but GRADLAB_TEST_DATABASE_URL is not set")
        pytest.skip("no PostgreSQL server for the tests (GRADLAB_TEST_DATABASE_URL)")
    engine = sa.create_engine(PG_URL)
    with engine.begin() as connection:
        class_store.metadata.drop_all(connection)
    engine.dispose()
    return PG_URL


@pytest.fixture(scope="module")
def replicas(database_url, tmp_path_factory):
    """Two replicas with the same secret and database, behind nginx; the store they share."""
    prefix = tmp_path_factory.mktemp("nginx")
    env = {"GRADLAB_SECRET": SECRET, "GRADLAB_DATABASE_URL": database_url,
           "GRADLAB_DATA_DIR": str(prefix / "data")}

    store = open_store(database_url)
    try:
        with replicas_behind_nginx(prefix, _warm, env) as proxy:
            yield proxy, store
            servers = proxy.servers
    finally:
        store.engine.dispose()
    for server in servers:
        assert "Traceback" not in server.log_path.read_text(errors="replace"), \
            f"{server.log_path.name} logged a traceback"


def _warm(url: str) -> None:
    """A first visit, which pays for the replica's imports."""
    warm = Session(url)
    warm.open("derivatives", "x0=1.5")
    warm.close()


def _student(proxy: Proxy, code: str) -> tuple[Session, str]:
    """A new tab that opens the class link through nginx; the replica nginx pinned it to."""
    session = Session(proxy.url, timeout_s=60)
    replica = session.http.cookies.get(COOKIE)
    run = session.open("derivatives", f"ex={EXERCISE}&x0=1.5&class={code}")
    assert run.problems() == []
    assert any(f"You are in class **{code}**" in caption for caption in run.captions), \
        run.captions
    return session, replica


def _answer(session: Session, text: str) -> None:
    """Type `text` into the exercise's answer box and press Check (one form submit)."""
    session.set_text("answer", text, rerun=False)
    run = session.click("ex_check")
    assert run.problems() == [], run.problems()


def _given(run) -> int:
    """The live view's "Answers given: N" (every answer, right or wrong, of the exercise)."""
    found = [c for c in run.captions if c.startswith("Answers given: ")]
    assert len(found) == 1, run.captions
    return int(found[0].split(": ", 1)[1].split(";", 1)[0])


def _wait_for_streams(proxy: Proxy, cookies: set[str], timeout: float = 10.0) -> list:
    """nginx logs a websocket when it closes: wait until each cookie's stream is logged."""
    deadline = time.monotonic() + timeout
    while True:
        streams = [e for e in proxy.log() if "/_stcore/stream" in e[3]]
        if cookies <= {e[0] for e in streams} or time.monotonic() > deadline:
            return streams
        time.sleep(0.1)


def test_students_on_both_replicas_are_one_class(replicas):
    """Six students, spread by nginx over both replicas, answer; the store's summary and
    the teacher's live view (on either replica) count all six, and the live view's refresh
    (its fragment rerun) shows a seventh answer given on the other replica."""
    proxy, store = replicas
    room = store.create_class({"ex": EXERCISE, "x0": "1.5"})
    students = [_student(proxy, room.code) for _ in ANSWERS]
    landed = [replica for _, replica in students]
    assert set(landed) == set(proxy.upstreams), landed
    for (session, _), text in zip(students, ANSWERS, strict=True):
        _answer(session, text)

    summary = store.summary(room.code, room.teacher_key)
    slope = summary.exercises[EXERCISE]
    assert summary.students == len(ANSWERS)
    assert (slope.answered, slope.correct) == (len(ANSWERS), ANSWERS.count(RIGHT))
    assert sum(slope.answers.values()) == len(ANSWERS)
    assert slope.answers[RIGHT] == ANSWERS.count(RIGHT)

    teacher = Session(proxy.url, timeout_s=60)
    view = teacher.open("class", f"class={room.code}&teacher={room.teacher_key}")
    assert view.problems() == []
    assert view.metrics["Students joined"] == str(len(ANSWERS))
    assert view.metrics["Answered"] == str(len(ANSWERS))
    assert view.metrics["Right"] == str(ANSWERS.count(RIGHT))
    assert _given(view) == len(ANSWERS)
    # The live part: a fragment the browser is asked to rerun every 2 s.
    assert list(view.auto_reruns.values()) == [2.0], view.auto_reruns

    # A student on the replica the teacher is NOT on answers; the next refresh shows it.
    teacher_replica = teacher.http.cookies.get(COOKIE)
    other = next(s for s, replica in students if replica != teacher_replica)
    _answer(other, RIGHT)
    refreshed = teacher.rerun(fragment_id=next(iter(view.auto_reruns)))
    assert refreshed.problems() == []
    assert _given(refreshed) == len(ANSWERS) + 1
    assert refreshed.metrics["Students joined"] == str(len(ANSWERS))
    slope = store.summary(room.code, room.teacher_key).exercises[EXERCISE]
    assert sum(slope.answers.values()) == len(ANSWERS) + 1

    for session, _ in students:
        session.close()
    teacher.close()
    # Every tab's requests, its websocket included, stayed on the replica that first answered.
    _wait_for_streams(proxy, set(landed))
    routes = proxy.routes(expected=tuple(set(landed)))
    for replica in set(landed):
        assert routes[replica] == {replica}, routes
