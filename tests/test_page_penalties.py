"""The regression page's penalties (AppTest): the penalty box and α from the address, the L1
panel's numbers against gradcore's, the race's exact zeros, the regularisation path's chart,
an unusable α, and the exercise l1-stays-zero against fit itself."""

import json

import numpy as np
import pytest

from gradcore import fit
from gradcore.exercises import penalties as penalty_exercises
from gradcore.exercises.catalogue import BY_ID, page_data
from tests.page_helpers import all_text, notes, open_page
from ui.regression import alt_text, penalties

# Three generated features, two of them weak enough that α = 2 holds them at exactly 0.
L1 = {"src": "generate", "n": "50", "d": "3", "seed": "2", "pen": "l1", "alpha": "2",
      "opt": "proximal", "steps": "200"}
RTOL = 1e-9


def l1_table(at):
    """The L1 panel's table (the frame with an "exactly 0" column)."""
    (frame,) = [d.value for d in at.dataframe if "exactly 0" in d.value.columns]
    return frame


def path_spec(at) -> dict:
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.alt == alt_text.PATH_ALT]
    return json.loads(chart.proto.spec)


def decoded(values) -> np.ndarray:
    """A plotly array as the browser gets it (a base64 typed array or a list)."""
    if isinstance(values, dict):
        import base64
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def the_run(link: dict, k: int):
    """fit as the page runs it from `link`: (w_k, b_k, loss gradient at k, trajectory)."""
    X, y = page_data(link)
    t = fit(X, y, optimizer=link.get("opt", "gd"), penalty=link["pen"],
            alpha=float(link["alpha"]), steps=int(link.get("steps", "200")), w0=0.0)
    return X, y, t


def test_the_controls_come_from_the_address_and_reach_the_run():
    """pen=l1&alpha=2: the box and the slider show them, the objective shows its penalty
    term, and the run is the penalised one (its loss is fit's objective)."""
    at = open_page("linear-regression", **L1)
    assert at.selectbox(key="pen").value == "l1"
    assert at.select_slider(key="alpha").value == "2"
    latex = " ".join(item.value for item in at.latex)
    assert r"J(\mathbf w,b) = L(\mathbf w,b) + P(\mathbf w)" in latex
    assert r"\alpha \lVert w \rVert_1" in latex and r"\alpha = 2" in latex
    assert "L1 (lasso)" in all_text(at)


def test_no_penalty_shows_no_alpha_and_no_penalty_panels():
    """Without a penalty: no α control, no objective line, no L1 panel, no path box."""
    at = open_page("linear-regression", src="generate", n="50", d="3")
    assert at.selectbox(key="pen").value == "none"
    assert not [s for s in at.select_slider if s.key == "alpha"]
    assert "P(\\mathbf w)" not in " ".join(item.value for item in at.latex)
    assert not [d for d in at.dataframe if "exactly 0" in d.value.columns]
    assert penalties.PATH_TITLE not in [e.label for e in at.expander]


