"""ui/charts/palette.py: WCAG contrast of every chart colour on the light and the dark theme."""

import pytest

from tests.figure_marks import (
    backgrounds_of,
    calculus_gallery,
    mark_colours,
    regression_gallery,
    text_colours,
)
from ui.charts import palette

WHITE, BLACK = "#FFFFFF", "#000000"
GALLERY = {**calculus_gallery(), **regression_gallery()}


def test_contrast_checker_matches_wcag_reference_values():
    """Black on white is 21:1, a colour on itself 1:1, and the order does not matter."""
    assert palette.contrast(BLACK, WHITE) == pytest.approx(21.0)
    assert palette.contrast("#777777", "#777777") == pytest.approx(1.0)
    assert palette.contrast("#0072B2", WHITE) == pytest.approx(palette.contrast(WHITE, "#0072B2"))
    assert palette.contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour, background", [("#E69F00", WHITE), ("#F0E442", WHITE),
                                                ("#999999", WHITE), ("#56B4E9", WHITE)])
def test_contrast_checker_flags_the_okabe_ito_colours_that_fail_on_white(colour, background):
    """The original orange, yellow, grey and sky blue are below 3:1 on white: the check says so."""
    assert palette.contrast(colour, background) < palette.MARK_CONTRAST


def test_opacity_is_composited_over_the_background():
    """A colour at opacity a on a background is a·colour + (1 − a)·background, per channel;
    rgba() strings carry their own alpha."""
    assert palette.over(BLACK, WHITE, 0.5) == (127.5, 127.5, 127.5)
    assert palette.over("rgba(0,0,0,0.5)", WHITE) == (127.5, 127.5, 127.5)
    assert palette.rgba("#0072B2", 0.3) == "rgba(0,114,178,0.3)"
    with pytest.raises(ValueError, match="not a colour"):
        palette.rgb("blue")


@pytest.mark.parametrize("background", palette.BACKGROUNDS)
@pytest.mark.parametrize("colour", [*palette.MARKS, *palette.LOSS_CONTOURS])
def test_every_mark_colour_reaches_3_to_1_on_both_themes(colour, background):
    """Lines, markers and level lines keep WCAG 1.4.11's 3:1 on white and on #0E1117."""
    assert palette.contrast(colour, background) >= palette.MARK_CONTRAST, \
        f"{colour} on {background}: {palette.contrast(colour, background):.2f}"


@pytest.mark.parametrize("fill", palette.MAP_FILL)
@pytest.mark.parametrize("colour", [palette.DERIVATIVE, palette.TANGENT, palette.REFERENCE])
def test_arrows_and_point_reach_3_to_1_on_the_contour_map(colour, fill):
    """The gradient map's arrows and point keep 3:1 on its darkest and its lightest fill."""
    assert palette.contrast(colour, fill) >= palette.MARK_CONTRAST


@pytest.mark.parametrize("colour", [palette.INK, palette.DERIVATIVE_TEXT, palette.REFERENCE_TEXT])
def test_chart_text_colours_reach_4_5_to_1_on_their_chip(colour):
    """The computation graph's labels reach 4.5:1 on the light chip they sit on."""
    assert palette.contrast(colour, palette.CHIP) >= palette.TEXT_CONTRAST


@pytest.mark.parametrize("name", list(GALLERY))
def test_every_mark_drawn_reaches_3_to_1_on_what_it_is_drawn_on(name):
    """Each line, marker, bar, level line and arrow of each figure, with its opacity, keeps 3:1
    against both page backgrounds (and against a contour map's fill, if it sits on one)."""
    fig = GALLERY[name]
    failing = [f"{what} {colour} at opacity {opacity:g} on {background}: "
               f"{palette.contrast(palette.over(colour, background, opacity), background):.2f}"
               for what, colour, opacity in mark_colours(fig)
               for background in backgrounds_of(fig)
               if palette.contrast(palette.over(colour, background, opacity), background)
               < palette.MARK_CONTRAST]
    assert not failing, failing


@pytest.mark.parametrize("name", list(GALLERY))
def test_every_coloured_text_in_a_chart_reaches_4_5_to_1(name):
    """Annotation texts with a colour of their own sit on their own chip and reach 4.5:1 on
    it (on both themes when they have none); a contour map's labels reach it on the map."""
    failing = [f"{text!r} {colour} on {background}"
               for text, colour, own in text_colours(GALLERY[name])
               for background in ([own] if own else palette.BACKGROUNDS)
               if palette.contrast(colour, background) < palette.TEXT_CONTRAST]
    assert not failing, failing


def test_the_gallery_covers_marks_texts_and_a_map():
    """The sweep above looks at real marks: lines, open markers, bars, arrows, chip texts."""
    kinds = {what.split()[-1] for fig in GALLERY.values() for what, _, _ in mark_colours(fig)}
    assert {"line", "marker", "bar", "annotation", "outline"} <= kinds
    assert text_colours(GALLERY["computation graph"])
    assert len(backgrounds_of(GALLERY["contour map"])) == 4
