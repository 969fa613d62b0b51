"""The class store: classes, their students and answers, in SQLite or PostgreSQL.

SQLAlchemy Core, every statement with bound parameters. The tables are made on first use, with
a ``schema_version`` row so a later release can migrate. What is kept (the README's "Run a
class" says the same): per class its code, the SHA-256 of the teacher key, the lesson's query
parameters, when it was made and when it ends, and which exercises the teacher revealed; per
student a random id made by the browser session (no name, no address, no user agent) and when
it joined; per answer the student id, the exercise id, the answer text (at most 200
characters), whether it was right, the mistake's category and when. A class ends after
``hours`` (24 by default, at most a week); :meth:`Store.purge` deletes ended classes with
everything in them.

Writers: in SQLite each write transaction starts with ``BEGIN IMMEDIATE`` (one writer at a
time, others wait up to ``busy_timeout``), in WAL mode so readers never wait and several
server processes on one host share the file; in PostgreSQL a write locks its class's row
(``SELECT ... FOR UPDATE``), so the limits hold under concurrent students.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from classroom.codes import (
    MAX_ANSWER_CHARS,
    key_digest,
    key_matches,
    new_code,
    new_teacher_key,
    normalise_answer,
    read_code,
)

SCHEMA_VERSION = 1
DEFAULT_HOURS = 24.0
MAX_HOURS = 7 * 24.0
MAX_STUDENTS = 500
MAX_ANSWERS_PER_EXERCISE = 50
MAX_OPEN_CLASSES = 1000
MAX_LESSON_CHARS = 8000
MAX_ID_CHARS = 64
DATA_DIR_ENV, DATABASE_URL_ENV = "GRADLAB_DATA_DIR", "GRADLAB_DATABASE_URL"
DEFAULT_DATA_DIR = ".gradlab"
SQLITE_FILE = "classroom.sqlite3"

metadata = sa.MetaData()
schema_version = sa.Table("schema_version", metadata,
                          sa.Column("version", sa.Integer, primary_key=True))
classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.String(9), primary_key=True),
    sa.Column("key_digest", sa.String(64), nullable=False),
    sa.Column("lesson", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
    sa.Column("revealed", sa.Text, nullable=False, default="[]"),
)
students = sa.Table(
    "students", metadata,
    sa.Column("code", sa.String(9), sa.ForeignKey("classes.code", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("student", sa.String(MAX_ID_CHARS), primary_key=True),
    sa.Column("joined_at", sa.Float, nullable=False),
)
answers = sa.Table(
    "answers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(9), sa.ForeignKey("classes.code", ondelete="CASCADE"),
              nullable=False),
    sa.Column("student", sa.String(MAX_ID_CHARS), nullable=False),
    sa.Column("exercise", sa.String(MAX_ID_CHARS), nullable=False),
    sa.Column("answer", sa.String(MAX_ANSWER_CHARS), nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("mistake", sa.String(MAX_ID_CHARS), nullable=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("answers_by_student", "code", "student", "exercise"),
)


class ClassError(ValueError):
    """Something a student or teacher asked that the store refuses; the message is for them."""


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or written (down, full, locked too long)."""

    MESSAGE = "The class database cannot be reached right now."


@dataclass(frozen=True)
class Classroom:
    """A class as its teacher gets it: the code for students, the secret key for the live view."""

    code: str
    teacher_key: str
    expires_at: float


@dataclass
class ExerciseSummary:
    """One exercise's answers: students who answered, who got it right, who got it right at
    their first try; every answer given (normalised) and every mistake's category."""

    answered: int = 0
    correct: int = 0
    first_try: int = 0
    answers: Counter = field(default_factory=Counter)
    mistakes: Counter = field(default_factory=Counter)


@dataclass
class ClassSummary:
    """What the teacher's live view shows."""

    code: str
    students: int
    expires_at: float
    lesson: dict
    revealed: frozenset[str]
    exercises: dict[str, ExerciseSummary]


def database_url(url: str | None = None) -> str:
    """`url`, else ``$GRADLAB_DATABASE_URL``, else a SQLite file in the data directory."""
    url = url or os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    folder = Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{(folder / SQLITE_FILE).resolve()}"


