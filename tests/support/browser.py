"""A headless Chromium page for the browser tests: Playwright drives Debian's Chromium (WKW_CHROMIUM,
installed by .ci/run), never a browser Playwright downloads itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright

CHROMIUM = Path(os.environ.get("WKW_CHROMIUM", "/usr/bin/chromium"))

# Without the background-networking flags Chromium's own connections are refused on the closed CI network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT: ViewportSize = {"width": 1200, "height": 900}


def _require_chromium() -> None:
    """Fail loudly, not skip: a missing browser is a broken machine, not an optional test."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"No Chromium at {CHROMIUM}: .ci/run installs Debian's chromium (or set WKW_CHROMIUM to one)."
        )


@contextmanager
def chromium_page(downloads: Path) -> Iterator[Page]:
    """A page in a fresh headless Chromium that accepts downloads into `downloads`; closed on exit."""
    _require_chromium()
    downloads.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            downloads_path=str(downloads),
        )
        try:
            context = browser.new_context(accept_downloads=True, viewport=VIEWPORT)
            try:
                yield context.new_page()
            finally:
                context.close()
        finally:
            browser.close()


def is_local(url: str) -> bool:
    """A URL the browser answers from this machine: a file, or inline data."""
    return url.startswith(("file:", "data:", "about:", "blob:"))


@contextmanager
def offline_chromium_page(downloads: Path) -> Iterator[tuple[Page, list[str]]]:
    """A page as `chromium_page`, with the network cut: every request for anything but a local file is
    aborted and its URL kept in the list yielded beside the page."""
    with chromium_page(downloads) as page:
        refused: list[str] = []

        def local_only(route) -> None:
            if is_local(route.request.url):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort("internetdisconnected")

        page.context.route("**/*", local_only)
        yield page, refused
