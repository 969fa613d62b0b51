"""Write the README's page screenshots, docs/screenshots/<page>.png, from the e2e suite's.

    python -m scripts.make_screenshots                 (from the repository root)
    python -m scripts.make_screenshots --no-capture    (only shrink the last captured ones)

First runs ``tests/e2e/test_screenshots.py`` (a real Chromium, see the README's "Test it"),
which saves every page at 1280 px and 390 px wide into ``test-output/screenshots/pages/``. Then
each 1280-px picture is cut to the part of the page the README shows (``CROPS``, in 1280-px
pixels), scaled to ``WIDTH`` px and reduced to a palette of at most ``COLOURS`` colours, fewer
if the file would pass ``MAX_BYTES``: small enough to commit. Pillow comes with Streamlit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.e2e.test_screenshots import PAGE_SHOTS_DIR, PAGES

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO_ROOT / "docs" / "screenshots"
WIDTH = 720
COLOURS = 128
MAX_BYTES = 80_000
# page -> (top, bottom) of the part shown, in pixels of the 1280-px-wide capture; the sidebar
# (left 300 px) is cut off on all but the home page.
CROPS = {
    "home": (0, 1450),
    "derivatives": (100, 920),
    "gradients": (100, 1520),
    "subgradient": (100, 980),
    "chain-rule": (100, 1340),
    "linear-regression": (100, 2420),
}
SIDEBAR = 300


def capture() -> None:
    """Run the screenshot test in a real browser (fails rather than skips without one)."""
    env = dict(os.environ, GRADLAB_REQUIRE_BROWSER="1")
    subprocess.run([sys.executable, "-m", "pytest", "tests/e2e/test_screenshots.py", "-q",
                    "-p", "no:cacheprovider"], cwd=REPO_ROOT, env=env, check=True)


def shrink(name: str) -> Path:
    """docs/screenshots/<name>.png from test-output's <name>-1280.png."""
    picture = Image.open(PAGE_SHOTS_DIR / f"{name}-1280.png").convert("RGB")
    top, bottom = CROPS[name]
    left = 0 if name == "home" else SIDEBAR
    picture = picture.crop((left, top, picture.width, min(bottom, picture.height)))
    height = round(picture.height * WIDTH / picture.width)
    picture = picture.resize((WIDTH, height), Image.Resampling.LANCZOS)
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    path = DOCS_DIR / f"{name}.png"
    colours = COLOURS
    while True:
        small = picture.quantize(colours, method=Image.Quantize.FASTOCTREE,
                                 dither=Image.Dither.NONE)
        small.save(path, optimize=True)
        if path.stat().st_size <= MAX_BYTES or colours <= 16:
            return path
        colours //= 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-capture", action="store_true",
                        help="do not run the browser test; shrink the pictures already there")
    args = parser.parse_args(argv)
    if not args.no_capture:
        capture()
    for name in PAGES:
        path = shrink(name)
        with Image.open(path) as written:
            size = written.size
        print(f"{path.relative_to(REPO_ROOT)}: {size[0]}x{size[1]}, "
              f"{path.stat().st_size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
