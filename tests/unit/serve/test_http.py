"""`wkw serve` (wkw.serve.http) through FastAPI's test client, on the tiny lake of tests/support/tiny_lake:
every endpoint, every refusal with its status and reason, tokens, the repeat rule, a publication swapped
during a request, the pages and their form.

    .venv/bin/python -m pytest tests/unit/serve/test_http.py -q
"""

from __future__ import annotations

import dataclasses
import email
import re
import threading
import time
from datetime import UTC, datetime
from email import policy

import pytest
from fastapi.testclient import TestClient
from support.tiny_lake import (
    COLLEAGUE,
    LEAD,
    OTHER_COLLEAGUE,
    PUBLICATION_ID,
    SELLER,
    introducer,
    lead_rows,
    publish,
    write_directory,
    write_publication,
)
from wkw.config import load_settings
from wkw.serve.http.app import create_app
from wkw.serve.http.identity import add_token
from wkw.serve.http.snapshot import Snapshot, SnapshotStore

PROXY = ("127.0.0.1", 41000)  # a trusted proxy: [serve] trusted_proxies has loopback
STRANGER = ("203.0.113.9", 41000)
AS_SELLER = {"X-Forwarded-Email": SELLER}
TILE = f"/api/v1/contacts/{LEAD}/introducers"


@pytest.fixture
def lake(tmp_path):
    lake = tmp_path / "lake"
    write_directory(lake)
    write_publication(lake)
    return lake


@pytest.fixture
def settings(lake, tmp_path, monkeypatch):
    for name in ("WKW_SMTP_USER", "WKW_SMTP_PASSWORD", "WKW_USER"):
        monkeypatch.delenv(name, raising=False)
    base = dataclasses.replace(load_settings(), lake=str(lake))
    return base.with_conf(
        "serve", tokens_file=str(tmp_path / "tokens.json"), frame_ancestors=["https://crm.example.com"]
    )


def client_for(settings, peer=PROXY, load=True, **app_options) -> TestClient:
    store = SnapshotStore(settings)
    if load:
        store.refresh()
    return TestClient(create_app(settings, store, refresh=False, **app_options), client=peer)


@pytest.fixture
def client(settings):
    return client_for(settings)


def test_the_tile_names_the_introducers_strong_first_with_the_publication(client):
    answer = client.get(TILE, headers=AS_SELLER)
    assert answer.status_code == 200
    body = answer.json()
    assert body["publication_id"] == PUBLICATION_ID and body["as_of_date"] == "2026-11-26"
    assert (body["contact_email"], body["contact_name"], body["crm_id"]) == (LEAD, "Arjun Shah", "LEAD-00042")
    assert [(i["rank"], i["colleague_email"], i["band"]) for i in body["introducers"]] == [
        (1, COLLEAGUE, "strong"),
        (2, OTHER_COLLEAGUE, "weak"),
    ]
    assert body["introducers"][0]["last_interaction_at"].startswith("2026-11-23T14:05")
    # Case and spaces in the address do not matter, as in `who-knows`.
    assert client.get(TILE.replace(LEAD, LEAD.upper()), headers=AS_SELLER).json() == body


def test_the_tile_holds_five_and_all_gives_everyone(settings, lake):
    rows = [
        introducer(
            rank, f"c{rank}@contoso.com", f"C {rank}", "AE", "moderate", datetime(2026, 11, 1, tzinfo=UTC)
        )
        for rank in range(1, 8)
    ]
    publish(lake, rows, publication_id="p-seven")
    client = client_for(settings)
    tile = client.get(TILE, headers=AS_SELLER).json()["introducers"]
    everyone = client.get(TILE + "?all=true", headers=AS_SELLER).json()["introducers"]
    assert [i["rank"] for i in tile] == [1, 2, 3, 4, 5]
    assert [i["colleague_email"] for i in everyone] == [f"c{rank}@contoso.com" for rank in range(1, 8)]
    page = client.get(f"/contacts/{LEAD}", headers=AS_SELLER).text
    assert page.count('class="introducer ') == 5 and ">See all 7</a>" in page
    listed = client.get(f"/contacts/{LEAD}?all=true", headers=AS_SELLER).text
    assert listed.count('class="introducer ') == 7 and "Back to the tile" in listed


def test_receipts_of_one_score(client):
    answer = client.get(f"{TILE}/{OTHER_COLLEAGUE}", headers=AS_SELLER)
    assert answer.status_code == 200
    receipt = answer.json()
    assert receipt["introducer"]["colleague_email"] == OTHER_COLLEAGUE
    assert (receipt["introducer"]["mails_sent"], receipt["introducer"]["active_days"]) == (12, 1)
    assert receipt["formula"].startswith("score = reciprocity") and receipt["model_version"] == "strength-1"
    missing = client.get(f"{TILE}/nobody@contoso.com", headers=AS_SELLER)
    assert (missing.status_code, missing.json()["reason"]) == (404, "not_an_introducer")


