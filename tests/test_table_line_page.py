"""The regression page while large generated tables wait in line: the messages say the
student's place, about how long, and what to do; a full line refuses at once, without an
exception, and the page's next run makes the table."""

import threading
from contextlib import contextmanager

import pytest

from tests.page_helpers import open_page
from ui.regression import byte_store, data_source, heavy_line
from ui.regression.heavy_line import HeavyLine, TablesBusy

PAGE = "pages/linear-regression.py"


@pytest.mark.parametrize(("ahead", "seconds", "place", "about"), [
    (0, 0.2, "1st", "about 1 s"), (1, 3.4, "2nd", "about 3 s"), (2, 6.0, "3rd", "about 6 s"),
    (10, 21.6, "11th", "about 22 s"), (20, 44.0, "21st", "about 44 s"),
])
def test_the_wait_message_names_the_place_and_the_seconds(ahead, seconds, place, about):
    """`ahead` tables before it: its place is ahead + 1, the seconds rounded (at least 1)."""
    message = data_source.table_wait_message(ahead, seconds)
    assert f"yours is {place} in line, {about} before it starts" in message
    assert "goes on by itself" in message and "1,000,000 values" in message


def test_the_busy_message_says_what_to_do():
    """A refusal names the tables ahead, their seconds, the button and the smaller choice."""
    message = data_source.tables_busy_message(TablesBusy(7, 12.4))
    assert "not started" in message and "7 other students' large tables" in message
    assert "about 12 s of work" in message and "**Try again** in about 12 s" in message
    assert "up to 1,000,000 values (n × (d + 1)) are made at once" in message
    assert "making another student's large table (about 2 s of work)" in \
        data_source.tables_busy_message(TablesBusy(1, 2.0))


@contextmanager
def another_students_table(line: HeavyLine):
    """While inside: another student's new table holds `line`'s turn (in its own thread);
    on leaving, that table finishes."""
    running, release = threading.Event(), threading.Event()

    def other_students_table():
        with line.turn(new_table=True):
            running.set()
            release.wait(60)

    other = threading.Thread(target=other_students_table, daemon=True)
    other.start()
    assert running.wait(60)
    try:
        yield
    finally:
        release.set()
        other.join(60)


def test_a_full_line_refuses_on_the_page_and_the_next_run_makes_the_table(monkeypatch):
    """With the line full, a 1e6-value table shows the warning and a Try again button (no
    exception, no error); once there is room, Try again makes it."""
    byte_store.STORE.discard(lambda key: True)
    full = HeavyLine(max_waiting_tables=0, poll_seconds=0.01)
    monkeypatch.setattr(heavy_line, "_HEAVY", full)
    with another_students_table(full):
        at = open_page(PAGE, timeout=120, src="generate", n="100000", d="10", seed="3")
        assert not at.exception, at.exception
        assert not at.error
        warnings = " ".join(w.value for w in at.warning)
        assert "Your table was not started" in warnings and "Try again" in warnings
    at.button(key="reg_table_retry").click().run()
    assert not at.exception, at.exception
    assert not any("not started" in w.value for w in at.warning)
    assert "k_forward" in [b.key for b in at.button]
    byte_store.STORE.discard(lambda key: True)


def test_a_refused_table_pushes_no_other_table_out(monkeypatch):
    """The room for a new table is made in its turn: a refusal leaves STORE's entries as they
    were (they belong to students still stepping through them)."""
    from ui.regression import cache

    byte_store.STORE.discard(lambda key: True)
    small = cache.generated_data(200, 1, 1.0, 1, 2.0, 1.0)
    full = HeavyLine(max_waiting_tables=0, poll_seconds=0.01)
    monkeypatch.setattr(heavy_line, "_HEAVY", full)
    monkeypatch.setattr(byte_store.STORE, "budget_bytes", small.frame.memory_usage().sum() * 2)
    with another_students_table(full):
        kept = byte_store.STORE.keys()
        with pytest.raises(TablesBusy):
            with heavy_line.waiting_shown_by(lambda ahead, seconds: None):
                cache.generated_data(100_000, 10, 1.0, 5, 2.0, 1.0)
        assert byte_store.STORE.keys() == kept and len(kept) == 1
    byte_store.STORE.discard(lambda key: True)
