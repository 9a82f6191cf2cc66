"""`wkw digest` and the tile's standing: the choice and order on hand-made rows, then the CLI on the tiny lake
of tests/support/tiny_lake (no Spark)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from support.tiny_lake import (
    COLLEAGUE,
    LEAD,
    PUBLICATION_ID,
    SELLER,
    introducer,
    lead_rows,
    publish,
    write_directory,
)
from typer.testing import CliRunner
from wkw.serve.cli_digest import digest_rows
from wkw.serve.views import standing

EXIT_REFUSED = 4


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


def past(strength_then, was, trend, dormant, last):
    return {
        "strength_90d_ago": strength_then,
        "band_90d_ago": was,
        "trend": trend,
        "dormant": dormant,
        "last_interaction": last,
    }


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """The `wkw` app on a tiny lake: Ines knows the lead (strong, quiet since 2026-09-12) and two more
    people (one fading from strong, one steady); Jonas knows the lead too (weak, and it was weak)."""
    lake = tmp_path / "lake"
    write_directory(lake)
    last = datetime(2026, 9, 12, 15, tzinfo=UTC)
    ines, jonas = lead_rows(last_interaction_at=last)
    rows = [
        ines | past(0.95, "strong", "fading", True, last.date()),
        jonas | past(0.1, "weak", "steady", False, jonas["last_interaction_at"].date()),
        introducer(
            1, COLLEAGUE, "Ines Chen", "Account Executive", "strong", datetime(2026, 10, 27, tzinfo=UTC)
        )
        | {"contact_email": "carlos@nod.com", "contact_name": "Carlos Garcia", "crm_id": None}
        | past(0.97, "strong", "fading", False, date(2026, 10, 27)),
        introducer(
            1, COLLEAGUE, "Ines Chen", "Account Executive", "strong", datetime(2026, 11, 20, tzinfo=UTC)
        )
        | {"contact_email": "stays@nod.com", "contact_name": "Stay Steady"}
        | past(0.9, "strong", "steady", False, date(2026, 11, 20)),
    ]
    publish(lake, rows, with_trend=True)
    monkeypatch.setenv("WKW_LAKE", str(lake))
    monkeypatch.setenv("COLUMNS", "200")  # the tables on one line each
    monkeypatch.delenv("WKW_USER", raising=False)
    from wkw.serve.cli import app

    return lambda *args: CliRunner().invoke(app, list(args))


def test_digest_lists_the_requester_s_fading_strong_ties_most_valuable_first(cli):
    answer = cli("digest", "--as", COLLEAGUE, "--json")
    assert answer.exit_code == 0, answer.output
    digest = json.loads(answer.output)
    assert (digest["colleague_email"], digest["publication_id"]) == (COLLEAGUE, PUBLICATION_ID)
    assert [(t["contact_email"], t["standing"]) for t in digest["ties"]] == [
        ("carlos@nod.com", "strong, fading"),
        (LEAD, "strong, quiet since 2026-09-12"),
    ]
    text = cli("digest", "--as", COLLEAGUE)
    assert text.exit_code == 0 and "Strong ties of Ines Chen that are fading" in text.output
    assert "strong, quiet since 2026-09-12" in text.output and "stays@nod.com" not in text.output
    nothing = cli("digest", "--as", SELLER)  # a seller who introduces nobody
    assert nothing.exit_code == 0 and "No strong tie of Maria Lopez is fading" in nothing.output


def test_digest_refuses_whom_who_knows_refuses(cli):
    for requester in ("nobody@contoso.com", "basic@contoso.com", "left@contoso.com", "eng@contoso.com"):
        digest, tile = cli("digest", "--as", requester), cli("who-knows", LEAD, "--as", requester)
        assert (digest.exit_code, tile.exit_code) == (EXIT_REFUSED, EXIT_REFUSED)
        assert digest.output == tile.output  # the same reason, word for word
    assert cli("digest").exit_code == EXIT_REFUSED


def test_the_tile_says_quiet_since_and_json_carries_the_past(cli):
    tile = cli("who-knows", LEAD, "--as", SELLER)
    assert tile.exit_code == 0 and "strong, quiet since 2026-09-12" in tile.output
    [ines, jonas] = json.loads(cli("who-knows", LEAD, "--as", SELLER, "--json").output)["introducers"]
    assert (ines["trend"], ines["dormant"], ines["last_interaction"], ines["band_90d_ago"]) == (
        "fading",
        True,
        "2026-09-12",
        "strong",
    )
    assert (jonas["standing"], jonas["strength_90d_ago"]) == ("weak", 0.1)
    why = cli("who-knows", LEAD, "--as", SELLER, "--why", COLLEAGUE)
    assert "90 days ago" in why.output and "0.950 (strong)" in why.output