def test_nobody_known_is_404_with_the_publication(client):
    answer = client.get("/api/v1/contacts/stranger@example.com/introducers", headers=AS_SELLER)
    assert answer.status_code == 404
    assert answer.json()["reason"] == "nobody_knows" and PUBLICATION_ID in answer.json()["detail"]


@pytest.mark.parametrize(
    ("requester", "status", "reason"),
    [
        ("basic@contoso.com", 403, "unlicensed"),
        ("left@contoso.com", 403, "inactive"),
        ("eng@contoso.com", 403, "wrong_role"),
        ("who@contoso.com", 403, "unknown"),
    ],
)
def test_the_gate_refuses_with_403_and_says_why(client, requester, status, reason):
    answer = client.get(TILE, headers={"X-Forwarded-Email": requester})
    assert (answer.status_code, answer.json()["reason"]) == (status, reason)


def test_no_identity_or_an_untrusted_header_is_401(settings, client):
    nobody = client.get(TILE)
    assert (nobody.status_code, nobody.json()["reason"]) == (401, "unauthenticated")
    assert nobody.headers["WWW-Authenticate"] == "Bearer"
    forged = client_for(settings, peer=STRANGER).get(TILE, headers=AS_SELLER)
    assert (
        forged.status_code == 401 and "believed only from the configured proxies" in forged.json()["detail"]
    )


def test_an_internal_target_needs_an_address_book_entry(client):
    answer = client.get(f"/api/v1/contacts/{COLLEAGUE}/introducers", headers=AS_SELLER)
    assert (answer.status_code, answer.json()["reason"]) == (403, "not_in_address_book")


