"""The class store on SQLite and on PostgreSQL: codes, keys, limits, purge, concurrency, faults.

PostgreSQL: ``GRADLAB_TEST_DATABASE_URL`` names a throw-away database (``.ci/run`` starts one
with ``scripts/start_test_postgres.sh``); without it these cases skip, unless
``GRADLAB_REQUIRE_POSTGRES=1`` (set in CI), where a missing server fails the run.
"""

import os
import threading

import pytest
import sqlalchemy as sa

from classroom import (
    ClassError,
    StoreUnavailable,
    WrongCodeLimiter,
    normalise_answer,
    open_store,
    read_code,
)
from classroom import codes as class_codes
from classroom import store as class_store

PG_URL = os.environ.get("GRADLAB_TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("GRADLAB_REQUIRE_POSTGRES") == "1"
HOSTILE = ["'); DROP TABLE answers; --", "**bold** [link](javascript:alert(1))",
           "<script>alert('x')</script>", "x" * 200, "\u202e(2, 8, 18)", "NULL"]


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh, empty store on each backend, with a clock the test moves."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    else:
        if not PG_URL:
            if REQUIRE_PG:
                pytest.fail("GRADLAB_REQUIRE_POSTGRES=1 but GRADLAB_TEST_DATABASE_URL is not set")
            pytest.skip("no PostgreSQL server for the tests (GRADLAB_TEST_DATABASE_URL)")
        url = PG_URL
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            class_store.metadata.drop_all(connection)
        engine.dispose()
    opened = open_store(url)
    opened.clock = Clock()
    yield opened
    opened.engine.dispose()


def test_codes_are_40_bits_and_read_leniently():
    """A code is two groups of 4 from a 32-letter alphabet (40 bits); what a student types is
    read with lower case, spaces, O/0 and I/L/1 forgiven, and anything else refused."""
    assert class_codes.CODE_BITS >= 40
    code = class_codes.new_code()
    assert len(code) == 9 and code[4] == "-" and read_code(code) == code
    assert read_code(" k7qm 2xab ") == "K7QM-2XAB"
    assert read_code("K7QM2XAB") == "K7QM-2XAB"
    assert read_code("k7qm-2xaO") == "K7QM-2XA0"
    for wrong in ["", "K7QM-2XA", "K7QM-2XABC", "K7QM-2XA!", None, "x" * 500]:
        assert read_code(wrong) is None
    assert len({class_codes.new_code() for _ in range(2000)}) == 2000


def test_teacher_key_is_long_and_only_its_digest_is_stored(store):
    """The teacher key has at least 128 bits; the database holds its SHA-256, not the key."""
    room = store.create_class({"ex": "square-slope"})
    assert len(room.teacher_key) >= 32  # 32 bytes in base 64: 43 characters, 256 bits
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(class_store.classes)).all()
    assert len(rows) == 1
    assert room.teacher_key not in repr(rows)
    assert rows[0].key_digest == class_codes.key_digest(room.teacher_key)


def test_summary_counts_students_answers_first_tries_and_mistakes(store):
    """Six students answer; the summary counts who answered, who got it right, who got it right
    at the first try, each normalised answer and each mistake category."""
    room = store.create_class({"ex": "square-slope", "x0": "1.5"})
    store.join(room.code, "s0")
    answers = [("s1", "3", True, None), ("s2", "1.5", False, "factor"), ("s2", " 3 ", True, None),
               ("s3", "-3", False, "sign"), ("s4", "(2, 8)", False, "order"),
               ("s5", "( 2,8 )", False, "order"), ("s5", "3", True, None)]
    for student, answer, correct, mistake in answers:
        store.record(room.code, student, "square-slope", answer, correct, mistake)
    store.record(room.code, "s1", "abs-kink", "[-1, 1]", True)
    summary = store.summary(room.code, room.teacher_key)
    assert summary.students == 6
    slope = summary.exercises["square-slope"]
    assert (slope.answered, slope.correct, slope.first_try) == (5, 3, 1)
    assert slope.answers == {"3": 3, "1.5": 1, "-3": 1, "(2,8)": 2}
    assert sum(slope.answers.values()) == len(answers)
    assert slope.mistakes == {"factor": 1, "sign": 1, "order": 2}
    assert summary.exercises["abs-kink"].answered == 1
    assert summary.lesson == {"ex": "square-slope", "x0": "1.5"}


