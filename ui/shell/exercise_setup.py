"""Does the page still show the set-up an exercise asks about? (``ui.shell.exercise_panel``)

An exercise's answer is right for the page its link sets up, with the defaults it assumes
(``Exercise.depends``) and whatever the student may change (``Exercise.free``):
:func:`setup_of`. :func:`differs` compares that with the values the page's ``ui.shell.state.Link``
controls showed in this run; :func:`lesson_clash` says why an exercise cannot open inside a
teacher's lesson that fixes one of those settings at another value.
"""

from __future__ import annotations

import math

from gradcore.exercises.catalogue import Task, get_exercise
from ui.shell import teacher


def differs(link, wanted: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, wanted, shown) for each of `wanted`'s controls (URL key -> the value as a link
    writes it, "" for the control's default) that `link`'s run shows with another value;
    controls not drawn in this run are left out."""
    found = []
    for key, raw in wanted.items():
        if key not in link.current:
            continue
        try:
            target = link.defaults[key] if raw == "" else link.parsers[key]([raw])
        except ValueError:
            target = None
        current = link.current[key]
        if isinstance(current, float) and isinstance(target, (int, float)):
            same = math.isclose(current, float(target), rel_tol=1e-9, abs_tol=1e-12)
        else:
            same = current == target
        if not same:
            found.append((link.labels.get(key, key), _value_text(link, key, target),
                          _value_text(link, key, current)))
    return found


def _value_text(link, key: str, value) -> str:
    if value is None:
        return "?"
    formatted = link.formats.get(key)
    if formatted is not None:
        return str(formatted(value))
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def setup_of(task: Task) -> dict[str, str]:
    """The page settings `task`'s answer holds for: its link, then the defaults it assumes."""
    exercise = get_exercise(task.exercise_id)
    wanted = {key: "" for key in exercise.depends}
    wanted.update(task.link)
    for key in exercise.free:
        wanted.pop(key, None)
    return wanted


def lesson_clash(link, lesson: teacher.LessonSettings, task: Task) -> str:
    """Why `task` cannot open in this lesson (it needs another value of a setting the lesson
    hides or locks), or "" when it can."""
    if link is None or link.page != task.page or not lesson.fixed:
        return ""
    fixed = {key: value for key, value in setup_of(task).items() if key in lesson.fixed}
    changed = differs(link, fixed)
    if not changed:
        return ""
    label, wanted, current = changed[0]
    return (f"This lesson fixes {label} at {current}; this exercise needs {wanted}, so it "
            "cannot be opened here.")
