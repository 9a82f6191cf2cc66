"""The tie that is fading, on the suite's in-process night (`local_night`): the generator's planted fading
and dormant ties come out as planted, the tile says so, and `wkw digest` shows them to their colleague
only (a withheld or unknown requester is refused the same way)."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner
from wkw.config import GOLD, PUBLISHED

pytestmark = pytest.mark.e2e
EXIT_REFUSED = 4
PAST = ("band", "band_90d_ago", "trend", "dormant", "last_interaction")


def table(settings, layer, name):
    return DeltaTable(settings.table_path(layer, name)).to_pyarrow_table().to_pylist()


def wkw(local_night, monkeypatch, *args):
    from wkw.serve.cli import app

    monkeypatch.setenv("WKW_LAKE", local_night.settings.lake)
    monkeypatch.delenv("WKW_USER", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # the tile's rows on one line each
    return CliRunner().invoke(app, list(args))


def test_the_planted_ties_come_out_as_planted(local_night):
    planted = local_night.truth["planted_fading"]
    listed = {
        (r["colleague_email"], r["contact_email"]): r
        for r in table(local_night.settings, PUBLISHED, "introducers")
    }
    for tie in planted.values():
        row = listed[(tie["colleague"], tie["contact"])]
        got = {key: row[key] for key in PAST} | {"last_interaction": row["last_interaction"].isoformat()}
        assert got == {key: tie[key] for key in PAST}
        assert row["strength_90d_ago"] > row["strength"] + 0.1
    # The company's own history is 60 days long: every other tie is new since 90 days ago.
    others = [
        r
        for pair, r in listed.items()
        if pair not in {(t["colleague"], t["contact"]) for t in planted.values()}
    ]
    assert others and {(r["strength_90d_ago"], r["dormant"]) for r in others} == {(0.0, False)}


def test_the_night_kept_a_state_of_90_days_ago(local_night):
    runs = table(local_night.settings, GOLD, "strength_earlier_runs")
    assert [(r["as_of_date"], r["mode"]) for r in runs] == [(local_night.logical_date, "full")]
    assert runs[0]["state_rows"] == 2  # the planted pairs are the only ones with mail 90 days ago


def test_the_tile_says_quiet_since(local_night, monkeypatch):
    dormant, seller = local_night.truth["planted_fading"]["dormant"], local_night.truth["sample_seller"]
    shown = wkw(local_night, monkeypatch, "who-knows", dormant["contact"], "--as", seller)
    assert shown.exit_code == 0, shown.output
    assert f"strong, quiet since {dormant['last_interaction']}" in shown.output
    answer = json.loads(
        wkw(local_night, monkeypatch, "who-knows", dormant["contact"], "--as", seller, "--json").output
    )
    [first] = answer["introducers"]
    assert (first["trend"], first["dormant"], first["last_interaction"]) == (
        "fading",
        True,
        dormant["last_interaction"],
    )


def test_the_digest_lists_the_colleague_s_fading_strong_ties_most_valuable_first(local_night, monkeypatch):
    planted = local_night.truth["planted_fading"]
    colleague = planted["fading"]["colleague"]
    answer = wkw(local_night, monkeypatch, "digest", "--as", colleague, "--json")
    assert answer.exit_code == 0, answer.output
    digest = json.loads(answer.output)
    assert digest["publication_id"] == local_night.publication_id
    ties = digest["ties"]
    assert {t["contact_email"] for t in ties} == {planted["fading"]["contact"], planted["dormant"]["contact"]}
    assert [t["strength_90d_ago"] for t in ties] == sorted(
        (t["strength_90d_ago"] for t in ties), reverse=True
    )
    by_contact = {t["contact_email"]: t for t in ties}
    assert (
        by_contact[planted["dormant"]["contact"]]["standing"]
        == f"strong, quiet since {planted['dormant']['last_interaction']}"
    )
    assert by_contact[planted["fading"]["contact"]]["standing"] == "strong, fading"
    text = wkw(local_night, monkeypatch, "digest", "--as", colleague)
    assert {t["contact_company"] for t in ties} == {"Nod Publishers"}
    # The table's contact cell may wrap (rich's console width is fixed when it is first built).
    assert text.exit_code == 0 and "Strong ties of" in text.output and "quiet since" in text.output


def test_the_digest_refuses_a_withheld_or_unknown_requester_the_same_way(local_night, monkeypatch):
    withheld = local_night.truth["planted_account"]["withheld_colleague"]
    refused = wkw(local_night, monkeypatch, "digest", "--as", withheld)
    unknown = wkw(local_night, monkeypatch, "digest", "--as", "nobody@contoso.com")
    assert (refused.exit_code, unknown.exit_code) == (EXIT_REFUSED, EXIT_REFUSED)
    assert refused.output.replace(withheld, "X") == unknown.output.replace("nobody@contoso.com", "X")
    assert wkw(local_night, monkeypatch, "digest").exit_code == EXIT_REFUSED
