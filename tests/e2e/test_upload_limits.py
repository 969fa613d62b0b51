"""Uploads at the size limit and uploads that wait their turn, in a real browser.

The size checks that matter here are Streamlit's own, which AppTest skips: the browser refuses
a file over ``server.maxUploadSize`` (counted in 10**6 bytes on Linux and macOS) with its own
message, and the server answers HTTP 413 to a request over maxUploadSize * 2**20 bytes. A file
just over the loader's limit must get past both, so the student reads the app's message.
"""

import pytest
from playwright.sync_api import expect

from gradcore import MAX_UPLOAD_BYTES
from tests.e2e.browser import open_page, page_problems

pytestmark = pytest.mark.e2e

FILE_INPUT = "[data-testid='stFileUploader'] input[type='file']"
GOOD_CSV = b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n5,11.1\n"


def csv_of_size(size: int) -> bytes:
    """A two-column CSV of exactly `size` bytes, within the row limit (40-byte rows)."""
    row = b"1.0000000000000000,2.000000000000000000\n"
    raw = b"x,y\n" + row * ((size - 4) // len(row))
    return raw + b"3" * (size - len(raw))


@pytest.mark.parametrize("size", [MAX_UPLOAD_BYTES + 1, 21 * 10**6])
def test_a_file_just_over_the_limit_gets_the_apps_own_message(page, app_server, size):
    """20 MB + 1 byte and 21,000,000 bytes: the loader's message with the limit, not
    Streamlit's "File must be ... or smaller" nor an HTTP 413 error in the uploader."""
    open_page(page, f"{app_server.url}/linear-regression?src=upload")
    page.locator(FILE_INPUT).set_input_files(
        {"name": "big.csv", "mimeType": "text/csv", "buffer": csv_of_size(size)})
    alert = page.locator("[data-testid='stAlertContentError']")
    expect(alert).to_contain_text("larger than the limit of 20 MB", timeout=60_000)
    expect(alert).to_contain_text(f"this one has {size:,}")
    uploader = page.locator("[data-testid='stFileUploader']")
    expect(uploader).not_to_contain_text("must be")
    expect(uploader).not_to_contain_text("413")
    assert page_problems(page) == []


def test_a_file_at_the_limit_is_read(page, app_server):
    """Exactly 20 MB (20,971,520 bytes) is accepted by Streamlit and read by the loader."""
    open_page(page, f"{app_server.url}/linear-regression?src=upload")
    page.locator(FILE_INPUT).set_input_files(
        {"name": "limit.csv", "mimeType": "text/csv", "buffer": csv_of_size(MAX_UPLOAD_BYTES)})
    expect(page.locator("[data-testid='stFileUploader']")).not_to_contain_text("413")
    expect(page.get_by_text("uploaded file 'limit.csv'").first).to_be_visible(timeout=90_000)
    assert page_problems(page) == []