def _sqlite_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun below, explicitly
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; a power cut may lose the last answers.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def open_store(url: str | None = None) -> Store:
    """The store at `url` (see :func:`database_url`), its tables made if they are not there."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                  connect_args={"connect_timeout": 5})
    store = Store(engine)
    store.create_schema()
    return store


def _bounded_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS:
        raise ClassError(f"That {what} is not usable.")
    return value


class Store:
    """Classes, students and answers; every method is one short transaction."""

    def __init__(self, engine: sa.Engine, clock=time.time):
        self.engine, self.clock = engine, clock

    def _transaction(self):
        return _Guarded(self.engine)

    def create_schema(self) -> None:
        """The tables and the schema version (no manual step: the app calls this on start)."""
        with self._transaction() as connection:
            metadata.create_all(connection)
            found = connection.execute(sa.select(schema_version.c.version)).scalar()
            if found is None:
                connection.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found > SCHEMA_VERSION:
                raise StoreUnavailable(f"The class database is of a newer version ({found}) "
                                       "than this server knows; update the server.")

    def create_class(self, lesson_query: dict, hours: float = DEFAULT_HOURS) -> Classroom:
        """A new class for the lesson link's query parameters, open for `hours` (≤ a week)."""
        try:
            hours = float(hours)
        except (TypeError, ValueError):
            raise ClassError("The class's length must be a number of hours.") from None
        if not 0 < hours <= MAX_HOURS:
            raise ClassError(f"A class lasts more than 0 and at most {MAX_HOURS:g} hours.")
        lesson = json.dumps({str(k): str(v) for k, v in dict(lesson_query).items()},
                            ensure_ascii=True, sort_keys=True)
        if len(lesson) > MAX_LESSON_CHARS:
            raise ClassError("This lesson link is too long to start a class with.")
        now = self.clock()
        key = new_teacher_key()
        for _ in range(5):
            code = new_code()
            try:
                with self._transaction() as connection:
                    open_now = connection.execute(
                        sa.select(sa.func.count()).select_from(classes)
                        .where(classes.c.expires_at > now)).scalar_one()
                    if open_now >= MAX_OPEN_CLASSES:
                        raise ClassError(f"This server already runs {MAX_OPEN_CLASSES} classes; "
                                         "end one, or try again when one has ended.")
                    connection.execute(classes.insert().values(
                        code=code, key_digest=key_digest(key), lesson=lesson, created_at=now,
                        expires_at=now + hours * 3600.0, revealed="[]"))
                return Classroom(code, key, now + hours * 3600.0)
            except IntegrityError:
                continue  # the code was taken: draw another
        raise StoreUnavailable("No free class code was found; try again.")

    def _open_class(self, connection, code: str, lock: bool = False):
        """The row of an open class, or ClassError for a wrong or ended code."""
        code = read_code(code) if isinstance(code, str) else None
        if code is None:
            raise ClassError("That is not a class code (it looks like K7QM-2XAB).")
        query = sa.select(classes).where(classes.c.code == code)
        if lock and connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None or row.expires_at <= self.clock():
            raise ClassError(f"There is no open class {code}: it may have ended. Ask your "
                             "teacher for the link again.")
        return row

    def lesson(self, code: str) -> dict:
        """The lesson link's query parameters of an open class (ClassError if none)."""
        with self._transaction() as connection:
            return json.loads(self._open_class(connection, code).lesson)

    def join(self, code: str, student: str) -> None:
        """Count `student` in the class (again is fine); ClassError when the class is full."""
        student = _bounded_id(student, "student id")
        with self._transaction() as connection:
            row = self._open_class(connection, code, lock=True)
            self._join(connection, row.code, student)

    def _join(self, connection, code: str, student: str) -> None:
        known = connection.execute(
            sa.select(students.c.student).where(students.c.code == code,
                                                students.c.student == student)).first()
        if known is not None:
            return
        count = connection.execute(sa.select(sa.func.count()).select_from(students)
                                   .where(students.c.code == code)).scalar_one()
        if count >= MAX_STUDENTS:
            raise ClassError(f"This class is full ({MAX_STUDENTS} students).")
        connection.execute(students.insert().values(code=code, student=student,
                                                    joined_at=self.clock()))

    def record(self, code: str, student: str, exercise: str, answer: str, correct: bool,
               mistake: str | None = None) -> None:
        """Store one answer of `student` (joined if not yet) to `exercise`."""
        student, exercise = _bounded_id(student, "student id"), _bounded_id(exercise, "exercise")
        answer = str(answer)
        if len(answer) > MAX_ANSWER_CHARS:
            raise ClassError(f"An answer has at most {MAX_ANSWER_CHARS} characters; this one "
                             "was not shared with your teacher.")
        if mistake is not None:
            mistake = str(mistake)[:MAX_ID_CHARS]
        with self._transaction() as connection:
            row = self._open_class(connection, code, lock=True)
            self._join(connection, row.code, student)
            given = connection.execute(
                sa.select(sa.func.count()).select_from(answers).where(
                    answers.c.code == row.code, answers.c.student == student,
                    answers.c.exercise == exercise)).scalar_one()
            if given >= MAX_ANSWERS_PER_EXERCISE:
                raise ClassError(f"You have sent {MAX_ANSWERS_PER_EXERCISE} answers to this "
                                 "exercise; further ones are not shared with your teacher.")
            connection.execute(answers.insert().values(
                code=row.code, student=student, exercise=exercise, answer=answer,
                correct=bool(correct), mistake=mistake, at=self.clock()))

    def _teacher_class(self, connection, code: str, teacher_key: str, lock: bool = False):
        row = self._open_class(connection, code, lock=lock)
        if not key_matches(teacher_key, row.key_digest):
            raise ClassError("This teacher key does not belong to that class.")
        return row

    def summary(self, code: str, teacher_key: str) -> ClassSummary:
        """The class's answers so far, for its teacher (ClassError for a wrong key)."""
        with self._transaction() as connection:
            row = self._teacher_class(connection, code, teacher_key)
            count = connection.execute(sa.select(sa.func.count()).select_from(students)
                                       .where(students.c.code == row.code)).scalar_one()
            given = connection.execute(
                sa.select(answers.c.student, answers.c.exercise, answers.c.answer,
                          answers.c.correct, answers.c.mistake)
                .where(answers.c.code == row.code).order_by(answers.c.id)).all()
        exercises: dict[str, ExerciseSummary] = {}
        seen: dict[str, set] = {}
        right: dict[str, set] = {}
        for student, exercise, answer, correct, mistake in given:
            entry = exercises.setdefault(exercise, ExerciseSummary())
            if student not in seen.setdefault(exercise, set()):
                seen[exercise].add(student)
                entry.answered += 1
                entry.first_try += bool(correct)
            if correct and student not in right.setdefault(exercise, set()):
                right[exercise].add(student)
                entry.correct += 1
            entry.answers[normalise_answer(answer)] += 1
            if not correct:
                entry.mistakes[mistake or "other"] += 1
        return ClassSummary(row.code, count, row.expires_at, json.loads(row.lesson),
                            frozenset(json.loads(row.revealed)), exercises)

    def answers_table(self, code: str, teacher_key: str) -> list[dict]:
        """Every answer of the class, oldest first, for the teacher's CSV (anonymous: the
        student ids are replaced by 1, 2, 3 ... in order of their first answer)."""
        with self._transaction() as connection:
            row = self._teacher_class(connection, code, teacher_key)
            given = connection.execute(
                sa.select(answers.c.student, answers.c.exercise, answers.c.answer,
                          answers.c.correct, answers.c.mistake, answers.c.at)
                .where(answers.c.code == row.code).order_by(answers.c.id)).all()
        numbers: dict[str, int] = {}
        return [{"student": numbers.setdefault(student, len(numbers) + 1), "exercise": exercise,
                 "answer": answer, "correct": bool(correct), "mistake": mistake or "",
                 "seconds_after_start": round(at - given[0].at, 1)}
                for student, exercise, answer, correct, mistake, at in given]

    def reveal(self, code: str, teacher_key: str, exercise: str, revealed: bool = True) -> None:
        """Show (or hide again) an exercise's answer to the students who answered it."""
        exercise = _bounded_id(exercise, "exercise")
        with self._transaction() as connection:
            row = self._teacher_class(connection, code, teacher_key, lock=True)
            shown = set(json.loads(row.revealed))
            shown = shown | {exercise} if revealed else shown - {exercise}
            connection.execute(classes.update().where(classes.c.code == row.code)
                               .values(revealed=json.dumps(sorted(shown))))

    def revealed(self, code: str) -> frozenset[str]:
        """The exercises whose answers the teacher has revealed to the class."""
        with self._transaction() as connection:
            return frozenset(json.loads(self._open_class(connection, code).revealed))

    def end_class(self, code: str, teacher_key: str) -> None:
        """Delete the class with its students and answers (its teacher only)."""
        with self._transaction() as connection:
            row = self._teacher_class(connection, code, teacher_key, lock=True)
            _delete(connection, [row.code])

    def purge(self, now: float | None = None) -> int:
        """Delete the classes that have ended, with their students and answers; how many."""
        now = self.clock() if now is None else now
        with self._transaction() as connection:
            ended = connection.execute(sa.select(classes.c.code)
                                       .where(classes.c.expires_at <= now)).scalars().all()
            _delete(connection, ended)
        return len(ended)


def _delete(connection, codes: list[str]) -> None:
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        connection.execute(answers.delete().where(answers.c.code.in_(chunk)))
        connection.execute(students.delete().where(students.c.code.in_(chunk)))
        connection.execute(classes.delete().where(classes.c.code.in_(chunk)))


class _Guarded:
    """``engine.begin()`` whose database failures become :class:`StoreUnavailable`."""

    def __init__(self, engine: sa.Engine):
        self.engine, self._context = engine, None

    def __enter__(self):
        try:
            self._context = self.engine.begin()
            return self._context.__enter__()
        except SQLAlchemyError as error:
            raise StoreUnavailable(StoreUnavailable.MESSAGE) from error

    def __exit__(self, kind, value, traceback):
        try:
            self._context.__exit__(kind, value, traceback)  # commit, or roll back
        except IntegrityError:
            raise
        except SQLAlchemyError as error:
            raise StoreUnavailable(StoreUnavailable.MESSAGE) from error
        if isinstance(value, SQLAlchemyError) and not isinstance(value, IntegrityError):
            raise StoreUnavailable(StoreUnavailable.MESSAGE) from value
        return False
