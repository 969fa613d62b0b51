"""Streamlit-side code of Gradient Lab, in four homes:

- ``ui.shell``: what every lesson page shares: the frame and lesson table (``lessons``), URL
  state (``state``, ``address``, ``aliases``), teacher links and class mode (``teacher``,
  ``teacher_panel``, ``signing``, ``class_mode``, ``class_view``), the exercise panel, style,
  the server's start-up (``server``) and safe text (``text``);
- ``ui.charts``: the chart kit: plain plotly specs (``spec``), the palette, text alternatives
  (``alt_text``) and the bounded cache of figures (``cache``);
- ``ui.calculus``: the calculus lessons' controls and figures (``widgets``, ``figures``,
  ``gradient_figures``, the curvature panel and figures);
- ``ui.regression``: the linear-regression lesson, one package with one entry point.

Pages import from these homes. Round 2's flat module paths (``ui.teacher``, ``ui.state``,
``ui.regression_cache``, ...) still import, as the same module objects, for code written
against them.
"""

import importlib
import importlib.abc
import importlib.util
import sys

_MOVED = {
    "address": "ui.shell.address",
    "aliases": "ui.shell.aliases",
    "lessons": "ui.shell.lessons",
    "state": "ui.shell.state",
    "teacher": "ui.shell.teacher",
    "teacher_panel": "ui.shell.teacher_panel",
    "signing": "ui.shell.signing",
    "exercise_panel": "ui.shell.exercise_panel",
    "exercise_setup": "ui.shell.exercise_setup",
    "style": "ui.shell.style",
    "server": "ui.shell.server",
    "text": "ui.shell.text",
    "class_mode": "ui.shell.class_mode",
    "class_view": "ui.shell.class_view",
    "plotly_spec": "ui.charts.spec",
    "palette": "ui.charts.palette",
    "alt_text": "ui.charts.alt_text",
    "chart_cache": "ui.charts.cache",
    "widgets": "ui.calculus.widgets",
    "figures": "ui.calculus.figures",
    "gradient_figures": "ui.calculus.gradient_figures",
    "curvature_figures": "ui.calculus.curvature_figures",
    "curvature_panel": "ui.calculus.curvature_panel",
    "regression_build": "ui.regression.build",
    "regression_cache": "ui.regression.cache",
    "regression_check": "ui.regression.check",
    "regression_data": "ui.regression.data",
    "regression_engine": "ui.regression.engine",
    "regression_export": "ui.regression.export",
    "regression_figures": "ui.regression.figures",
    "regression_race": "ui.regression.race",
    "regression_tables": "ui.regression.tables",
    "regression_view": "ui.regression.view",
    "data_source": "ui.regression.data_source",
    "race_figures": "ui.regression.race_figures",
    "byte_store": "ui.regression.byte_store",
    "upload_turns": "ui.regression.upload_turns",
}


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``ui.<old name>`` as the module at its new path (the same object)."""

    def find_spec(self, fullname, path=None, target=None):
        name = fullname.removeprefix("ui.")
        if fullname.startswith("ui.") and name in _MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(_MOVED[spec.name.removeprefix("ui.")])
        spec.loader_state = module.__spec__  # put back by exec_module
        return module

    def exec_module(self, module):
        """Nothing to run (the module ran at its new path); it keeps its own ``__spec__``."""
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(finder, _OldPaths) for finder in sys.meta_path):
    sys.meta_path.append(_OldPaths())