def test_a_token_reads_but_never_introduces(settings):
    token = add_token(settings.serve.tokens_file, "dynamics", SELLER)
    stored = open(settings.serve.tokens_file).read()
    assert token not in stored and "dynamics" in stored
    client = client_for(settings, peer=STRANGER)  # tokens work from anywhere
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(TILE, headers=bearer).json()["introducers"][0]["colleague_email"] == COLLEAGUE
    ask = {"lead": LEAD, "colleague": COLLEAGUE, "mode": "draft"}
    refused = client.post("/api/v1/introductions", json=ask, headers=bearer)
    assert (refused.status_code, refused.json()["reason"]) == (403, "read_only_token")
    wrong = client.get(TILE, headers={"Authorization": "Bearer not-a-token"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "unknown bearer token")


def test_a_token_of_an_unlicensed_identity_is_refused_by_the_gate(settings):
    token = add_token(settings.serve.tokens_file, "hubspot", "basic@contoso.com")
    answer = client_for(settings).get(TILE, headers={"Authorization": f"Bearer {token}"})
    assert (answer.status_code, answer.json()["reason"]) == (403, "unlicensed")


def test_before_a_publication_it_is_alive_but_not_ready(settings, tmp_path):
    empty = dataclasses.replace(settings, lake=str(tmp_path / "empty"))
    write_directory(tmp_path / "empty")
    client = client_for(empty)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503
    answer = client.get(TILE, headers=AS_SELLER)
    assert (answer.status_code, answer.json()["reason"]) == (503, "no_publication")
    assert "run the pipeline first" in answer.json()["detail"]


def test_ready_names_the_publication_and_metrics_count_requests(client):
    assert client.get("/readyz").json() == {
        "ready": True,
        "publication_id": PUBLICATION_ID,
        "as_of_date": "2026-11-26",
        "contacts": 1,
    }
    client.get(TILE, headers=AS_SELLER)
    client.get(TILE)
    text = client.get("/metrics").text
    route = 'route="/api/v1/contacts/{email}/introducers"'
    assert re.search(rf'wkw_http_requests_total\{{method="GET",{route},status="200"\}} 1\.0', text)
    assert re.search(rf'wkw_http_requests_total\{{method="GET",{route},status="401"\}} 1\.0', text)
    age = float(re.search(r"^wkw_publication_age_seconds (\S+)$", text, re.M).group(1))
    published = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert abs(age - (datetime.now(UTC) - published).total_seconds()) < 60


def test_security_headers_on_every_answer(client):
    for answer in (client.get(TILE, headers=AS_SELLER), client.get(f"/contacts/{LEAD}", headers=AS_SELLER)):
        assert "frame-ancestors https://crm.example.com" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_new_publication_is_picked_up_whole_even_during_a_request(settings, lake, monkeypatch):
    client = client_for(settings)
    store = client.app.state.store
    renamed = [{**row, "colleague_name": row["colleague_name"] + " (new)"} for row in lead_rows()]
    original_top = Snapshot.top

    def top_then_swap(snapshot, contact):
        rows = original_top(snapshot, contact)
        publish(lake, renamed[::-1], publication_id="p-next")  # ranks unchanged, order of writing reversed
        assert store.refresh()  # the swap lands while this request is being answered
        return rows

    monkeypatch.setattr(Snapshot, "top", top_then_swap)
    during = client.get(TILE, headers=AS_SELLER).json()
    monkeypatch.setattr(Snapshot, "top", original_top)
    assert during["publication_id"] == PUBLICATION_ID
    assert [i["colleague_name"] for i in during["introducers"]] == ["Ines Chen", "Jonas Olsen"]
    after = client.get(TILE, headers=AS_SELLER).json()
    assert after["publication_id"] == "p-next"
    assert [i["colleague_name"] for i in after["introducers"]] == ["Ines Chen (new)", "Jonas Olsen (new)"]
    assert store.refresh() is False  # nothing newer: nothing reloaded


def test_a_page_answered_during_a_swap_names_the_publication_it_shows(settings, lake, monkeypatch):
    client = client_for(settings)
    original_top = Snapshot.top

    def top_then_swap(snapshot, contact):
        rows = original_top(snapshot, contact)
        publish(lake, lead_rows(), publication_id="p-next")
        assert client.app.state.store.refresh()
        return rows

    monkeypatch.setattr(Snapshot, "top", top_then_swap)
    page = client.get(f"/contacts/{LEAD}", headers=AS_SELLER).text
    assert f"Publication <code>{PUBLICATION_ID}</code>" in page and "p-next" not in page


def test_a_broken_new_publication_keeps_the_last_good_one(settings, lake):
    client = client_for(settings)
    publish(lake, lead_rows(), publication_id="p-broken")
    for data in (lake / "published" / "top_introducers").glob("*.parquet"):
        data.unlink()
    assert client.app.state.store.refresh() is False
    assert client.get(TILE, headers=AS_SELLER).json()["publication_id"] == PUBLICATION_ID
    assert "wkw_publication_refresh_failing 1.0" in client.get("/metrics").text


def test_draft_over_the_api_is_an_rfc_5322_message(client):
    ask = {"lead": LEAD, "colleague": COLLEAGUE, "note": "We met at Web Summit.", "mode": "draft"}
    answer = client.post("/api/v1/introductions", json=ask, headers=AS_SELLER)
    assert answer.status_code == 200 and answer.headers["content-type"] == "message/rfc822"
    assert answer.headers["content-disposition"].startswith('attachment; filename="introduction-')
    message = email.message_from_bytes(answer.content, policy=policy.default)
    assert message["To"] == f"Ines Chen <{COLLEAGUE}>" and SELLER in message["From"]
    assert "We met at Web Summit." in message.get_content() and message["X-Unsent"] == "1"


def test_send_over_the_api_then_the_repeat_is_409(client, relay):
    ask = {"lead": LEAD, "colleague": COLLEAGUE, "mode": "send"}
    sent = client.post("/api/v1/introductions", json=ask, headers=AS_SELLER)
    assert sent.status_code == 201 and sent.json()["mode"] == "sent"
    assert [envelope.rcpt_tos for envelope in relay.envelopes] == [[COLLEAGUE]]
    again = client.post("/api/v1/introductions", json=ask, headers=AS_SELLER)
    assert (again.status_code, again.json()["reason"]) == (409, "repeat_request")
    assert "first_requested_at" in again.json() and len(relay.envelopes) == 1
    other = client.post(
        "/api/v1/introductions", json=ask | {"colleague": "eng@contoso.com"}, headers=AS_SELLER
    )
    assert (other.status_code, other.json()["reason"]) == (404, "not_an_introducer")


def test_a_relay_that_is_down_is_502_and_nothing_is_logged(client, monkeypatch):
    monkeypatch.setenv("WKW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WKW_SMTP_PORT", "9")  # discard: nothing listens here
    ask = {"lead": LEAD, "colleague": COLLEAGUE, "mode": "send"}
    answer = client.post("/api/v1/introductions", json=ask, headers=AS_SELLER)
    assert (answer.status_code, answer.json()["reason"]) == (502, "relay_refused")
    again = client.post("/api/v1/introductions", json=ask | {"mode": "draft"}, headers=AS_SELLER)
    assert again.status_code == 200  # the failed send was not logged, so this is no repeat


def test_the_page_shows_the_tile_the_receipts_and_a_form_with_a_csrf_token(client):
    page = client.get(f"/contacts/{LEAD}", headers=AS_SELLER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.index("Ines Chen") < html.index("Jonas Olsen") and "Bellows College" in html
    assert "Why? The receipts" in html and "<script" not in html
    form = client.get(f"/contacts/{LEAD}/introduce/{COLLEAGUE}", headers=AS_SELLER).text
    assert 'Subject</span> <span id="subject">Introduction to Arjun Shah (Bellows College)?' in form
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    url = f"/contacts/{LEAD}/introduce/{COLLEAGUE}"
    forged = client.post(url, data={"action": "draft", "csrf": "1.x", "note": "hi"}, headers=AS_SELLER)
    assert forged.status_code == 403 and "The form has expired" in forged.text
    other = client.post(
        url, data={"action": "draft", "csrf": token}, headers={"X-Forwarded-Email": COLLEAGUE}
    )
    assert other.status_code == 403  # a token is the requester's own
    draft = client.post(
        url, data={"action": "draft", "csrf": token, "note": "Met in Lisbon."}, headers=AS_SELLER
    )
    assert draft.headers["content-type"] == "message/rfc822"
    assert "Met in Lisbon." in email.message_from_bytes(draft.content, policy=policy.default).get_content()


def test_pages_say_clearly_what_went_wrong(settings, client):
    nobody = client.get("/contacts/stranger@example.com", headers=AS_SELLER)
    assert nobody.status_code == 404 and "Nobody here knows them yet" in nobody.text
    denied = client.get(f"/contacts/{LEAD}", headers={"X-Forwarded-Email": "basic@contoso.com"})
    assert denied.status_code == 403 and "Sales Premium" in denied.text
    unsigned = client.get(f"/contacts/{LEAD}")
    assert unsigned.status_code == 401 and "Sign in first" in unsigned.text


def test_search_by_company_name_or_address(client):
    for text in ("bellows", "Arjun", "arjun.shah@"):
        page = client.get("/", params={"q": text}, headers=AS_SELLER).text
        assert f'href="/contacts/{LEAD}"' in page
    assert "No contact in this publication matches" in client.get("/?q=zzz", headers=AS_SELLER).text


def test_local_user_answers_without_a_proxy(settings):
    client = client_for(settings, peer=STRANGER, local_user=SELLER)
    assert client.get(TILE).json()["introducers"][0]["colleague_email"] == COLLEAGUE


def test_the_api_reference_lists_every_endpoint(client):
    page = client.get("/docs").text
    for endpoint in (
        "GET /api/v1/contacts/{email}/introducers",
        "GET /api/v1/contacts/{email}/introducers/{colleague}",
        "POST /api/v1/introductions",
    ):
        assert endpoint in page
    assert "/api/v1/introductions" in client.get("/openapi.json").json()["paths"]


def test_repeat_window_is_per_requester_colleague_and_lead(client, relay):
    ask = {"lead": LEAD, "colleague": COLLEAGUE, "mode": "send"}
    assert client.post("/api/v1/introductions", json=ask, headers=AS_SELLER).status_code == 201
    other = client.post("/api/v1/introductions", json=ask | {"colleague": OTHER_COLLEAGUE}, headers=AS_SELLER)
    assert other.status_code == 201
    assert [envelope.rcpt_tos for envelope in relay.envelopes] == [[COLLEAGUE], [OTHER_COLLEAGUE]]


def test_serve_refuses_a_fixed_user_off_loopback(settings, monkeypatch):
    from typer.testing import CliRunner
    from wkw.serve.cli import app

    monkeypatch.setenv("WKW_LAKE", settings.lake)
    refused = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--as", SELLER])
    assert refused.exit_code == 2 and "refused on 0.0.0.0" in refused.output


def test_serve_settings_are_checked(settings):
    from wkw.config_sections import ConfigError

    with pytest.raises(ConfigError, match=r"\[serve\] trusted_proxies: 'proxy.example' is not an address"):
        settings.with_conf("serve", trusted_proxies=["proxy.example"])
    with pytest.raises(ConfigError, match=r"\[serve\] port must be a whole number from 1 to 65535"):
        settings.with_conf("serve", port=0)
    assert settings.with_conf("serve", trusted_proxies=["10.1.0.0/16"]).serve.trusts("10.1.2.3")
    assert not settings.with_conf("serve", trusted_proxies=["10.1.0.0/16"]).serve.trusts("10.2.0.1")


def test_it_listens_while_the_first_publication_loads(settings, monkeypatch):
    """Health answers at once and readiness says 503 until the publication is in (the first load used to
    run before the port opened: at 500,000 contacts, 12 s of refused connections)."""
    loading = threading.Event()
    load = Snapshot.load.__func__

    def held_load(cls, settings_, publication=None):
        loading.wait(10)
        return load(cls, settings_, publication)

    monkeypatch.setattr(Snapshot, "load", classmethod(held_load))
    with TestClient(create_app(settings), client=PROXY) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 503
        assert client.get(TILE, headers=AS_SELLER).json()["reason"] == "no_publication"
        loading.set()
        deadline = time.monotonic() + 10
        while client.app.state.store.current is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.get("/readyz").json()["publication_id"] == PUBLICATION_ID