def test_wrong_key_or_code_sees_nothing(store):
    """Another class's key, a made-up key or a wrong code is refused with a message."""
    room, other = store.create_class({}), store.create_class({})
    store.record(room.code, "s1", "e", "1", True)
    for key in [other.teacher_key, "", "x" * 43, room.teacher_key + "x"]:
        with pytest.raises(ClassError, match="teacher key"):
            store.summary(room.code, key)
    with pytest.raises(ClassError, match="no open class"):
        store.summary("ZZZZ-ZZZZ", room.teacher_key)
    with pytest.raises(ClassError, match="not a class code"):
        store.record("'; --", "s1", "e", "1", True)


def test_limits_each_have_a_message(store, monkeypatch):
    """50 answers per student and exercise, 200 characters per answer, 500 students per class,
    1,000 open classes per server, a class of at most a week: each refused with a message."""
    assert (class_store.MAX_ANSWERS_PER_EXERCISE, class_store.MAX_STUDENTS,
            class_store.MAX_OPEN_CLASSES, class_codes.MAX_ANSWER_CHARS) == (50, 500, 1000, 200)
    room = store.create_class({})
    for _ in range(50):
        store.record(room.code, "s1", "e", "1", False, "sign")
    with pytest.raises(ClassError, match="50 answers"):
        store.record(room.code, "s1", "e", "1", True)
    store.record(room.code, "s1", "other", "1", True)  # another exercise still counts
    with pytest.raises(ClassError, match="200 characters"):
        store.record(room.code, "s2", "e", "x" * 201, True)
    monkeypatch.setattr(class_store, "MAX_STUDENTS", 3)
    store.join(room.code, "s2")
    store.join(room.code, "s3")
    store.join(room.code, "s3")  # joining again is not a new student
    with pytest.raises(ClassError, match="full"):
        store.join(room.code, "s4")
    monkeypatch.setattr(class_store, "MAX_OPEN_CLASSES", 3)
    store.create_class({})
    store.create_class({})
    with pytest.raises(ClassError, match="already runs 3 classes"):
        store.create_class({})
    for hours in [0, -1, 7 * 24 + 1, float("nan"), "soon"]:
        with pytest.raises(ClassError):
            store.create_class({}, hours=hours)


def test_purge_deletes_ended_classes_with_their_answers(store):
    """A class ends after its hours; purge deletes it with its students and answers, and a
    student of an ended class is told so."""
    short, long = store.create_class({}, hours=1), store.create_class({}, hours=48)
    store.record(short.code, "s1", "e", "1", True)
    store.record(long.code, "s1", "e", "1", True)
    store.clock.now += 2 * 3600
    with pytest.raises(ClassError, match="no open class"):
        store.record(short.code, "s2", "e", "1", True)
    assert store.purge() == 1
    with store.engine.connect() as connection:
        for table in (class_store.classes, class_store.students, class_store.answers):
            codes = connection.execute(sa.select(table.c.code)).scalars().all()
            assert set(codes) == {long.code}
    assert store.summary(long.code, long.teacher_key).students == 1
    assert store.purge(now=store.clock.now + 48 * 3600) == 1


def test_end_class_deletes_everything(store):
    """Ending a class (its teacher only) deletes it, its students and answers."""
    room = store.create_class({})
    store.record(room.code, "s1", "e", "1", True)
    with pytest.raises(ClassError):
        store.end_class(room.code, "wrong")
    store.end_class(room.code, room.teacher_key)
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            class_store.answers)).scalar_one() == 0
    with pytest.raises(ClassError, match="no open class"):
        store.summary(room.code, room.teacher_key)


def test_reveal_reaches_the_class(store):
    """The teacher reveals an exercise; the class sees it revealed; hiding it again works."""
    room = store.create_class({})
    assert store.revealed(room.code) == frozenset()
    store.reveal(room.code, room.teacher_key, "square-slope")
    assert store.revealed(room.code) == {"square-slope"}
    assert store.summary(room.code, room.teacher_key).revealed == {"square-slope"}
    store.reveal(room.code, room.teacher_key, "square-slope", revealed=False)
    assert store.revealed(room.code) == frozenset()
    with pytest.raises(ClassError):
        store.reveal(room.code, "wrong", "square-slope")


