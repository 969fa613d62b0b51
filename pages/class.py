"""The teacher's live view of a class: /class?class=<code>&teacher=<key> (ui/shell/class_view.py)."""

from ui.shell.class_view import live_view
from ui.shell.lessons import page_frame

with page_frame("pages/class.py"):
    live_view()
