"""The class scenario of ``bench_capacity.py --mix class`` (issue 27): one database shared by
the replicas, a new class per step, and the check that every answer sent was counted once.

The database: ``$GRADLAB_DATABASE_URL`` when given (PostgreSQL: replicas on several hosts),
else a fresh SQLite file in the run's output folder (replicas on one host). The URL is put in
the environment before the servers start, so the servers, Locust and this process all use
the same one. Each step gets a class of its own, made through the store's API (as the
teacher panel does); Locust gets its code and key (``benchmarks/locust_class.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from classroom import open_store
from classroom.store import DATABASE_URL_ENV, database_url

LOCUSTFILE = Path(__file__).resolve().parent / "locust_class.py"
LESSON = {"ex": "square-slope", "x0": "1.5"}


def prepare_database(output: Path) -> str:
    """The database URL every process of the run uses (set in the environment); its
    tables made now, so the first students do not race to make them."""
    if not os.environ.get(DATABASE_URL_ENV):
        folder = output / "classdb"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[DATABASE_URL_ENV] = f"sqlite:///{folder / 'classroom.sqlite3'}"
    url = database_url()
    open_store(url).engine.dispose()
    return url


def new_class() -> tuple[str, str]:
    """A new class for the scenario's lesson: (code, teacher key)."""
    store = open_store()
    try:
        room = store.create_class(LESSON, hours=2)
    finally:
        store.engine.dispose()
    return room.code, room.teacher_key


def locust_arguments(code: str, key: str) -> list[str]:
    return ["--class-code", code, "--class-key", key]


def counted_once(figures: dict | None) -> bool:
    """Every answer confirmed is in the store, none twice, none refused: the store counts
    between the answers confirmed and those sent, and every answer sent but not confirmed
    is accounted for (cut off by the end of the run, or failed)."""
    if not figures or "store" not in figures:
        return False
    sent, confirmed = figures["answers_sent"], figures["answers_confirmed"]
    unconfirmed = figures.get("answers_cut_off", 0) + figures.get("answers_failed", 0)
    return figures["answers_refused"] == 0 and confirmed <= figures["store"]["answers"] <= sent \
        and sent - confirmed == unconfirmed


def describe(figures: dict | None) -> str:
    """One line: answers sent, confirmed and refused by the students; counted by the store."""
    if not figures:
        return "class: no counts (Locust wrote none)"
    if "store" not in figures:
        return f"class: the store could not be read: {figures.get('store_error', '?')}"
    store = figures["store"]
    exact = store["answers"] == figures["answers_sent"]
    verdict = ("MISMATCH" if not counted_once(figures) else "each counted once" if exact
               else "each confirmed one counted once; some cut off were not stored")
    return (f"class {figures['code']}: answers sent {figures['answers_sent']}, confirmed "
            f"{figures['answers_confirmed']}, refused {figures['answers_refused']}, failed "
            f"{figures.get('answers_failed', 0)}, cut off by the end of the run "
            f"{figures.get('answers_cut_off', 0)}; counted "
            f"by the store {store['answers']} ({verdict}); students in the store "
            f"{store['students']} (tabs opened {figures['tabs']}, per replica "
            f"{figures.get('replicas', {})})")