@pytest.mark.parametrize("k", [0, 1, 200])
def test_the_l1_panel_shows_gradcores_numbers(k):
    """At step k: wⱼ and the loss's ∂L/∂wⱼ are fit's (to RTOL), the exact zeros are fit's, and
    ✓ marks the coefficients that meet the optimality condition."""
    _, _, t = the_run(L1, k)
    k = min(k, t.steps_taken)  # the page clamps a step beyond the run's end
    at = open_page("linear-regression", **L1, k=str(k), tab="gradient")
    frame = l1_table(at)
    alpha = float(L1["alpha"])
    np.testing.assert_allclose(frame["wⱼ"].to_numpy(float), t.w[k], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(frame["∂L/∂wⱼ (loss)"].to_numpy(float), t.loss_grad_w[k],
                               rtol=RTOL, atol=1e-12)
    assert list(frame["exactly 0"]) == ["yes" if w == 0 else "no" for w in t.w[k]]
    expected = np.where(t.w[k] == 0, np.abs(t.loss_grad_w[k]) <= alpha,
                        np.abs(t.loss_grad_w[k] + alpha * np.sign(t.w[k]))
                        <= penalties.CONDITION_RTOL * alpha)
    assert list(frame["holds"]) == ["✓" if e else "✗" for e in expected]
    zeros = int(np.sum(t.w[k] == 0))
    assert f"At step {k}, **{zeros} of 3** coefficients are exactly 0" in all_text(at)
    if k == t.steps_taken:  # the end: exact zeros, every condition met
        assert zeros >= 1 and set(frame["holds"]) == {"✓"}
    assert "subdifferential is the whole interval α·[−1, 1]" in all_text(at)


def test_the_subdifferential_column():
    """∂(α|wⱼ|) is the interval [−α, α] at 0 and {α·sign(wⱼ)} elsewhere."""
    frame = penalties.l1_frame(("a", "b", "c"), np.array([0.0, 1.5, -2.0]),
                               np.array([0.3, -2.0, 2.0]), 2.0)
    assert list(frame["∂(α|wⱼ|)"]) == ["[-2, 2]", "{2}", "{-2}"]
    assert list(frame["holds"]) == ["✓", "✓", "✓"]
    wrong = penalties.l1_frame(("a", "b"), np.array([0.0, 1.0]), np.array([2.5, 1.0]), 2.0)
    assert list(wrong["holds"]) == ["✗", "✗"]


def test_the_race_counts_exact_zeros_per_racer():
    """proximal against the subgradient method on the same L1 objective: the caption gives
    each racer's exact zeros at the end, as fit's trajectories have them."""
    at = open_page("linear-regression", **L1, race="gd")
    X, y, proximal = the_run(L1, 0)
    _, _, subgradient = the_run({**L1, "opt": "gd"}, 0)
    text = all_text(at)
    assert (f"proximal gradient (ISTA): **{int(np.sum(proximal.w[-1] == 0))} of 3**" in text)
    assert f"gradient descent: **{int(np.sum(subgradient.w[-1] == 0))} of 3**" in text
    assert np.sum(proximal.w[-1] == 0) > np.sum(subgradient.w[-1] == 0)


def test_the_path_chart_has_a_line_per_coefficient_and_marks_alpha():
    """Opened, the path box draws one line per coefficient over the α grid (log axis) and the
    current α as a dashed line with a marker per coefficient; its sentence sits beside it."""
    at = open_page("linear-regression", **L1)
    at.session_state[penalties.PATH_PANEL_KEY] = True
    at.run()
    assert not at.exception, at.exception
    spec = path_spec(at)
    lines = [t for t in spec["data"] if t["mode"] == "lines"]
    assert [t["name"] for t in lines] == ["w1 (x1)", "w2 (x2)", "w3 (x3)"]
    np.testing.assert_allclose(decoded(lines[0]["x"]), penalties.PATH_ALPHAS, rtol=1e-12)
    assert spec["layout"]["xaxis"]["type"] == "log"
    (marker,) = [t for t in spec["data"] if t["mode"] == "markers"]
    assert set(decoded(marker["x"])) == {2.0}
    (shape,) = spec["layout"]["shapes"]
    assert shape["x0"] == shape["x1"] == 2.0
    here = penalties.PATH_ALPHAS.index(2.0)
    np.testing.assert_allclose(decoded(marker["y"]), [decoded(t["y"])[here] for t in lines])
    assert "at α = 2, w1 (x1) =" in all_text(at)
    _, _, t = the_run(L1, 0)  # the run converged: it ends where the path is at its α
    np.testing.assert_allclose(decoded(marker["y"]), t.w[-1], atol=1e-6)


@pytest.mark.parametrize(("loss", "penalty", "rows"), [("mae", "l1", 500), ("mae", "l2", 600),
                                                     ("huber", "l1", 600)])
def test_a_slow_path_reads_fewer_rows_and_says_so(loss, penalty, rows):
    """On 600 rows, the MAE + L1 path (a linear programme per α) reads 500 evenly spaced rows
    and says so; the others read all 600 and say nothing about rows."""
    at = open_page("linear-regression", **{**L1, "n": "600", "pen": penalty, "loss": loss,
                                           "opt": "gd"})
    at.session_state[penalties.PATH_PANEL_KEY] = True
    at.run()
    assert not at.exception, at.exception
    assert len(path_spec(at)["data"]) == 4
    said = "this loss's path reads 500 evenly spaced rows of the 600" in all_text(at)
    assert said == (rows == 500)


def test_the_path_box_costs_nothing_while_closed():
    """Closed (the default), the box draws no chart."""
    at = open_page("linear-regression", **L1)
    assert penalties.PATH_TITLE in [e.label for e in at.expander]
    assert not [c for c in at.get("plotly_chart") if c.proto.alt == alt_text.PATH_ALT]


@pytest.mark.parametrize("bad", ["3", "-1", "abc", "1e9"])
def test_an_unusable_alpha_falls_back_with_a_note(bad):
    """α not on the slider: the default α and the usual note."""
    at = open_page("linear-regression", **{**L1, "alpha": bad})
    assert at.select_slider(key="alpha").value == penalties.DEFAULT_ALPHA
    assert f"alpha={bad} in the link is not usable" in notes(at)


def test_an_unknown_penalty_falls_back_with_a_note():
    at = open_page("linear-regression", **{**L1, "pen": "l3"})
    assert at.selectbox(key="pen").value == "none"
    assert "pen=l3 in the link is not usable" in notes(at)


# --- the exercise -----------------------------------------------------------------------------

def test_exercise_alphas_are_on_the_pages_slider():
    """Every α the exercise may pick is one of the control's choices."""
    assert {f"{a:g}" for a in penalty_exercises.ALPHA_CHOICES} <= set(penalties.ALPHAS)


@pytest.mark.parametrize("seed", range(8))
def test_the_exercises_answer_is_what_fit_does(seed):
    """One proximal step of fit from w = 0 on the linked data leaves w₂ at exactly 0 exactly
    when the solution says yes."""
    task = BY_ID["l1-stays-zero"].instance(seed)
    X, y = page_data(task.link)
    t = fit(X, y, optimizer="proximal", penalty="l1", alpha=float(task.link["alpha"]),
            steps=1, w0=0.0, tol=0.0)
    assert (t.w[1][1] == 0) == (task.solution == "yes")


@pytest.mark.parametrize(("seed", "advice"), [
    (0, "the threshold is η·α"),
    (1, "its sign does not matter"),
    (2, "subdifferential at 0 is α·[−1, 1]"),
    (5, "|∂L/∂w₂| = 5.859 > α = 0.1"),
])
def test_the_exercise_names_the_mistake(seed, advice):
    """The wrong answer is told which comparison gives it: η·|g| with α, the signed g with α,
    any gradient moving w₂, or plainly |g| > α."""
    task = BY_ID["l1-stays-zero"].instance(seed)
    feedback = task.check("yes" if task.solution == "no" else "no")
    assert not feedback.correct and advice in feedback.message, feedback.message


def test_the_path_figure_is_valid_plotly_and_its_text_says_the_numbers():
    """path_figure passes plotly's validation; the sentence gives the coefficients at α, the
    exact zeros there and the α from which all are 0; the table has α and each coefficient."""
    alphas = np.array([0.1, 1.0, 2.0, 10.0])
    coefs = np.array([[3.0, -1.0], [2.0, 0.0], [1.5, 0.0], [0.0, 0.0]])
    figure = penalties.path_figure(alphas, coefs, ("a", "b"), 2.0)
    assert [trace.name for trace in figure.data] == ["w1 (a)", "w2 (b)", "α = 2 (this run)"]
    assert figure.layout.xaxis.type == "log"
    text = alt_text.regularization_path(alphas, coefs, ("a", "b"), 2.0, "L1 (lasso)")
    assert "at α = 2, w1 (a) = 1.5, w2 (b) = 0; 1 of 2 exactly 0" in text.sentence
    assert "every coefficient is exactly 0 from α = 10 on" in text.sentence
    assert list(text.table.columns) == ["α", "w1 (a)", "w2 (b)"] and len(text.table) == 4
