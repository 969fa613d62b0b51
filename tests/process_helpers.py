"""Helpers shared by the worker tests: formulas as the worker receives them, /proc, and
waiting for a condition (instead of sleeping a fixed time)."""

import time
from pathlib import Path

from gradcore.expressions.parsing import read_formula

SLOW = "max(" + ", ".join(f"x^{k}" for k in range(1, 11)) + ")"  # about 0.5 s of sympy


def source(text: str):
    """(tree, variables) of typed text: a job as the worker server receives it."""
    parsed = read_formula(text)
    return parsed.tree, parsed.variables


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float = 20.0, what: str = "the condition"):
    """Poll ``condition()`` until it returns something true (returned); fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"{what} did not happen within {seconds} s")
