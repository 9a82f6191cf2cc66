"""Great Expectations Data Docs opened offline in a real browser: headless Chromium from Debian's packages,
driven by Playwright (tests/support/browser.py), with every request that would leave the machine refused
and recorded. The gate validates a clean `connection_strength` and a tile with six rows (one too many) into
a reports folder; the index must list both validations with their verdicts, and a validation's page must
be laid out by its stylesheet, with no request refused on the way. The index's screenshot goes to
WKW_SCREENSHOTS (docs/images/data_docs_index.png comes from here) or to the test's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support.browser import offline_chromium_page
from support.staged_gold import AS_OF, staged_gold
from wkw.checks.gx import validate_tables

pytestmark = pytest.mark.e2e

PARAMETERS = {"top_n": 5, "strength_max": 1.0}
LISTED_ROWS = "table.ge-index-page-validation-results-table tbody tr"
VERDICTS = """rows => rows.map(row => [
  row.querySelector('td[data-field="run_name"]').innerText.trim(),
  row.querySelector('td[data-field="validation_success"] i').className,
])"""
# Computed style of an element: what the page's stylesheet made of it, against a bare element's defaults.
STYLE = "([selector, property]) => getComputedStyle(document.querySelector(selector))[property]"
BARE_STYLE = """(property) => getComputedStyle(
  document.body.appendChild(document.createElement('div'))
)[property]"""


@pytest.fixture(scope="module")
def data_docs(spark, tmp_path_factory) -> Path:
    gold = staged_gold(spark)
    tables = {"connection_strength": gold["connection_strength"], "top_introducers": gold["introducers"]}
    site = tmp_path_factory.mktemp("reports") / AS_OF.isoformat()
    failures, _ = validate_tables(tables, PARAMETERS, str(site), run_name=AS_OF.isoformat())
    assert {failure.table for failure in failures} == {"top_introducers"}
    return site


def test_data_docs_open_offline_with_the_validations_listed_and_styled(data_docs, tmp_path):
    shots = Path(os.environ.get("WKW_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with offline_chromium_page(tmp_path / "downloads") as (page, refused):
        page.goto((data_docs / "index.html").as_uri())
        assert refused == [], "the index asked for files from outside the machine"
        listed = sorted(page.locator(LISTED_ROWS).evaluate_all(VERDICTS))
        assert [(run, "success" in icon, "failed" in icon) for run, icon in listed] == [
            (f"{AS_OF}-connection_strength", True, False),
            (f"{AS_OF}-top_introducers", False, True),
        ]
        page.screenshot(path=str(shots / "data_docs_index.png"))

        page.locator(LISTED_ROWS).filter(has_text=f"{AS_OF}-top_introducers").click()
        page.wait_for_load_state()
        assert page.url.startswith((data_docs / "validations" / "top_introducers").as_uri())
        assert refused == [], "the validation page asked for files from outside the machine"
        overview = page.locator(".ge-section").first.inner_text()
        assert overview.startswith("Overview") and re.search(r"Status:\s+Failed", overview), overview
        for selector, prop, styled in [
            (".card", "borderTopStyle", "solid"),
            (".container-fluid > .row", "display", "flex"),
            (".navbar", "position", "sticky"),
        ]:
            assert page.evaluate(BARE_STYLE, prop) != styled
            assert page.evaluate(STYLE, [selector, prop]) == styled, selector
        assert page.locator("img[alt='Great Expectations']").evaluate("img => img.naturalWidth") > 0
