"""Gradient Lab's home page: the course outline (lessons in the article's order, with their
exercises), prepared views, how to share a view.

``app.py`` serves this script at "/" and, by Streamlit's folder-based multipage mode, the
scripts in ``pages/`` at their own addresses (see ``ui/shell/lessons.py``). No math here."""

import streamlit as st

from gradcore.exercises.catalogue import for_page
from ui.shell import exercise_panel
from ui.shell.lessons import ICON, LESSONS, page_frame, page_link

with page_frame("home.py"):

    st.title("Gradient Lab")
    st.markdown(
        "An interactive companion to *Understanding the Basics of Gradients*. A gradient collects "
        "the partial derivatives of a function into one vector that points where the function "
        "rises fastest; following it downhill is how a model learns."
    )
    st.latex(r"\nabla f(x_1,\dots,x_n)=\Big(\tfrac{\partial f}{\partial x_1},\dots,"
             r"\tfrac{\partial f}{\partial x_n}\Big)")
    st.caption("Light or dark screen: choose **Light**, **Dark** or **System** in the **⋮** menu "
               "at the top right; the same menu has **Print**.")

    st.header("Course outline")
    st.caption("The lessons follow the article, each building on the one before. Every lesson "
               "ends with exercises (predict first, then check) and a link to the next one; "
               "what you answer is remembered only in this browser tab.")
    solved = exercise_panel.solved_ids()
    for number, lesson in enumerate(LESSONS, start=1):
        exercises = for_page(lesson.url_path)
        answered = sum(exercise.id in solved for exercise in exercises)
        with st.container(border=True):
            page_link(st, lesson.script, label=f"**{number} · {lesson.title}**", icon=lesson.icon)
            st.caption(f"{lesson.line} {len(exercises)} exercises"
                       + (f", {answered} answered." if answered else "."))

    st.header("Try a prepared view")
    st.caption("Each of these is an ordinary link with the settings in its address, exactly what a "
               "teacher would share.")
    EXAMPLES = [
        ("pages/derivatives.py", "A secant almost on the tangent: x² at x₀ = 1, h = 0.01",
         {"x0": "1.0", "h": "0.01"}),
        ("pages/gradients.py", "The article's x² + 2y² + 3z² at (1, 2, 3): ∇f = (2, 8, 18)",
         {"fn": "article3d", "p_x": "1.0", "p_y": "2.0", "p_z": "3.0"}),
        ("pages/subgradient.py", "|x| at 0 with g = 1.5: not a subgradient",
         {"fn": "abs", "x0": "0.0", "g": "1.5"}),
        ("pages/chain-rule.py", "The article's (x + 1)² at x = 2: the chain rule gives 6",
         {"x": "2.0"}),
    ]
    example_columns = st.columns(2)
    for i, (path, label, params) in enumerate(EXAMPLES):
        page_link(example_columns[i % 2], path, label=label, icon=ICON[path], query_params=params)

    st.header("For teachers: share a view")
    st.markdown(
        "1. Open a page and set it up: pick the function, the point, the dataset, the learning "
        "rate, the step.\n"
        "2. Every setting is written into the address bar as you go. Copy the address (or use "
        "**Share this view** at the bottom of each page).\n"
        "3. Paste the link into your course page. Whoever opens it lands on exactly that view, "
        "with the same numbers.\n\n"
        "Uploaded CSV files stay with the student who uploaded them and never travel in a link; "
        "generated and bundled datasets do.\n\n"
        "For a lesson, open **For teachers: make a lesson link** at the bottom of a page: add a "
        "task, hide or lock controls, open an exercise, or choose presentation mode for a "
        "projector (larger text, no sidebar)."
    )
