"""The account view in `wkw serve` (/api/v1/accounts/<account>/introducers and the /accounts/<account>
page) on the tiny lake of tests/support/tiny_lake: the ranking as published, a domain that finds its CRM
company, the tile's size unless all=true, the requester gate, and a publication from before the view.

    .venv/bin/python -m pytest tests/unit/serve/test_http_accounts.py -q
"""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from support.tiny_lake import LEAD, PUBLICATION_ID, SELLER, account_row, lead_rows, publish, write_directory
from wkw.config import load_settings
from wkw.serve.http.app import create_app
from wkw.serve.http.snapshot import SnapshotStore

PROXY = ("127.0.0.1", 41000)  # a trusted proxy: [serve] trusted_proxies has loopback
AS_SELLER = {"X-Forwarded-Email": SELLER}
UNLICENSED = {"X-Forwarded-Email": "basic@contoso.com"}
VIEW = "/api/v1/accounts/{}/introducers"
PEOPLE = [
    (LEAD, "Arjun Shah", "strong", 0.8),
    ("dana.ross@bellowscollege.com", "Dana Ross", "moderate", 0.4),
    ("lu.wen@bellowscollege.com", "Lu Wen", "weak", 0.1),
]
# Seven colleagues who know people at Bellows College, in the order the gold stage ranked them: one
# more than a tile holds, so that all=true shows the difference.
RANKED = [
    account_row("Bellows College", "crm_company", 1, "ines.chen@contoso.com", "Ines Chen", PEOPLE[:2]),
    account_row("Bellows College", "crm_company", 2, "jonas.olsen@contoso.com", "Jonas Olsen", PEOPLE[1:]),
    *(
        account_row("Bellows College", "crm_company", rank, f"c{rank}@contoso.com", f"C {rank}", PEOPLE[2:])
        for rank in range(3, 8)
    ),
]


def client_for(tmp_path, monkeypatch, accounts) -> TestClient:
    for name in ("WKW_SMTP_USER", "WKW_SMTP_PASSWORD", "WKW_USER"):
        monkeypatch.delenv(name, raising=False)
    lake = tmp_path / "lake"
    write_directory(lake)
    publish(lake, lead_rows(), accounts=accounts)
    settings = dataclasses.replace(load_settings(), lake=str(lake))
    settings = settings.with_conf("serve", tokens_file=str(tmp_path / "tokens.json"))
    store = SnapshotStore(settings)
    store.refresh()
    return TestClient(create_app(settings, store, refresh=False), client=PROXY)


@pytest.fixture
def client(tmp_path, monkeypatch):
    return client_for(tmp_path, monkeypatch, RANKED)


def test_the_account_lists_its_colleagues_as_ranked_with_the_people_they_know(client):
    answer = client.get(VIEW.format("Bellows College"), headers=AS_SELLER)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["account_query"], body["publication_id"], body["as_of_date"]) == (
        "Bellows College",
        PUBLICATION_ID,
        "2026-11-26",
    )
    [account] = body["accounts"]
    assert (account["account"], account["account_kind"], account["account_domains"]) == (
        "Bellows College",
        "crm_company",
        ["bellowscollege.com"],
    )
    colleagues = account["colleagues"]
    assert [c["colleague_email"] for c in colleagues] == [
        "ines.chen@contoso.com",
        "jonas.olsen@contoso.com",
        "c3@contoso.com",
        "c4@contoso.com",
        "c5@contoso.com",
    ]  # the tile's five
    first = colleagues[0]
    assert (first["strong_contacts"], first["moderate_contacts"], first["known_contacts"]) == (1, 1, 2)
    assert [(p["email"], p["band"]) for p in first["named_contacts"]] == [
        (LEAD, "strong"),
        ("dana.ross@bellowscollege.com", "moderate"),
    ]


def test_a_domain_finds_its_crm_company_any_case_and_all_gives_everyone(client):
    by_name = client.get(VIEW.format("Bellows College") + "?all=true", headers=AS_SELLER).json()
    by_domain = client.get(VIEW.format("BellowsCollege.com") + "?all=true", headers=AS_SELLER).json()
    assert [c["rank"] for c in by_name["accounts"][0]["colleagues"]] == [1, 2, 3, 4, 5, 6, 7]
    assert by_domain["accounts"] == by_name["accounts"]


def test_nobody_known_at_an_account_is_404_and_the_gate_comes_first(client):
    unknown = client.get(VIEW.format("fabrikam.com"), headers=AS_SELLER)
    assert unknown.status_code == 404
    assert unknown.json()["reason"] == "nobody_knows" and PUBLICATION_ID in unknown.json()["detail"]
    nobody = client.get(VIEW.format("Bellows College"))
    assert nobody.status_code == 401
    refused = client.get(VIEW.format("Bellows College"), headers=UNLICENSED)
    assert refused.status_code == 403 and "Bellows" not in refused.text


def test_the_page_shows_the_colleagues_and_links_each_person_to_their_tile(client):
    page = client.get("/accounts/Bellows%20College", headers=AS_SELLER)
    assert page.status_code == 200
    html = page.text
    assert html.count('class="introducer"') == 5 and "Ines Chen" in html and "C 6" not in html
    assert f'href="/contacts/{LEAD}"' in html and "Knows 1 strong, 1 moderate, 2 in all" in html
    assert 'href="/accounts/Bellows%20College?all=true"' in html
    everyone = client.get("/accounts/bellowscollege.com?all=true", headers=AS_SELLER).text
    assert everyone.count('class="introducer"') == 7 and "Back to the top colleagues" in everyone
    missing = client.get("/accounts/fabrikam.com", headers=AS_SELLER)
    assert missing.status_code == 404 and "Nobody here knows them yet" in missing.text


def test_a_publication_from_before_the_account_view_answers_nobody_known(tmp_path, monkeypatch):
    client = client_for(tmp_path, monkeypatch, accounts=None)
    answer = client.get(VIEW.format("Bellows College"), headers=AS_SELLER)
    assert (answer.status_code, answer.json()["reason"]) == (404, "nobody_knows")
    assert client.get(f"/api/v1/contacts/{LEAD}/introducers", headers=AS_SELLER).status_code == 200
