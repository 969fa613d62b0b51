"""The linear-regression lesson, one package: ``render(lesson)`` draws the page.

- ``page``: the page itself (data, settings, run, race, stepper), the entry point;
- ``data_source``, ``data``, ``upload_turns``: picking, loading and parsing a table (uploads
  one at a time per server);
- ``build``: the values (problem, run, references, chart bases) from plain values;
- ``cache``, ``byte_store``: one byte-bounded, value-keyed store shared by every session;
- ``engine``: the loss and optimizer controls generated from gradcore's rows, and the formula
  panel of any loss x optimizer pair;
- ``view``, ``tables``, ``check``: the stepper, its tables and the check panel;
- ``figures``, ``race``, ``race_figures``: the charts and the race;
- ``export``: the downloads (trajectory, data, Python script).
"""


def render(lesson) -> None:
    """Draw the linear-regression page (imported on first use: importing the package for one
    of its modules does not load the page)."""
    from ui.regression.page import render as page

    page(lesson)