def test_hostile_answers_are_stored_as_text(store):
    """SQL, Markdown, HTML and reversed text are data: stored and given back unchanged."""
    room = store.create_class({})
    for number, answer in enumerate(HOSTILE):
        store.record(room.code, f"s{number}", "e", answer, False, "other")
    table = store.answers_table(room.code, room.teacher_key)
    assert [row["answer"] for row in table] == HOSTILE
    assert [row["student"] for row in table] == list(range(1, len(HOSTILE) + 1))
    assert store.summary(room.code, room.teacher_key).exercises["e"].answered == len(HOSTILE)


def test_concurrent_students_lose_no_answer(store):
    """8 threads x 200 answers at once: every answer is counted exactly once."""
    room = store.create_class({})
    failures = []

    def student(number):
        try:
            for index in range(200):
                store.record(room.code, f"s{number}", f"e{index % 4}", str(index % 7),
                             index % 3 == 0, None if index % 3 == 0 else "sign")
        except Exception as error:  # reported below, with the thread's number
            failures.append((number, repr(error)))

    threads = [threading.Thread(target=student, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    summary = store.summary(room.code, room.teacher_key)
    assert summary.students == 8
    assert sum(sum(e.answers.values()) for e in summary.exercises.values()) == 1600
    assert all(e.answered == 8 for e in summary.exercises.values())


def test_a_restarted_server_keeps_its_classes(store):
    """A new store on the same database (a server restart) still has the class and answers."""
    room = store.create_class({"ex": "e"})
    store.record(room.code, "s1", "e", "1", True)
    again = open_store(store.engine.url.render_as_string(hide_password=False))
    try:
        again.clock = store.clock
        assert again.summary(room.code, room.teacher_key).students == 1
        assert again.lesson(room.code) == {"ex": "e"}
    finally:
        again.engine.dispose()


def test_schema_has_a_version(store):
    """The schema version is written on start; a newer one is refused with a message."""
    with store.engine.begin() as connection:
        assert connection.execute(sa.select(class_store.schema_version.c.version)).scalar() == 1
        connection.execute(class_store.schema_version.update().values(version=99))
    with pytest.raises(StoreUnavailable, match="newer version"):
        store.create_schema()


def test_unreachable_database_is_named(tmp_path):
    """A database that cannot be reached is StoreUnavailable, with no traceback text."""
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        open_store("postgresql+psycopg://nobody@/nothing?host=/nonexistent-socket-dir")
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "c.sqlite3"
    store = open_store(f"sqlite:///{db}")
    room = store.create_class({})
    store.engine.dispose()
    db.unlink()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: make the path a directory
            folder.chmod(0o700)
            db.mkdir()
        with pytest.raises(StoreUnavailable):
            store.record(room.code, "s1", "e", "1", True)
    finally:
        folder.chmod(0o700)


def test_default_database_is_a_file_in_the_data_directory(tmp_path, monkeypatch):
    """Without a URL: a SQLite file in $GRADLAB_DATA_DIR, made on first use."""
    monkeypatch.delenv("GRADLAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("GRADLAB_DATA_DIR", str(tmp_path / "data"))
    store = open_store()
    try:
        store.create_class({})
        assert (tmp_path / "data" / "classroom.sqlite3").is_file()
    finally:
        store.engine.dispose()


def test_answers_are_normalised_for_the_chart():
    """Spaces, case and spaces around brackets and commas do not make two answers."""
    assert normalise_answer(" ( 2 , 8 ,18 ) ") == normalise_answer("(2,8,18)") == "(2,8,18)"
    assert normalise_answer("Yes") == normalise_answer("yes ")
    assert normalise_answer("−3") == "-3"
    assert normalise_answer("1.5") != normalise_answer("15")


def test_wrong_codes_are_limited_per_minute():
    """Five wrong codes in a minute, then the session waits until the first is a minute old."""
    clock = Clock(0.0)
    limiter = WrongCodeLimiter(clock=clock)
    for _ in range(5):
        assert limiter.allowed()
        limiter.wrong()
        clock.now += 1
    assert not limiter.allowed()
    assert limiter.wait_seconds() == pytest.approx(55.0)
    clock.now = 60.0
    assert limiter.allowed()


def test_classroom_imports_without_streamlit():
    """In a fresh interpreter, `import classroom` loads neither streamlit nor plotly."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, classroom; "
            "print(','.join(m for m in ('streamlit', 'plotly') if m in sys.modules) or 'clean')")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
