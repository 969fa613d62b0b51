"""Helpers shared by the AppTest page tests: open a page, read what it shows."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from ui.charts import plot

APP = Path(__file__).resolve().parent.parent / "home.py"
TEXT_ELEMENTS = ("markdown", "caption", "error", "warning", "success", "info", "latex",
                 "header", "subheader", "title")


PANELS = ("share_panel", "teacher_panel", "exercises_panel", "check_numbers",
          "downloads_panel", "glossary_panel", "engine_panel")
"""The lazy boxes (made only while open): the share, teacher and exercise boxes at a lesson's
end, the calculus check's table, the regression page's downloads, glossary and its box of loss,
optimizer, penalty, race and schedule controls. Tests open them, as a user would."""


def open_panels(at: AppTest) -> AppTest:
    """Open the share box, the teacher panel, the exercise list and the check's table of the
    session's pages."""
    for key in PANELS:
        at.session_state[key] = True
    return at


def open_page(page: str, /, *, timeout: float = 60, panels: bool = True,
              **params) -> AppTest:
    """A fresh session on `page` opened with these URL parameters, after one run that raised
    nothing.

    `page` is a page file (``"pages/chain-rule.py"``) or its name (``"chain-rule"``);
    `timeout` is AppTest's limit in seconds for each run of this session; `panels` opens the
    lazy boxes at the page's end (:func:`open_panels`). The entry script
    runs once first so that the pages are registered under their own addresses (AppTest only
    knows file names before a run).
    """
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if panels:
        open_panels(at)
    at.run()
    at.switch_page(page if page.endswith(".py") else f"pages/{page}.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def deferred_downloads(monkeypatch) -> list[tuple]:
    """Record every deferred download a page offers from now on (st.download_button with a
    callable): the returned list fills with (data_callable, [file name and other arguments])."""
    offered = []
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        offered.append((data_callable, [*args, *kwargs.values()]))
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return offered


def shown(markdown: str) -> str:
    """Markdown source as a reader sees it: the backslash escapes and zero-width spaces of
    user text removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def metrics(at: AppTest) -> dict[str, str]:
    """Label -> shown value of every st.metric on the page."""
    return {m.label: m.value for m in at.metric}


def metric(at: AppTest, label: str) -> str:
    """The shown value of the first st.metric called `label`."""
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return values[0]


def notes(at: AppTest) -> str:
    """All st.info text (the link notes live there), as a reader sees it."""
    return " ".join(shown(i.value) for i in at.info)


def all_text(at: AppTest) -> str:
    """Every piece of text the page shows, as a reader sees it: messages, markdown, headings,
    formulas, metrics and tables."""
    parts = [e.value for kind in TEXT_ELEMENTS for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [frame.value.to_string() for frame in at.dataframe]
    return shown("\n".join(str(p) for p in parts))


def open_tab(at: AppTest, view: str) -> AppTest:
    """Open the regression stepper's tab `view` (a short name of ui.regression.view.TABS:
    "fit", "path", "gradient", "check") as a student's click does, and run."""
    from ui.regression.view import TABS, TABS_KEY

    at.session_state[TABS_KEY] = TABS[view]
    at.run()
    assert not at.exception, at.exception
    return at


@dataclass
class TabControl:
    """The stepper's tabs seen as a control (a tab bar is a block, not a widget, in AppTest):
    `value` the open view's short name, `options` the views offered, `disabled` when a lesson
    fixed it (one tab alone)."""

    key: str
    value: str
    options: list[str]
    disabled: bool


def tab_control(at: AppTest) -> TabControl | None:
    """The regression stepper's tab bar as a :class:`TabControl`, None when none is drawn."""
    from ui.regression.view import TABS, TABS_KEY

    if not at.tabs:
        return None
    names = {label: name for name, label in TABS.items()}
    labels = [tab.label for tab in at.tabs]
    if len(labels) == 1:
        return TabControl(TABS_KEY, names[labels[0]], [names[labels[0]]], True)
    shown = at.session_state[TABS_KEY] if TABS_KEY in at.session_state else labels[0]
    return TabControl(TABS_KEY, names[shown], [names[label] for label in labels], False)


def tab_texts(at: AppTest, *views: str) -> str:
    """The page's text now, then with each of the stepper's tabs `views` opened in turn (the
    session stays on the last)."""
    text = all_text(at)
    for view in views:
        text += "\n" + all_text(open_tab(at, view))
    return text


@dataclass(frozen=True)
class Chart:
    """A chart on the page as a test reads it, however it is drawn: ``kind`` "plotly" for
    ``st.plotly_chart``, "basic" for ``ui.charts.plot``'s element (plotly.js's basic bundle);
    ``spec`` is the figure's JSON (data, layout, frames), ``size`` its length in bytes as
    sent to the browser."""

    key: str
    alt: str
    spec: dict
    kind: str
    size: int


def charts(at: AppTest) -> list[Chart]:
    """Every chart on the page, in page order."""
    found = []
    for node in at._tree:
        if node.type == "plotly_chart":
            text = node.proto.spec
            found.append(Chart(node.key, node.proto.alt, json.loads(text), "plotly",
                               len(text.encode())))
        elif node.type == "bidi_component" and node.proto.component_name == plot.COMPONENT:
            data = json.loads(node.proto.bytes)  # UTF-8 JSON (ui.charts.plot.payload)
            found.append(Chart(node.key, data["alt"], data["spec"], "basic",
                               len(json.dumps(data["spec"]).encode())))
    return found
