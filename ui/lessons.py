"""The lessons table: one place for each page's script, title, address and icon.

``app.py`` builds its ``st.Page`` entries from it and the home page its links, so a page's
name and icon are the same in the sidebar and on the home page. Icons are Material Symbols
(``:material/...:``), which Streamlit ships with its own font, so they render the same in
every browser (emoji need an emoji font that many Linux machines lack).

Addresses must never end with another page's address: Streamlit 1.67 trims the first page
address that ``st.context.url`` ends with, so "subgradients" after "gradients" gave the share
box a wrong link. ``tests/test_app_smoke.py`` checks this.
"""

from typing import NamedTuple


class Lesson(NamedTuple):
    script: str
    title: str
    url_path: str
    icon: str
    line: str


HOME = Lesson("lessons/home.py", "Home", "home", ":material/home:", "")

LESSONS = [
    Lesson("lessons/derivatives.py", "Derivatives", "derivatives", ":material/show_chart:",
           "The slope of f at a point: a secant that turns into the tangent as the step h "
           "shrinks."),
    Lesson("lessons/gradients.py", "Gradients", "gradients", ":material/explore:",
           "Partial derivatives of f(x, y, z, ...) as one vector; contour maps, arrows and the "
           "direction of steepest ascent."),
    Lesson("lessons/subgradients.py", "Subgradients", "subgradient", ":material/change_history:",
           "What replaces the derivative at a kink such as |x| at 0: a whole interval of "
           "supporting lines, and the subgradient method."),
    Lesson("lessons/chain_rule.py", "Chain rule", "chain-rule", ":material/link:",
           "Derivatives of composed functions f(g(x)), step by step, as a tiny computation "
           "graph (the seed of backpropagation)."),
    Lesson("lessons/linear_regression.py", "Linear regression", "linear-regression",
           ":material/scatter_plot:",
           "Gradient descent on the mean squared error with your own CSV or generated data, "
           "step by step, checked against scikit-learn."),
]

ICON = {lesson.script: lesson.icon for lesson in [HOME, *LESSONS]}
