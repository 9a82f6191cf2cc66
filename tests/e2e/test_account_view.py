"""The account view on the suite's in-process night (`local_night`): the generator's planted account comes
out as planted, agrees with the list, names nobody withheld, and `wkw who-knows --account` shows it to a
licensed seller only."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner
from wkw.config import PUBLISHED

pytestmark = pytest.mark.e2e
EXIT_UNKNOWN, EXIT_REFUSED = 2, 4


def table(settings, name):
    return DeltaTable(settings.table_path(PUBLISHED, name)).to_pyarrow_table().to_pylist()


@pytest.fixture(scope="module")
def view(local_night):
    return table(local_night.settings, "account_introducers")


def test_the_planted_account_ranks_its_colleagues_as_planted(local_night, view):
    planted = local_night.truth["planted_account"]
    rows = sorted(
        (r for r in view if r["account"] == planted["account"] and r["account_kind"] == "crm_company"),
        key=lambda r: r["rank"],
    )
    got = [
        {
            "colleague": r["colleague_email"],
            "strong_contacts": r["strong_contacts"],
            "moderate_contacts": r["moderate_contacts"],
            "known_contacts": r["known_contacts"],
        }
        for r in rows
    ]
    assert got == planted["ranking"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {r["account_contacts"] for r in rows} == {len(planted["people"])}
    assert {tuple(r["account_domains"]) for r in rows} == {(planted["domain"],)}
    first = rows[0]["named_contacts"]
    assert [p["band"] for p in first] == ["strong", "strong", "weak"]
    assert {p["email"] for p in first} <= set(planted["people"])
    assert all(r["publication_id"] == local_night.publication_id for r in view)


def test_nobody_withheld_or_personal_is_in_any_account(local_night, view):
    planted, truth = local_night.truth["planted_account"], local_night.truth
    hidden = {planted["withheld_colleague"], *truth["opted_out"], *truth["inactive"]}
    assert view and not {r["colleague_email"] for r in view} & hidden
    named = {p["email"] for r in view for p in r["named_contacts"]}
    assert planted["personal_contact"] not in named
    assert not any(r["account"] == "gmail.com" for r in view)
    listed = {(r["colleague_email"], r["contact_email"]) for r in table(local_night.settings, "introducers")}
    assert (
        planted["ranking"][0]["colleague"],
        planted["personal_contact"],
    ) in listed  # known, not an account


def test_every_named_person_is_in_the_list_with_that_colleague_and_band(local_night, view):
    listed = {
        (r["colleague_email"], r["contact_email"]): r["band"]
        for r in table(local_night.settings, "introducers")
    }
    named = [(r["colleague_email"], p["email"], p["band"]) for r in view for p in r["named_contacts"]]
    assert named and all(listed.get((colleague, email)) == band for colleague, email, band in named)


def test_the_publication_names_the_view_s_version(local_night):
    [publication] = table(local_night.settings, "publications")
    versions = dict(publication["table_versions"])
    assert "account_introducers" in versions
    assert publication["row_counts"] and dict(publication["row_counts"])["account_introducers"] > 0


def who_knows(local_night, monkeypatch, *args):
    from wkw.serve.cli import app

    monkeypatch.setenv("WKW_LAKE", local_night.settings.lake)
    monkeypatch.delenv("WKW_USER", raising=False)
    return CliRunner().invoke(app, ["who-knows", *args])


def test_cli_shows_the_account_to_a_seller_by_domain_or_name(local_night, monkeypatch):
    planted, seller = local_night.truth["planted_account"], local_night.truth["sample_seller"]
    by_domain = who_knows(local_night, monkeypatch, "--account", planted["domain"], "--as", seller, "--json")
    assert by_domain.exit_code == 0, by_domain.output
    answer = json.loads(by_domain.output)
    [account] = answer["accounts"]
    assert (account["account"], account["account_kind"]) == (planted["account"], "crm_company")
    assert [c["colleague_email"] for c in account["colleagues"]] == [
        e["colleague"] for e in planted["ranking"]
    ]
    assert answer["publication_id"] == local_night.publication_id
    by_name = who_knows(local_night, monkeypatch, "--account", planted["account"].upper(), "--as", seller)
    assert by_name.exit_code == 0, by_name.output
    assert planted["account"] in by_name.output and planted["ranking"][0]["colleague"] in by_name.output


def test_cli_refuses_without_a_licensed_requester_and_says_when_nobody_is_known(local_night, monkeypatch):
    planted, seller = local_night.truth["planted_account"], local_night.truth["sample_seller"]
    refused = who_knows(local_night, monkeypatch, "--account", planted["domain"])
    assert refused.exit_code == EXIT_REFUSED
    withheld = who_knows(
        local_night, monkeypatch, "--account", planted["domain"], "--as", planted["withheld_colleague"]
    )
    assert withheld.exit_code == EXIT_REFUSED
    unknown = who_knows(local_night, monkeypatch, "--account", "gmail.com", "--as", seller)
    assert unknown.exit_code == EXIT_UNKNOWN
    assert "No colleague is known to know anyone at gmail.com" in unknown.output


def test_the_api_serves_the_view_the_cli_shows(local_night, monkeypatch):
    """`wkw serve` answers the account view from its snapshot of the same publication: the JSON the CLI
    prints, and a page naming the planted colleagues in order."""
    from fastapi.testclient import TestClient
    from wkw.serve.http.app import create_app
    from wkw.serve.http.snapshot import SnapshotStore

    planted, seller = local_night.truth["planted_account"], local_night.truth["sample_seller"]
    cli = who_knows(local_night, monkeypatch, "--account", planted["domain"], "--as", seller, "--json")
    store = SnapshotStore(local_night.settings)
    assert store.refresh()
    client = TestClient(create_app(local_night.settings, store, refresh=False), client=("127.0.0.1", 41000))
    asking = {"X-Forwarded-Email": seller}
    served = client.get(f"/api/v1/accounts/{planted['domain']}/introducers", headers=asking)
    assert served.status_code == 200 and served.json() == json.loads(cli.output)
    page = client.get(f"/accounts/{planted['domain']}", headers=asking).text
    positions = [page.index(f'data-colleague="{e["colleague"]}"') for e in planted["ranking"]]
    assert positions == sorted(positions) and planted["withheld_colleague"] not in page
