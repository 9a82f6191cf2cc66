"""`wkw serve` in a real browser: headless Chromium from Debian's packages, driven by Playwright
(tests/support/browser.py), against a real uvicorn server on loopback over a copy of the suite's published
night (`local_night`: the generated company through every stage), with mail going to an aiosmtpd relay.

The sample lead's page must show the introducers of `published/top_introducers`, in their order; See all,
the receipts, Get Introduced with an edited note, the downloaded draft and the sent mail are each checked
for their contents. Screenshots of the tile, the list and the form go to WKW_SCREENSHOTS (README.md's
come from here) or to the test's folder.
"""

from __future__ import annotations

import email
import os
import threading
import time
from email import policy
from pathlib import Path

import pytest
import uvicorn
from conftest import copy_of
from deltalake import DeltaTable
from support.browser import chromium_page
from support.relay import LOOPBACK, free_port
from wkw.config import PUBLISHED
from wkw.serve.http.app import create_app
from wkw.serve.published import current_publication

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(local_night, tmp_path):
    """A uvicorn server over a copy of the night's lake, on a free loopback port: its base URL."""
    settings = copy_of(local_night, tmp_path)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=LOOPBACK, port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield settings, f"http://{LOOPBACK}:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def published_tile(settings, lead: str) -> list[str]:
    publication = current_publication(settings)
    table = DeltaTable(
        settings.table_path(PUBLISHED, "top_introducers"),
        version=publication.table_versions["top_introducers"],
    ).to_pyarrow_table()
    rows = [row for row in table.to_pylist() if row["contact_email"] == lead]
    return [row["colleague_email"] for row in sorted(rows, key=lambda row: row["rank"])]


def test_a_seller_sees_the_tile_asks_for_an_introduction_and_it_arrives(served, relay, local_night, tmp_path):
    settings, base = served
    lead, seller = local_night.truth["sample_lead"], local_night.truth["sample_seller"]
    expected = published_tile(settings, lead)
    assert expected, "the sample lead has introducers"
    shots = Path(os.environ.get("WKW_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with chromium_page(tmp_path / "downloads") as page:
        # The company's proxy names the signed-in seller; loopback is a trusted proxy.
        page.set_extra_http_headers({"X-Forwarded-Email": seller})
        page.goto(f"{base}/contacts/{lead}")
        shown = page.locator("li.introducer").evaluate_all("items => items.map(i => i.dataset.colleague)")
        assert shown == expected
        first = page.locator("li.introducer").first
        first.locator("summary").click()
        assert "mails sent" in first.locator("details.receipts").inner_text()
        page.screenshot(path=str(shots / "tile.png"), full_page=True)

        page.click("#see-all")
        everyone = page.locator("li.introducer").evaluate_all("items => items.map(i => i.dataset.colleague)")
        assert everyone[: len(expected)] == expected and len(everyone) >= len(expected)
        assert "Everyone who knows" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / "list.png"), full_page=True)

        page.goto(f"{base}/contacts/{lead}")
        page.locator("li.introducer").first.get_by_text("Get Introduced").click()
        assert page.locator("#subject").inner_text().startswith("Introduction to")
        page.fill("#note", "We met at the Lisbon fair; happy to explain more.")
        page.screenshot(path=str(shots / "form.png"), full_page=True)
        with page.expect_download() as caught:
            page.click("#draft")
        draft = email.message_from_bytes(Path(caught.value.path()).read_bytes(), policy=policy.default)
        assert expected[0] in draft["To"] and seller in draft["From"]
        assert "We met at the Lisbon fair" in draft.get_content()

        page.goto(f"{base}/contacts/{lead}")
        page.locator("li.introducer").nth(1 if len(expected) > 1 else 0).get_by_text("Get Introduced").click()
        page.fill("#note", "Sent from the tile.")
        page.click("#send")
        assert page.locator("#sent").inner_text() == "Request sent"
    colleague = expected[1] if len(expected) > 1 else expected[0]
    assert [envelope.rcpt_tos for envelope in relay.envelopes] == [[colleague]]
    sent = email.message_from_bytes(relay.envelopes[0].content, policy=policy.default)
    assert "Sent from the tile." in sent.get_content() and seller in sent["From"]
