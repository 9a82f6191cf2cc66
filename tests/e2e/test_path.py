"""The path from you on the suite's in-process night (`local_night`): the generator's planted lead comes out
in the planted path order for the sample seller, who is told first that they know the lead themself; the
published tile stays the same for everybody; the opted-out colleague is in no tie and on no path; the
internal mail that feeds the ties still reconciles as `internal_only`."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner
from wkw.config import PUBLISHED, SILVER

pytestmark = pytest.mark.e2e


def table(settings, layer, name):
    return DeltaTable(settings.table_path(layer, name)).to_pyarrow_table().to_pylist()


@pytest.fixture(scope="module")
def ties(local_night):
    return table(local_night.settings, PUBLISHED, "colleague_ties")


def who_knows(local_night, monkeypatch, *args):
    from wkw.serve.cli import app

    monkeypatch.setenv("WKW_LAKE", local_night.settings.lake)
    monkeypatch.delenv("WKW_USER", raising=False)
    return CliRunner().invoke(app, ["who-knows", *args])


def test_the_planted_lead_comes_in_the_planted_path_order(local_night, monkeypatch):
    planted = local_night.truth["planted_path"]
    answer = who_knows(local_night, monkeypatch, planted["lead"], "--as", planted["requester"], "--json")
    assert answer.exit_code == 0, answer.output
    payload = json.loads(answer.output)
    path = payload["path"]
    assert path["you_know_them"]["band"] == planted["you_know_them"]
    assert [row["colleague_email"] for row in path["introducers"]] == planted["path_order"]
    for row in path["introducers"]:
        assert row["path_strength"] == pytest.approx((row["tie_strength"] * row["strength"]) ** 0.5, abs=1e-6)
    # The published tile is the same for everybody: strength order, the requester in it, ranks 1..n.
    published = [row["colleague_email"] for row in payload["introducers"]]
    assert sorted(published) == sorted([planted["requester"], *planted["path_order"]])
    assert [row["rank"] for row in payload["introducers"]] == [1, 2, 3]
    text = who_knows(local_night, monkeypatch, planted["lead"], "--as", planted["requester"])
    assert text.exit_code == 0 and "You know them" in text.output and "Your paths to" in text.output


def test_the_strong_tie_is_strong_both_ways_and_the_withheld_colleague_is_in_no_tie(local_night, ties):
    planted, truth = local_night.truth["planted_path"], local_night.truth
    by_pair = {(t["colleague_email"], t["peer_email"]): t for t in ties}
    requester, strong = planted["requester"], planted["strong_tie"]
    assert by_pair[(requester, strong)]["band"] == by_pair[(strong, requester)]["band"] == "strong"
    assert by_pair[(requester, strong)]["meetings"] == by_pair[(strong, requester)]["meetings"]
    assert by_pair[(requester, strong)]["mails_sent"] == by_pair[(strong, requester)]["mails_received"]
    hidden = {planted["withheld_colleague"], *truth["opted_out"]}
    assert ties and not {e for t in ties for e in (t["colleague_email"], t["peer_email"])} & hidden
    internal = table(local_night.settings, SILVER, "internal_interactions")
    assert internal and not {e for t in internal for e in (t["colleague_email"], t["contact_email"])} & hidden
    [publication] = table(local_night.settings, PUBLISHED, "publications")
    assert dict(publication["row_counts"])["colleague_ties"] == len(ties)


def test_internal_mail_feeds_the_ties_and_still_reconciles(local_night):
    rows = table(local_night.settings, SILVER, "reconciliation")
    mail = next(r for r in rows if r["source"] == "mail" and r["as_of_date"] == local_night.logical_date)
    assert mail["balanced"] and dict(mail["filtered_by"])["internal_only"] > 0
    assert mail["read"] == mail["accepted"] + mail["filtered"] + mail["quarantined"]
