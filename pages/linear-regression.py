"""Linear regression: gradient descent on the MSE, step by step, checked against scikit-learn."""

from ui.lessons import page_frame
from ui.regression import render

with page_frame("pages/linear-regression.py") as lesson:
    render(lesson)
