"""ui.regression.heavy_line: one heavy turn at a time, new tables in order, a bounded line that
tells a waiting page its place and about how long, and refuses at once when full."""

import functools
import threading

import pytest

from ui.regression.heavy_line import (
    FIRST_ESTIMATE_S,
    HEAVY_CELLS,
    HeavyLine,
    TablesBusy,
    heavy_work,
    waiting_shown_by,
)

WAIT_S = 10.0  # the longest any condition below is waited for (it holds in milliseconds)


class Clock:
    """A settable monotonic clock."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hold(line: HeavyLine, new_table: bool = False, **kwargs):
    """A thread holding a turn of `line` until its `release` event is set."""
    started, release = threading.Event(), threading.Event()

    def run():
        with line.turn(new_table, **kwargs):
            started.set()
            release.wait(WAIT_S)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, started, release


def wait_until(predicate) -> None:
    """Wait (on a condition, polled) until `predicate()` holds; fail after WAIT_S."""
    done = threading.Event()
    for _ in range(int(WAIT_S / 0.005)):
        if predicate():
            return
        done.wait(0.005)
    raise AssertionError("condition not reached")


def measured_line() -> tuple[Clock, HeavyLine]:
    """A line on a fake clock that has measured one table: its own turn 1 s and the fit's
    turn 2 s, so 3 s per table."""
    clock = Clock()
    line = HeavyLine(clock=clock, poll_seconds=0.005)
    with line.turn(new_table=True):
        clock.now += 1.0
    with line.turn():
        clock.now += 2.0
    return clock, line


def test_a_waiting_table_is_told_its_place_and_the_measured_seconds():
    """Two tables ahead (one running, one waiting) at 3 s of work per table: (2, 6 s)."""
    clock, line = measured_line()
    assert line.seconds_per_table() == pytest.approx(3.0, abs=1e-9)
    first, first_started, first_release = hold(line, new_table=True)
    assert first_started.wait(WAIT_S)
    second, _, second_release = hold(line, new_table=True)
    wait_until(lambda: line.waiting_tables() == 1)
    told = []
    third = threading.Thread(target=lambda: _wait_with(line, told), daemon=True)
    third.start()
    wait_until(lambda: told)
    assert told[0] == (2, pytest.approx(6.0, abs=1e-9))
    second_release.set()
    first_release.set()
    for thread in (first, second, third):
        thread.join(WAIT_S)
    assert not third.is_alive()


def _wait_with(line: HeavyLine, told: list) -> None:
    with line.turn(True, on_wait=lambda ahead, seconds: told.append((ahead, seconds))):
        pass


def test_the_estimate_before_any_table_and_after_the_window():
    """No table measured (or all older than the window): FIRST_ESTIMATE_S per table."""
    clock = Clock()
    line = HeavyLine(clock=clock)
    assert line.seconds_per_table() == FIRST_ESTIMATE_S
    with line.turn(new_table=True):
        clock.now += 5.0
    assert line.seconds_per_table() == pytest.approx(5.0, abs=1e-9)
    clock.now += 121.0
    assert line.seconds_per_table() == FIRST_ESTIMATE_S


def test_a_full_line_refuses_a_shown_wait_at_once_and_lets_others_wait():
    """With max_waiting_tables waiting, a page that shows the wait gets TablesBusy naming the
    tables ahead and their seconds; a caller that cannot show it joins the line."""
    line = HeavyLine(max_waiting_tables=1, clock=Clock(), poll_seconds=0.005)
    running, started, release_running = hold(line, new_table=True)
    assert started.wait(WAIT_S)
    waiting, _, release_waiting = hold(line, new_table=True)
    wait_until(lambda: line.waiting_tables() == 1)
    with pytest.raises(TablesBusy) as refused:
        with line.turn(True, on_wait=lambda ahead, seconds: None):
            pass
    assert refused.value.ahead == 2
    assert refused.value.seconds == pytest.approx(2 * FIRST_ESTIMATE_S, abs=1e-9)
    assert line.waiting_tables() == 1, "the refused table must not stay in the line"
    silent, _, release_silent = hold(line, new_table=True)
    wait_until(lambda: line.waiting_tables() == 2)
    for release in (release_running, release_waiting, release_silent):
        release.set()
    for thread in (running, waiting, silent):
        thread.join(WAIT_S)
    assert line.waiting_tables() == 0


def test_new_tables_take_turns_in_arrival_order():
    """Three new tables queued behind a running turn start in the order they came."""
    line = HeavyLine(clock=Clock(), poll_seconds=0.005)
    running, started, release = hold(line)
    assert started.wait(WAIT_S)
    order, threads = [], []
    for name in ("a", "b", "c"):
        thread = threading.Thread(target=lambda n=name: _append_in_turn(line, order, n),
                                  daemon=True)
        thread.start()
        threads.append(thread)
        wait_until(functools.partial(_waiting_is, line, len(threads)))
    release.set()
    for thread in (running, *threads):
        thread.join(WAIT_S)
    assert order == ["a", "b", "c"]


def _waiting_is(line: HeavyLine, count: int) -> bool:
    return line.waiting_tables() == count


def _append_in_turn(line: HeavyLine, order: list, name: str) -> None:
    with line.turn(new_table=True):
        order.append(name)


def test_a_page_that_stops_waiting_leaves_the_line():
    """An exception from on_wait (Streamlit stopping a rerun) takes the table out of the line."""
    line = HeavyLine(clock=Clock(), poll_seconds=0.005)
    running, started, release = hold(line)
    assert started.wait(WAIT_S)

    def stop(ahead, seconds):
        raise KeyboardInterrupt("rerun")

    with pytest.raises(KeyboardInterrupt):
        with line.turn(True, on_wait=stop):
            pass
    assert line.waiting_tables() == 0
    release.set()
    running.join(WAIT_S)
    with line.turn(new_table=True):
        assert line.waiting_tables() == 0


def test_heavy_work_passes_the_shown_wait_only_to_large_new_tables():
    """Within waiting_shown_by, a large new table that would wait is refused by a full line;
    small work never is, nor a table when the line is idle; without a page showing the wait a
    table joins the line instead of being refused."""
    line = HeavyLine(max_waiting_tables=0, clock=Clock(), poll_seconds=0.005)
    with waiting_shown_by(lambda ahead, seconds: None):
        with heavy_work(HEAVY_CELLS + 1, new_table=True, line=line):
            pass  # nothing running: it need not wait, so it is not refused
    running, started, release = hold(line)
    assert started.wait(WAIT_S)
    with waiting_shown_by(lambda ahead, seconds: None):
        with heavy_work(HEAVY_CELLS, new_table=True, line=line):
            pass
        with pytest.raises(TablesBusy):
            with heavy_work(HEAVY_CELLS + 1, new_table=True, line=line):
                pass
    silent = threading.Thread(target=_heavy_table, args=(line,), daemon=True)
    silent.start()
    wait_until(functools.partial(_waiting_is, line, 1))
    release.set()
    for thread in (running, silent):
        thread.join(WAIT_S)
    assert line.waiting_tables() == 0 and not silent.is_alive()


def _heavy_table(line: HeavyLine) -> None:
    with heavy_work(HEAVY_CELLS + 1, new_table=True, line=line):
        pass


def test_a_line_of_more_than_max_wait_seconds_refuses():
    """At 5 s per table, one table running and one waiting (10 s) is within a 12 s bound; a
    third waiting makes 15 s ahead of the next: refused, naming 3 tables and 15 s."""
    clock = Clock()
    line = HeavyLine(max_waiting_tables=100, max_wait_seconds=12.0, clock=clock,
                     poll_seconds=0.005)
    with line.turn(new_table=True):
        clock.now += 5.0
    running, started, release_running = hold(line, new_table=True)
    assert started.wait(WAIT_S)
    second, _, release_second = hold(line, new_table=True)
    wait_until(functools.partial(_waiting_is, line, 1))
    told = []
    third = threading.Thread(target=_wait_with, args=(line, told), daemon=True)
    third.start()
    wait_until(lambda: told)
    assert told[0] == (2, pytest.approx(10.0, abs=1e-9))
    with pytest.raises(TablesBusy) as refused:
        with line.turn(True, on_wait=lambda ahead, seconds: None):
            pass
    assert refused.value.ahead == 3
    assert refused.value.seconds == pytest.approx(15.0, abs=1e-9)
    for release in (release_running, release_second):
        release.set()
    for thread in (running, second, third):
        thread.join(WAIT_S)
    assert line.waiting_tables() == 0


def test_finishing_turns_waiting_add_their_measured_seconds():
    """A table ahead (3 s per table: 1 s its own turn, 2 s a fit) and one fit waiting (2 s on
    average), which goes first: the newcomer is told 1 ahead, 3 + 2 = 5 s."""
    clock, line = measured_line()
    running, started, release = hold(line, new_table=True)
    assert started.wait(WAIT_S)
    fit, _, release_fit = hold(line)
    wait_until(lambda: line.waiting_turns() == 1)
    told = []
    newcomer = threading.Thread(target=_wait_with, args=(line, told), daemon=True)
    newcomer.start()
    wait_until(lambda: told)
    assert told[0] == (1, pytest.approx(5.0, abs=1e-9))
    for event in (release, release_fit):
        event.set()
    for thread in (running, fit, newcomer):
        thread.join(WAIT_S)
    assert line.waiting_tables() == 0


def _finish_in_turn(line: HeavyLine, order: list, name: str, page_started: float) -> None:
    with line.turn(page_started=page_started):
        order.append(name)


def test_turns_on_made_tables_go_oldest_page_first():
    """Three pages' fits wait behind a running turn, asked for newest page first: they run in
    the order their pages began (a page's later turns do not queue behind pages opened after
    it), and a turn without a page start counts from when it asked."""
    clock = Clock()
    line = HeavyLine(clock=clock, poll_seconds=0.005)
    running, started, release = hold(line)
    assert started.wait(WAIT_S)
    order: list[str] = []
    asks = [("opened at 30", 30.0), ("opened at 20", 20.0), ("asked at 25", None),
            ("opened at 10", 10.0)]
    threads = []
    for count, (name, page_started) in enumerate(asks, start=1):
        clock.now = 25.0 if page_started is None else 40.0 + count
        thread = threading.Thread(target=_finish_in_turn, daemon=True,
                                  args=(line, order, name, page_started))
        thread.start()
        threads.append(thread)
        wait_until(lambda count=count: line.waiting_turns() == count)
    release.set()
    for thread in (running, *threads):
        thread.join(WAIT_S)
    assert order == ["opened at 10", "opened at 20", "asked at 25", "opened at 30"]
    assert line.waiting_turns() == 0


def test_a_page_run_gives_its_heavy_turns_the_pages_start():
    """Within page_run, heavy_work's turns on made tables carry the run's start: a turn asked
    later by an older page goes before one asked earlier by a newer page."""
    from ui.regression.heavy_line import page_run

    line = HeavyLine(poll_seconds=0.005)  # the real clock, as page_run's
    running, started, release = hold(line)
    assert started.wait(WAIT_S)
    order: list[str] = []
    older_ready = threading.Event()

    def older_page():
        with page_run():
            older_ready.wait(WAIT_S)  # its page began first, it asks second
            with heavy_work(HEAVY_CELLS + 1, line=line):
                order.append("older page")

    def newer_page():
        with page_run(), heavy_work(HEAVY_CELLS + 1, line=line):
            order.append("newer page")

    first = threading.Thread(target=older_page, daemon=True)
    first.start()
    wait_until(lambda: first.is_alive())
    second = threading.Thread(target=newer_page, daemon=True)
    second.start()
    wait_until(lambda: line.waiting_turns() == 1)
    older_ready.set()
    wait_until(lambda: line.waiting_turns() == 2)
    release.set()
    for thread in (running, first, second):
        thread.join(WAIT_S)
    assert order == ["older page", "newer page"]


def _table_in_turn(line: HeavyLine, order: list, name: str, page=None) -> None:
    with line.turn(new_table=True, page=page):
        order.append(name)


def test_a_new_table_waits_for_the_page_that_made_the_one_before():
    """A page that made its table still has its fit to run, a turn later: the next new table
    waits for that page to end (it used to start in the gap and the page, its student already
    waiting the longest, waited a whole table more); the page's fit goes first."""
    from ui.regression.heavy_line import PageRun

    clock = Clock()
    line = HeavyLine(clock=clock, poll_seconds=0.005)
    page = PageRun(clock.now)
    with line.turn(new_table=True, page=page):
        clock.now += 1.0
    assert line.making_pages() == 1
    order: list[str] = []
    newcomer = threading.Thread(target=_table_in_turn, args=(line, order, "next table"),
                                daemon=True)
    newcomer.start()
    wait_until(functools.partial(_waiting_is, line, 1))
    with line.turn(page_started=page.started, page=page):
        order.append("the page's fit")
    assert line.waiting_tables() == 1 and order == ["the page's fit"]
    clock.now += 2.0  # the page draws its run
    page.end()
    newcomer.join(WAIT_S)
    assert order == ["the page's fit", "next table"]
    assert line.making_pages() == 0
    # The newcomer came while the page held the line: the 3 s from the page's table to the
    # next are that page's, and the line's pace.
    assert line.seconds_per_table() == pytest.approx(3.0, abs=1e-9)


