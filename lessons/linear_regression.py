"""Linear regression: gradient descent on the MSE, step by step, checked against scikit-learn."""

import streamlit as st

from gradcore import DataError
from ui import data_source
from ui import regression_cache as cache
from ui.regression_view import stepper, trajectory_csv
from ui.state import LinkCheck, share_box, show_link_notes

LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-6, 2) for m in (1, 2, 5))
DEFAULTS = {"lr": 0.1, "steps": 200, "w0": 0.0, "b0": 0.0}
MAX_STEPS = 100_000
START_LIMIT = 1e6


def rate_label(rate: float) -> str:
    """How a learning rate is written on the control and in the URL."""
    return f"{rate:g}"


def stale_column_settings(digest: str, columns: list[str]) -> set[str]:
    """After the student switches to another table, the address still names the previous
    table's columns. Those are stale settings, not a teacher's link: they are not reported
    as a bad link, and the widgets fall back to this table's defaults (Streamlit drops a
    bound parameter that is not one of the options)."""
    seen = st.session_state.get("reg_table")
    st.session_state["reg_table"] = digest
    if seen is None or seen == digest:
        return set()
    return {key for key in ("target", "feats")
            if any(value not in columns for value in st.query_params.get_all(key))}


st.title("Gradient descent for linear regression")
st.markdown(
    "A linear model predicts $\\hat y_i = \\mathbf{w}\\cdot\\mathbf{x}_i + b$. Gradient descent "
    "lowers the mean squared error by stepping against its gradient, which the chain rule gives "
    "as a sum of residuals $r_i = \\hat y_i - y_i$ (article, section 5.3):"
)
# Two lines, so the formula fits a phone's width without scrolling sideways.
st.latex(r"\begin{gathered}L(\mathbf{w},b)=\frac1N\sum_{i=1}^N(\mathbf{w}\cdot\mathbf{x}_i+b-y_i)^2"
         r"\\ \nabla_{\mathbf{w}}L=\frac2N\sum_{i=1}^N r_i\,\mathbf{x}_i,\quad "
         r"\frac{\partial L}{\partial b}=\frac2N\sum_{i=1}^N r_i\end{gathered}")
notes_box = st.container()

check = LinkCheck()
data_source.check_link(check)
rate_names = [rate_label(r) for r in LEARNING_RATES]
check.choice("lr", rate_names, rate_label(DEFAULTS["lr"]))
check.number("steps", DEFAULTS["steps"], 0, MAX_STEPS, integer=True)
check.number("w0", DEFAULTS["w0"], -START_LIMIT, START_LIMIT)
check.number("b0", DEFAULTS["b0"], -START_LIMIT, START_LIMIT)
check.flag("std", True)
check.flag("logy", False)

data_col, settings_col = st.columns(2, gap="large")
with data_col:
    st.subheader("1 · Data")
    data = data_source.pick_data()
if data is None:
    with notes_box:
        show_link_notes(check.notes)
    share_box()
    st.stop()

columns = [str(c) for c in data.frame.columns]
with data_col:
    st.caption(f"Using {data.label}: {len(data.frame):,} rows." +
               (f" Generated with {data.truth}." if data.truth else ""))
    if data.notes:
        st.info("\n".join(f"- {note}" for note in data.notes))
    stale = stale_column_settings(data.digest, columns)
    if "target" not in stale:
        check.choice("target", columns, data.default_target)
    if st.session_state.get("target") not in (None, *columns):
        # Set, not delete: the browser's box would keep showing the old column otherwise.
        st.session_state["target"] = data.default_target
    target = st.selectbox("Target y", columns, index=columns.index(data.default_target),
                          key="target", bind="query-params")
    options = [c for c in columns if c != target]
    defaults = [f for f in data.default_features if f in options] or options[:1]
    if "feats" not in stale:
        check.choices("feats", options, defaults)
    if any(f not in options for f in st.session_state.get("feats", ())):
        st.session_state["feats"] = defaults
    features = tuple(st.multiselect("Features x", options, default=defaults, key="feats",
                                    bind="query-params"))
    standardise = st.checkbox("Standardise the features (z = (x − mean) / sd)", value=True,
                              key="std", bind="query-params")

upload_note = ("The link carries the settings, not the file: whoever opens it must upload the "
               "same file." if st.session_state.get("src") == "upload" else None)
if not features:
    data_col.warning("Choose at least one feature.")
    with notes_box:
        show_link_notes(check.notes)
    share_box(upload_note)
    st.stop()

try:
    with st.spinner("Preparing the data: statistics and the scikit-learn fit…"):
        problem = cache.prepare(data, data.digest, target, features, standardise)
except DataError as error:
    data_col.error(str(error))
    share_box(upload_note)
    st.stop()
for warning in problem.warnings:
    data_col.warning(warning)

bound = problem.stats.max_stable_learning_rate
with settings_col:
    st.subheader("2 · Gradient descent")
    rate = st.select_slider("Learning rate η (log scale)", LEARNING_RATES,
                            value=DEFAULTS["lr"], format_func=rate_label, key="lr",
                            bind="query-params")
    stable = rate < bound
    st.markdown(
        f"Largest stable learning rate for this data: **1/λmax = {bound:.4g}**. "
        + (f"η = {rate_label(rate)} is below it: stable." if stable
           else f"**η = {rate_label(rate)} is above it: GD will diverge.**")
        + f" Condition number: {problem.stats.condition_number:.4g}."
    )
    steps = st.number_input("Steps", 0, MAX_STEPS, DEFAULTS["steps"], step=50, key="steps",
                            bind="query-params")
    c1, c2 = st.columns(2)
    w0 = c1.number_input("start w0 (every weight)", -START_LIMIT, START_LIMIT, DEFAULTS["w0"],
                         key="w0", bind="query-params")
    b0 = c2.number_input("start b0", -START_LIMIT, START_LIMIT, DEFAULTS["b0"], key="b0",
                         bind="query-params")
    try:
        with st.spinner("Running gradient descent…"):
            run = cache.descend(problem, problem.key, float(rate), int(steps), float(w0),
                                float(b0))
    except DataError as error:
        st.error(str(error))
        share_box(upload_note)
        st.stop()
    trajectory = run.trajectory
    if trajectory.stop_reason == "diverged":
        st.error(
            f"Diverged: the learning rate {rate_label(rate)} is above the largest stable "
            f"learning rate 1/λmax = {bound:.4g}. The loss grows without bound, so the run "
            f"stopped after {trajectory.steps_taken} steps; the plots show only those steps. "
            f"Choose η below {bound:.4g}."
        )
    elif trajectory.stop_reason == "converged":
        st.success(trajectory.message)
    else:
        st.warning(trajectory.message)
    st.download_button(
        f"Download the trajectory (CSV, {trajectory.steps_taken + 1:,} rows)",
        data=lambda: trajectory_csv(run, problem.features), file_name="trajectory.csv",
        mime="text/csv", on_click="ignore", key="download",
    )

check.number("k", 0, 0, trajectory.steps_taken, integer=True)
with notes_box:
    show_link_notes(check.notes)

st.divider()
st.subheader("3 · Step through gradient descent")
stepper(problem, run)
share_box(upload_note)
