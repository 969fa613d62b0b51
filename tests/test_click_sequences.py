"""The click sequences that crashed pages in the first classroom trial, kept as regressions.

Each one was "This app has encountered an error" with the controls gone: a URL parameter
bound to a widget deleted by the app (``StreamlitAPIException``) or an integer box seeded with
``inf`` (``OverflowError`` inside Streamlit). The app now writes the address itself, so these
tests see the address as a browser would (AppTest sends back what the app wrote).
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import metric, notes, open_page

REGRESSION = "pages/linear-regression.py"
GRADIENTS = "pages/gradients.py"


def test_removing_the_only_feature_asks_for_one_and_the_box_stays_usable():
    """Tips: × on total_bill -> "Choose at least one feature."; picking it again fits again."""
    at = open_page(REGRESSION)
    at.multiselect(key="feats").set_value([]).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Choose at least one feature."]
    assert at.multiselect(key="feats").value == []
    at.multiselect(key="feats").set_value(["total_bill"]).run()
    assert not at.exception and not at.warning
    assert metric(at, "step k").startswith("0 of")


def test_clear_all_on_diabetes_then_a_fresh_link_of_that_view():
    """Diabetes, "Clear all": the same message, and the address opens the same empty choice."""
    at = open_page(REGRESSION, ds="diabetes")
    at.multiselect(key="feats").set_value([]).run()
    assert not at.exception and at.warning[0].value == "Choose at least one feature."
    again = open_page(REGRESSION, **at.query_params)
    assert not again.exception and again.warning[0].value == "Choose at least one feature."
    assert notes(again) == ""


@pytest.mark.parametrize("change", [("lr", "0.2"), ("steps", 50)])
def test_end_then_a_shorter_run_clamps_the_step_to_its_last(change):
    """At η 0.01 (200 steps, no convergence yet): end, then η 0.2 (converges sooner) or Steps
    50: k becomes the new run's last step."""
    at = open_page(REGRESSION, lr="0.01")
    at.button(key="k_end").click().run()
    assert metric(at, "step k") == "200 of 200"
    key, value = change
    widget = at.select_slider(key=key) if key == "lr" else at.number_input(key=key)
    widget.set_value(value).run()
    assert not at.exception
    k, last = metric(at, "step k").split(" of ")
    assert k == last and int(last) < 200
    assert at.query_params["k"] == last


def test_axis_z_then_a_function_without_z_falls_back_to_its_first_variable():
    """Gradients: Horizontal axis z, then ‖w‖² (w1, w2, w3): the axis becomes w1, no crash."""
    at = open_page(GRADIENTS)
    at.selectbox(key="sx").set_value("z").run()
    assert at.query_params["sx"] == "z"
    at.selectbox(key="fn").set_value("sqnorm").run()
    assert not at.exception
    assert at.selectbox(key="sx").value == "w1"
    assert "sx" not in at.query_params


def test_axis_z_survives_a_typed_four_variable_function():
    """sqnorm, then typed w²+x²+y²+z²: z is a variable again and can be chosen."""
    at = open_page(GRADIENTS, fn="sqnorm")
    at.selectbox(key="fn").set_value("typed").run()
    at.text_input(key="f").input("w^2+x^2+y^2+z^2").run()
    assert not at.exception
    at.selectbox(key="sx").set_value("z").run()
    assert not at.exception and at.query_params["sx"] == "z"


@pytest.mark.parametrize("steps", ["inf", "1e309", "-inf", "nan", "12.5", "1e20"])
def test_a_link_with_an_unusable_step_count_says_so_and_uses_200(steps):
    """?steps=inf raised OverflowError inside Streamlit; now a note and the default 200."""
    at = open_page(REGRESSION, steps=steps)
    assert not at.exception
    assert f"steps={steps}" in notes(at)
    assert at.number_input(key="steps").value == 200
    assert "steps" not in at.query_params


LIMITED_CHOICES = """
import streamlit as st
from ui.shell.state import Link
link = Link("demo")
picked = link.choices("feats", "Features", ["a", "b", "c", "d"], ["a", "b", "c"], max_selections=2)
st.write("picked " + ",".join(picked))
for note in link.notes:
    st.info(note)
"""


def test_a_link_cannot_choose_more_than_max_selections():
    """A link naming more choices than the multiselect allows keeps the first ones, with a note,
    and a default longer than the limit is cut to it (Streamlit would raise otherwise)."""
    at = AppTest.from_string(LIMITED_CHOICES)
    at.query_params["feats"] = ["d", "c", "b"]
    at.run()
    assert not at.exception
    assert at.multiselect(key="feats").value == ["d", "c"]
    assert any("at most 2" in info.value for info in at.info)
    fresh = AppTest.from_string(LIMITED_CHOICES).run()
    assert not fresh.exception
    assert fresh.multiselect(key="feats").value == ["a", "b"]
