"""One colour per idea, the same on every page, readable on the light and the dark theme.

The hues are Okabe-Ito's (distinguishable with the common forms of colour blindness), darkened
where the original failed WCAG's 3:1 for graphical objects (1.4.11) on white: every mark colour
here has a contrast of at least 3:1 against both Streamlit backgrounds, white (#FFFFFF) and
the dark theme's #0E1117 (plots use a transparent background), and against the lightest and
darkest fill of the gradient page's contour map, which the arrows are drawn on. Text colours
(the computation graph's labels) reach 4.5:1 on the light chip they sit on. Colour is never the
only signal: marks of different meaning also differ by dash or marker shape (ui/calculus/figures.py).

Contrast ratios (tests/test_palette.py computes them), on white / on #0E1117:

| idea       | Okabe-Ito         | here              |
|------------|-------------------|-------------------|
| FUNCTION   | #0072B2 5.19/3.64 | unchanged         |
| DERIVATIVE | #E69F00 2.25/8.39 | #A16F00 4.38/4.31 |
| TANGENT    | #009E73 3.42/5.52 | #008E68 4.14/4.56 |
| SECANT     | #CC79A7 3.06/6.17 | #C36198 3.83/4.93 |
| REFERENCE  | #D55E00 3.87/4.89 | #C05500 4.62/4.09 |
| NEUTRAL    | #999999 2.85/6.63 | #7A7A7A 4.29/4.40 |
| EXTRA      | #56B4E9 2.31/8.19 | #1C91D4 3.47/5.44 |
| OLIVE      | #F0E442 1.32/14.3 | #8F8A1F 3.61/5.24 |
"""

from __future__ import annotations

FUNCTION = "#0072B2"     # f itself, the data, the fitted line
DERIVATIVE = "#A16F00"   # f', the gradient, gradient arrows, the current GD iterate
TANGENT = "#008E68"      # tangent / supporting lines, directions v
SECANT = "#C36198"       # secants, finite-difference approximations, rejected lines
REFERENCE = "#C05500"    # the independent answer: scikit-learn fit, optimum, numeric check
NEUTRAL = "#7A7A7A"      # grid-like helpers, paths, residual guides
EXTRA = "#1C91D4"        # a second curve of the same kind (inner function g, second feature)
OLIVE = "#8F8A1F"        # Okabe-Ito's yellow, darkened: one more series colour

# One colour per series when a chart draws many of the same kind (the weights of a model).
SEQUENCE = (FUNCTION, DERIVATIVE, TANGENT, SECANT, REFERENCE, EXTRA, OLIVE)
MARKS = (FUNCTION, DERIVATIVE, TANGENT, SECANT, REFERENCE, NEUTRAL, EXTRA, OLIVE)

LIGHT_BACKGROUND = "#FFFFFF"
DARK_BACKGROUND = "#0E1117"
BACKGROUNDS = (LIGHT_BACKGROUND, DARK_BACKGROUND)

# The gradient page's filled contour map: opaque, the same in both themes, light enough that
# the arrows and the point drawn on it keep 3:1 (and text drawn on it, in INK, 4.5:1).
MAP_FILL = ("#CFE2F3", "#F5F9FD")
# Loss contour lines on the regression page (lines only, on the page background).
LOSS_CONTOURS = ("#1F6FB5", "#5B93CC")

# Text drawn inside a chart on its own light chip (the computation graph), the same in both
# themes: 4.5:1 or more against CHIP.
CHIP = "#E5F0F8"
INK = "#1A1A1A"
DERIVATIVE_TEXT = "#7F5700"
REFERENCE_TEXT = "#A04600"

MARK_CONTRAST = 3.0   # WCAG 2.2 1.4.11, non-text contrast
TEXT_CONTRAST = 4.5   # WCAG 2.2 1.4.3, text below 18 pt


def rgb(colour: str) -> tuple[float, float, float]:
    """'#RRGGBB' or 'rgb(r, g, b)' / 'rgba(r, g, b, a)' as three channels 0…255."""
    text = colour.strip()
    if text.startswith("#") and len(text) == 7:
        return tuple(float(int(text[i:i + 2], 16)) for i in (1, 3, 5))
    if text.startswith(("rgb(", "rgba(")):
        return tuple(float(part) for part in text[text.index("(") + 1:-1].split(",")[:3])
    raise ValueError(f"not a colour this palette reads: {colour!r}")


def alpha(colour: str) -> float:
    """The alpha of 'rgba(r, g, b, a)'; 1 for every other form."""
    text = colour.strip()
    return float(text[:-1].split(",")[3]) if text.startswith("rgba(") else 1.0


def rgba(colour: str, opacity: float) -> str:
    """'#RRGGBB' with an opacity, as plotly's 'rgba(r, g, b, a)'."""
    r, g, b = (int(c) for c in rgb(colour))
    return f"rgba({r},{g},{b},{opacity:g})"


def over(colour: str, background: str, opacity: float = 1.0) -> tuple[float, float, float]:
    """The colour a reader sees: `colour` at `opacity` (times its own alpha) on `background`."""
    a = opacity * alpha(colour)
    return tuple(a * c + (1 - a) * bg for c, bg in zip(rgb(colour), rgb(background), strict=True))


def relative_luminance(channels: tuple[float, float, float] | str) -> float:
    """WCAG relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of linearised sRGB."""
    if isinstance(channels, str):
        channels = rgb(channels)

    def linear(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: tuple[float, float, float] | str,
             second: tuple[float, float, float] | str) -> float:
    """WCAG contrast ratio (L_light + 0.05) / (L_dark + 0.05): 1 (same) to 21 (black on white)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
