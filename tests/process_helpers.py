"""Helpers shared by the worker tests: formulas as the worker receives them, and /proc."""

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