def test_a_page_holds_new_tables_at_most_the_patience_and_never_its_own():
    """A page that has not ended holds the next new table for new_table_patience_s after its
    own was made, no longer; a second new table of the same page does not wait for itself."""
    from ui.regression.heavy_line import PageRun

    clock = Clock()
    line = HeavyLine(new_table_patience_s=10.0, clock=clock, poll_seconds=0.005)
    page = PageRun(clock.now)
    with line.turn(new_table=True, page=page):
        clock.now += 1.0
    own = threading.Thread(target=_table_in_turn, args=(line, [], "own", page), daemon=True)
    own.start()
    own.join(WAIT_S)
    assert not own.is_alive(), "a page waited for itself"
    order: list[str] = []
    other = threading.Thread(target=_table_in_turn, args=(line, order, "other"), daemon=True)
    other.start()
    wait_until(functools.partial(_waiting_is, line, 1))
    clock.now += 9.0
    assert line.waiting_tables() == 1 and order == []
    clock.now += 1.5  # 10.5 s after the page's table: it no longer holds the line
    other.join(WAIT_S)
    assert order == ["other"]
    page.end()


def _page_table(line: HeavyLine, clock: Clock, order: list, name: str, page) -> None:
    with line.turn(new_table=True, page=page):
        clock.now += 1.0  # each table holds its turn 1 s
        order.append(name)


