"""Linear regression: gradient descent on the MSE, step by step, checked against scikit-learn."""

from ui.regression import render
from ui.shell.lessons import page_frame

with page_frame("pages/linear-regression.py") as lesson:
    render(lesson)
