"""The frameworks table on the Subgradients page and its pointer on the Derivatives page."""

from gradcore.calculus.frameworks import FRAMEWORKS, KINK_TABLE
from tests.page_helpers import all_text, open_page
from ui.calculus.frameworks import PANEL_KEY, TITLE


def kink_frames(at):
    """The dataframes of the frameworks panel (they have the column "At the kink")."""
    return [frame.value for frame in at.dataframe if "At the kink" in frame.value.columns]


def open_subgradient(**params):
    at = open_page("subgradient", panels=False, **params)
    at.session_state[PANEL_KEY] = True  # the lazy expander, opened as a student would
    return at.run()


def test_table_renders_with_every_kink_and_framework():
    """Opened, the expander shows the kink table (5 rows, every framework and gradcore) and the
    sources table with a link and a version per cell."""
    at = open_subgradient()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander if e.label == TITLE]
    table, sources = kink_frames(at)
    assert list(table["At the kink"]) == [row.label for row in KINK_TABLE]
    assert set(FRAMEWORKS) <= set(table.columns)
    assert table.loc[1, "JAX"].startswith("1") and table.loc[0, "HIPS autograd"].startswith("0.5")
    assert len(sources) == len(KINK_TABLE) * len(FRAMEWORKS)
    assert sources["Source"].str.startswith("https://github.com/").all()
    assert sources["Version"].str.len().min() > 0
    text = all_text(at)
    assert "This project's choice" in text and "central difference" in text


def test_table_is_lazy():
    """Closed (the default), the page makes no dataframe: the table costs nothing per click."""
    at = open_page("subgradient", panels=False)
    assert not at.exception and not kink_frames(at)


def test_table_waits_while_an_exercise_holds_its_answer():
    """/subgradient?ex=kink-framework: the open table does not show the answer (JAX)."""
    at = open_subgradient(ex="kink-framework", fn="abs", x0="0.0")
    assert not at.exception, at.exception
    assert not kink_frames(at)
    assert "holds the answer" in all_text(at)


def test_derivatives_page_points_to_the_table_at_a_listed_kink():
    """abs at 0: one line with PyTorch 0, JAX 1; at a smooth point or an unlisted kink, none."""
    at = open_page("derivatives", fn="abs", x0="0.0")
    assert "PyTorch 0, JAX 1" in all_text(at)
    assert "frameworks disagree" not in all_text(open_page("derivatives", fn="abs", x0="1.0"))
    at = open_page("derivatives", fn="maxlin", x0="0.0")
    assert "frameworks disagree" not in all_text(at)
    at = open_page("derivatives", fn="hinge", x0="1.0")
    assert "JAX −0.5" in all_text(at)
