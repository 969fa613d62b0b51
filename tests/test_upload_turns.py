"""One upload read at a time per server: ui.regression.upload_turns' line, and what the page says about it.

A holder thread stands for another student whose file is being read: it takes the turn and
gives it back when the test says so. No sleeps: every wait is for an event or a condition.
"""

import re
import threading
from contextlib import contextmanager

import pytest

from gradcore import MAX_UPLOAD_BYTES
from tests.page_helpers import all_text, open_page, shown
from ui.regression import data_source, upload_turns
from ui.regression.upload_turns import Busy, TurnLine

PAGE = "pages/linear-regression.py"
GOOD_CSV = b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n5,11.1\n"
WAIT_TIMEOUT_S = 30.0


@contextmanager
def another_student(line: TurnLine):
    """A thread holding `line`'s turn (as another student's upload being read) until the
    block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        with line.turn(WAIT_TIMEOUT_S):
            holding.set()
            release.wait(WAIT_TIMEOUT_S)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(WAIT_TIMEOUT_S)
    try:
        yield release
    finally:
        release.set()
        thread.join(WAIT_TIMEOUT_S)


def wait_until(predicate, what: str):
    """Wait (on a condition, polled by an Event's timeout) until `predicate()` holds."""
    tick = threading.Event()
    for _ in range(int(WAIT_TIMEOUT_S / 0.01)):
        if predicate():
            return
        tick.wait(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_second_upload_waits_for_the_first_and_is_told_it_is_next():
    """While one file is read the next waits, told "1 ahead"; it runs once the first ends."""
    line, seen, order = TurnLine(), [], []
    with another_student(line) as release:
        def second():
            with line.turn(WAIT_TIMEOUT_S, lambda ahead, waited: seen.append(ahead)):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        wait_until(lambda: seen, "the second upload to be told it waits")
        assert order == [] and seen[0] == 1
        order.append("first")
        release.set()
        thread.join(WAIT_TIMEOUT_S)
    assert order == ["first", "second"] and len(line) == 0


def test_waiting_uploads_are_read_in_the_order_they_came():
    """Three waiting uploads get their turns first come, first served."""
    line, order = TurnLine(), []
    with another_student(line) as release:
        threads = []
        for name in ("a", "b", "c"):
            def wait(name=name):
                with line.turn(WAIT_TIMEOUT_S):
                    order.append(name)

            threads.append(threading.Thread(target=wait))
            threads[-1].start()
            joined = len(threads) + 1
            wait_until(lambda joined=joined: len(line) == joined, f"{name} to join the line")
        release.set()
        for thread in threads:
            thread.join(WAIT_TIMEOUT_S)
    assert order == ["a", "b", "c"]


def test_a_wait_that_runs_out_raises_busy_and_leaves_the_line():
    """After wait_seconds the waiting upload gets Busy (how many ahead, how long) and is gone."""
    line = TurnLine()
    with another_student(line), pytest.raises(Busy) as busy:
        with line.turn(0.2):
            raise AssertionError("the turn was given while another upload held it")
    assert busy.value.ahead == 1 and busy.value.waited >= 0.2
    assert len(line) == 0


def test_a_session_stopped_while_waiting_leaves_the_line():
    """An exception from on_wait (Streamlit stopping a closed tab's run) frees its place."""
    line = TurnLine()

    def stop(ahead, waited):
        raise KeyboardInterrupt

    with another_student(line):
        with pytest.raises(KeyboardInterrupt), line.turn(WAIT_TIMEOUT_S, stop):
            pass
        assert len(line) == 1
    assert len(line) == 0


@pytest.mark.parametrize(("ahead", "expected"), [
    (1, "Another student's file is being read; yours is next. (Waiting 3 s"),
    (3, "2 more will be read before yours. (Waiting 3 s"),
])
def test_wait_message_says_how_many_are_ahead(ahead, expected):
    """The message names the student's place in the line and the seconds waited."""
    assert expected in data_source.wait_message(ahead, 3.2)


def test_page_says_the_file_is_next_then_reads_it(monkeypatch):
    """AppTest: an upload while another is read is told it is next, then read, and the page
    says how long it waited."""
    told, said_twice, message = [], threading.Event(), data_source.wait_message

    def recording(ahead, waited):
        told.append(message(ahead, waited))
        if len(told) >= 2:
            said_twice.set()
        return told[-1]

    monkeypatch.setattr(data_source, "wait_message", recording)
    at = open_page(PAGE, src="upload")
    with another_student(upload_turns.TURNS) as release:
        threading.Thread(target=lambda: said_twice.wait(WAIT_TIMEOUT_S) and release.set(),
                         daemon=True).start()
        at.file_uploader(key="reg_upload").set_value(("good.csv", GOOD_CSV, "text/csv")).run()
    assert not at.exception and not at.error
    assert told[0].startswith("Another student's file is being read; yours is next.")
    text = all_text(at)
    assert "uploaded file 'good.csv': 5 rows" in text
    assert re.search(r"good\.csv waited [1-9]\d* s while other students' files were read", text)


def test_page_says_when_the_wait_ran_out_and_reads_the_file_next_run(monkeypatch):
    """AppTest: past UPLOAD_WAIT_SECONDS the page says the file is not read yet (a warning,
    no error); the next run reads it."""
    monkeypatch.setattr(data_source, "UPLOAD_WAIT_SECONDS", 0.3)
    at = open_page(PAGE, src="upload")
    with another_student(upload_turns.TURNS):
        at.file_uploader(key="reg_upload").set_value(("late.csv", GOOD_CSV, "text/csv")).run()
        assert not at.exception and not at.error
        warning = " ".join(shown(w.value).replace("**", "") for w in at.warning)
        assert "late.csv has not been read yet" in warning and "1 still before yours" in warning
    at.run()
    assert not at.exception and not at.error
    assert "uploaded file 'late.csv': 5 rows" in all_text(at)


def test_page_gives_the_apps_own_message_for_a_file_just_over_the_limit():
    """AppTest: a file one byte over 20 MB gets the loader's message with the limit (Streamlit's
    own checks let it through: tests/test_data.py checks maxUploadSize)."""
    at = open_page(PAGE, src="upload")
    payload = b"x,y\n" + b"1,2\n" * ((MAX_UPLOAD_BYTES - 3) // 4)
    payload += b"9" * (MAX_UPLOAD_BYTES + 1 - len(payload))
    at.file_uploader(key="reg_upload").set_value(("big.csv", payload, "text/csv")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "larger than the limit of 20 MB (20,971,520 bytes; this one has 20,971,521" in \
        shown(at.error[0].value)
