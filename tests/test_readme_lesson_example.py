"""The README's worked lesson example does what it says (issue 26 item 12): the slope it asks
students to predict stays hidden until Reveal; and the README makes a virtual environment
before installing."""

import re
from pathlib import Path

from tests.page_helpers import all_text, metrics, open_page
from ui.shell.teacher import lesson_query

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SLOPE = "4.75"  # d/dx (x³ − 2x) at 1.5 = 3 · 2.25 − 2
TASK = ("Predict the slope of the tangent at x₀ = 1.5 from f′, then press Reveal the answers")


def _lesson_section() -> str:
    return README[README.index("### Building and sharing a lesson link"):]


def test_the_readme_describes_building_the_example_in_the_panel():
    """The example names the formula, the point, the task, the locks and the hold switch."""
    section = " ".join(_lesson_section().split())
    for piece in ("`x^3 - 2x`", "**Point x₀** to 1.5", TASK, "lock **Function**",
                  "tick **Hold the answers back until the student presses Reveal**",
                  f"the tangent's slope ({SLOPE})"):
        assert piece in section, piece


def test_the_example_lesson_hides_the_slope_until_reveal():
    """Built as the README says, the lesson shows f and f′ but not the slope 4.75 (no metric,
    no chart sentence, no check) until Reveal the answers is pressed."""
    query = lesson_query("derivatives", {"fn": "typed", "f": "x^3 - 2x", "x0": "1.5"},
                         task=TASK, lock=("fn", "f", "x0"), hold=True)
    at = open_page("derivatives", **query)
    assert not at.exception and not at.error
    assert SLOPE not in all_text(at)
    assert "Tangent slope f′(x₀)" not in metrics(at)
    at.button(key=next(b.key for b in at.button if b.label == "Reveal the answers")).click().run()
    assert metrics(at)["Tangent slope f′(x₀)"] == SLOPE


def test_run_it_and_test_it_make_a_virtual_environment_first():
    """Both commands start with python3 -m venv; the test command CI greps is unchanged."""
    for heading in ("## Run it", "## Test it"):
        block = README[README.index(heading):].split("```bash\n", 1)[1].split("```", 1)[0]
        assert block.splitlines()[0] == "python3 -m venv .venv && . .venv/bin/activate", block
    assert re.search(r"^pip install -r requirements-dev.txt && python -m pytest$", README,
                     re.MULTILINE)
