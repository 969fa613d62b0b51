"""One colour per idea, the same on every page.

Okabe-Ito colours: distinguishable with the common forms of colour blindness and readable on
Streamlit's light and dark backgrounds (plots use a transparent background).
"""

FUNCTION = "#0072B2"     # f itself, the data, the fitted line
DERIVATIVE = "#E69F00"   # f', the gradient, gradient arrows, the current GD iterate
TANGENT = "#009E73"      # tangent / supporting lines, directions v
SECANT = "#CC79A7"       # secants, finite-difference approximations, rejected lines
REFERENCE = "#D55E00"    # the independent answer: scikit-learn fit, optimum, numeric check
NEUTRAL = "#999999"      # grid-like helpers, paths, residual guides
EXTRA = "#56B4E9"        # a second curve of the same kind (inner function g, second feature)

SEQUENCE = (FUNCTION, DERIVATIVE, TANGENT, SECANT, REFERENCE, EXTRA, "#F0E442", NEUTRAL)
