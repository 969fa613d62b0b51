"""ui/charts/spec.py: figures written as plain JSON are what plotly would have sent."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from tests.figure_marks import calculus_gallery, race_gallery, regression_gallery
from ui.charts import spec as plotly_spec
from ui.charts.spec import Base, Figure, layout, scatter

GALLERY = {**calculus_gallery(),
           **{f"regression {name}": fig for name, fig in regression_gallery().items()},
           **{f"race {name}": fig for name, fig in race_gallery().items()}}


@pytest.mark.parametrize("name", list(GALLERY))
def test_every_builder_writes_json_that_plotly_validates_to_the_same_figure(name):
    """plotly's validated figure (``checked``) sends the same JSON as the plain spec, template
    included: nothing was unknown to plotly or coerced by it."""
    fig = GALLERY[name]
    plain = json.loads(pio.to_json(fig.to_dict(), validate=False))
    validated = json.loads(pio.to_json(fig.checked()))
    assert plain == validated


def test_to_dict_gives_fresh_outer_dicts_and_base64_arrays():
    """Popping a key from what to_dict gave (plotly pops trace uids) leaves the figure intact;
    numpy arrays are sent in plotly's base64 form, ``range`` as plain numbers."""
    fig = Figure([scatter(np.arange(3.0), np.ones(3), "line", uid="u1")],
                 layout("x", "y", yaxis={"range": [0.0, 2.0]}))
    first = fig.to_dict()
    first["data"][0].pop("uid")
    assert fig.to_dict()["data"][0]["uid"] == "u1"
    assert set(first["data"][0]["x"]) == {"dtype", "bdata"}
    assert first["layout"]["yaxis"]["range"] == [0.0, 2.0]


def test_checked_figure_rejects_a_property_plotly_does_not_know():
    """A misspelt property fails in the test that validates, not silently in the browser."""
    with pytest.raises(ValueError):
        Figure([scatter([0, 1], [0, 1], "line", colour="red")], layout("x", "y")).checked()


def test_scatter_leaves_out_properties_given_as_none():
    """``legendgroup=None`` is not written (plotly would drop it too)."""
    assert "legendgroup" not in scatter([0], [0], "p", legendgroup=None)
    assert isinstance(go.Figure(Figure([scatter([0], [0], "p")], layout("x", "y")).to_dict()),
                      go.Figure)


def test_a_step_over_a_base_converts_only_its_own_arrays(monkeypatch):
    """The base's arrays are converted once, when it is built; a step's figure sends them
    after the base's traces without converting them again, and its frames as given."""
    calls = []
    convert = plotly_spec.to_typed_array_spec
    monkeypatch.setattr(plotly_spec, "to_typed_array_spec",
                        lambda value: calls.append(value.size) or convert(value))
    base = Base((scatter(np.arange(1000.0), np.zeros(1000), "data", "markers"),),
                layout("x", "y"))
    assert calls == [1000, 1000]
    frames = [{"name": "k1", "data": [{"type": "scatter", "x": [1], "y": [2.0]}]}]
    step = Figure([scatter(np.array([1.0]), np.array([2.0]), "step 1")], base.layout, frames,
                  base=base)
    sent = step.to_dict()
    assert calls == [1000, 1000, 1, 1]
    assert [trace["name"] for trace in sent["data"]] == ["data", "step 1"]
    assert sent["data"][0] == base.typed_traces[0] and sent["frames"] == frames
    assert len(step.data) == 2 and step.frames[0].name == "k1"
