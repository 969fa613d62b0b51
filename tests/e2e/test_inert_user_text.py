"""User text never renders as a link or an image: links, file names, columns, formulas.

Markdown built from user text once rendered a visitor-fetched image and a live external link
(a backticked value in a link's note), and a column name rendered a live link in a plotly
legend. Here every place that shows user text gets a corpus of Markdown, HTML and KaTeX
payloads, and the page must contain no link or image that the app did not write itself.
"""

from urllib.parse import quote

import pytest

from tests.e2e.browser import open_page, page_problems, wait_ready

pytestmark = pytest.mark.e2e

EVIL = "evil.example"
PAYLOADS = [
    f"`![q](https://{EVIL}/q.png)`",
    f"`[Sign in again](https://{EVIL}/login)`",
    f"<img src=https://{EVIL}/x.png>",
    f"<a href='https://{EVIL}/a'>a</a>",
    f"$\\href{{https://{EVIL}/k}}{{k}}$",
]
# Every link and image in the document, and whether any refers to the evil host.
FOREIGN_JS = f"""() => [...document.querySelectorAll('a[href], img[src], image, [src], [href]')]
    .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href')
              || '')
    .filter(u => u.includes('{EVIL}'))"""


def foreign_references(page) -> list[str]:
    wait_ready(page)
    return page.evaluate(FOREIGN_JS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_link_values_and_typed_formulas_stay_text(page, app_server, payload):
    """A payload as a link value (number, choice, formula) is reported as text, never run."""
    value = quote(payload)
    for path in (f"derivatives?x0={value}&h={value}",
                 f"derivatives?fn=typed&f={value}",
                 f"gradients?fn=typed&f={value}&sx={value}",
                 f"linear-regression?ds={value}&target={value}&feats={value}"):
        open_page(page, f"{app_server.url}/{path}")
        assert foreign_references(page) == [], path
        assert page_problems(page) == [], path


def test_file_and_column_names_stay_text_in_notes_captions_and_charts(page, app_server):
    """An upload whose name and columns are payloads: notes, captions, tables and plotly
    legends and axes show them as text."""
    columns = [f"<a href='https://{EVIL}/c'>x</a>", f"![i](https://{EVIL}/i.png)",
               f"`[t](https://{EVIL}/t)`"]
    rows = "\n".join(f"{i},{2 * i + 1},{i % 3},word{i}" for i in range(1, 30))
    csv = (",".join(columns) + f",<b>{EVIL}</b>\n" + rows + "\n").encode()
    open_page(page, f"{app_server.url}/linear-regression?src=upload")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": f"[f](https://{EVIL}/f).csv", "mimeType": "text/csv", "buffer": csv})
    page.wait_for_selector("[data-testid='stMetric']")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert foreign_references(page) == []
    assert page_problems(page) == []
    assert EVIL in page.inner_text("body")  # shown, as text