def test_the_estimate_is_the_pace_of_tables_that_waited_in_line():
    """Two tables wait in line; each holds its turn 1 s but its page 3 s more (its fit and run
    between turns), so the second starts 4 s after the first: a newcomer with two tables
    ahead is told 8 s, not 2 s."""
    from ui.regression.heavy_line import PageRun

    clock = Clock()
    line = HeavyLine(clock=clock, poll_seconds=0.005)
    running, started, release = hold(line, new_table=True)
    assert started.wait(WAIT_S)
    order: list[str] = []
    pages = [PageRun(clock.now), PageRun(clock.now)]
    threads = []
    for count, (name, page) in enumerate(zip(("first", "second"), pages, strict=True), 1):
        threads.append(threading.Thread(target=_page_table, daemon=True,
                                        args=(line, clock, order, name, page)))
        threads[-1].start()
        wait_until(functools.partial(_waiting_is, line, count))
    clock.now += 4.0  # the table before them held the line 4 s too
    release.set()
    running.join(WAIT_S)
    wait_until(lambda: order == ["first"])
    assert line.waiting_tables() == 1  # the first page has not ended
    clock.now += 3.0
    pages[0].end()
    for thread in threads:
        thread.join(WAIT_S)
    assert order == ["first", "second"]
    pages[1].end()
    assert line.seconds_per_table() == pytest.approx(4.0, abs=1e-9)
    clock.now += 0.5  # the next table comes to a free line: it adds no pace
    running, started, release = hold(line, new_table=True)
    assert started.wait(WAIT_S)
    queued, _, release_queued = hold(line, new_table=True)
    wait_until(functools.partial(_waiting_is, line, 1))
    told = []
    third = threading.Thread(target=_wait_with, args=(line, told), daemon=True)
    third.start()
    wait_until(lambda: told)
    assert told[0] == (2, pytest.approx(8.0, abs=1e-9))
    for event in (release, release_queued):
        event.set()
    for thread in (running, queued, third):
        thread.join(WAIT_S)
    assert line.waiting_tables() == 0


def test_a_table_that_came_to_a_quiet_line_is_no_pace():
    """A table made 60 s after the last one, which waited only for another page's fit, says
    nothing about the line's pace: the estimate stays the tables' busy seconds (1 s)."""
    clock = Clock()
    line = HeavyLine(clock=clock, poll_seconds=0.005)
    with line.turn(new_table=True):
        clock.now += 1.0
    clock.now += 60.0
    fit, started, release = hold(line)
    assert started.wait(WAIT_S)
    order: list[str] = []
    late = threading.Thread(target=_append_in_turn, args=(line, order, "late"), daemon=True)
    late.start()
    wait_until(functools.partial(_waiting_is, line, 1))
    release.set()
    for thread in (fit, late):
        thread.join(WAIT_S)
    assert order == ["late"]
    assert line.seconds_per_table() == pytest.approx(0.5, abs=1e-9)  # 1 s over two tables
