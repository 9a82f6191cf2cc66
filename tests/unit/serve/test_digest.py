"""`wkw digest`'s choice and order, and the tile's standing text, on hand-made rows (no lake)."""

from __future__ import annotations

from datetime import date

from wkw.serve.cli_digest import digest_rows
from wkw.serve.views import standing


def row(contact, band, was, strength_then, trend, dormant, last):
    return {
        "contact_email": contact,
        "band": band,
        "band_90d_ago": was,
        "strength_90d_ago": strength_then,
        "trend": trend,
        "dormant": dormant,
        "last_interaction": last,
    }


def test_the_digest_keeps_strong_ties_that_fade_or_sleep_strongest_then_first():
    rows = [
        row("steady@x.com", "strong", "strong", 0.9, "steady", False, date(2026, 11, 20)),
        row("slept@x.com", "strong", "strong", 0.8, "steady", True, date(2026, 9, 1)),
        row("faded@x.com", "moderate", "strong", 0.8, "fading", False, date(2026, 10, 1)),
        row("top@x.com", "strong", "strong", 0.95, "fading", True, date(2026, 9, 12)),
        row("was_moderate@x.com", "weak", "moderate", 0.5, "fading", False, date(2026, 6, 1)),
        row("rising@x.com", "strong", "weak", 0.1, "rising", False, date(2026, 11, 25)),
    ]
    assert [r["contact_email"] for r in digest_rows(rows)] == ["top@x.com", "slept@x.com", "faded@x.com"]


def test_the_tile_says_quiet_since_or_fading_and_what_the_band_was():
    quiet = row("a@x.com", "strong", "strong", 0.95, "fading", True, date(2026, 9, 12))
    fallen = row("b@x.com", "moderate", "strong", 0.9, "fading", True, date(2026, 9, 12))
    fading = row("c@x.com", "weak", "moderate", 0.4, "fading", False, date(2026, 11, 1))
    steady = row("d@x.com", "strong", "strong", 0.9, "steady", False, date(2026, 11, 1))
    assert [standing(r) for r in (quiet, fallen, fading, steady)] == [
        "strong, quiet since 2026-09-12",
        "moderate (was strong), quiet since 2026-09-12",
        "weak, fading (was moderate)",
        "strong",
    ]
