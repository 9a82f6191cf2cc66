"""Privacy end to end, in the shared session: a seller asks for an introduction to a contact, then the
contact asks to be erased and a colleague opts out; a broken export row names both; an alias added to the
colleague after the opt-out writes to a contact; an older night is run again. Retention 0, so every purge
runs at once. Then neither is in any table, and no file under the lake (current or old versions, logs and
checkpoints) or the kept landing holds their addresses or names: Parquet files are read value by value
(compressed pages hide plain bytes) and every other file is scanned as bytes."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from conftest import NIGHT, copy_of, run_night_in_process
from deltalake import DeltaTable
from wkw.config import BRONZE, PUBLISHED, SILVER
from wkw.lake import delta_tables
from wkw.vocabulary import LANDING_SOURCES

pytestmark = pytest.mark.e2e
FIRST = NIGHT
SECOND = FIRST + timedelta(days=1)
THIRD = SECOND + timedelta(days=1)


def strings(value):
    """Every string inside a row value (nested lists, maps as key/value pairs, structs)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def files_holding(lake: Path, addresses: set[str]) -> list[str]:
    """Every file under the lake holding one of `addresses`: Parquet by value, the rest by bytes."""
    found = []
    for path in sorted(p for p in lake.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            values = (s.lower() for row in pq.read_table(path).to_pylist() for s in strings(row))
            if any(address in value for value in values for address in addresses):
                found.append(str(path.relative_to(lake)))
        elif any(address.encode() in path.read_bytes().lower() for address in addresses):
            found.append(str(path.relative_to(lake)))
    return found


def rows_holding(settings, addresses: set[str]) -> dict[str, int]:
    """Per Delta table (current version, read with delta-rs), the rows naming one of `addresses`."""
    hits = {}
    for path in delta_tables(settings):
        rows = DeltaTable(path).to_pyarrow_table().to_pylist()
        count = sum(any(a in s.lower() for s in strings(row) for a in addresses) for row in rows)
        if count:
            hits[path.removeprefix(settings.lake)] = count
    return hits


def contact_name(settings, contact: str) -> str:
    rows = DeltaTable(settings.table_path(PUBLISHED, "introducers")).to_pyarrow_table().to_pylist()
    return next(r["contact_name"] for r in rows if r["contact_email"] == contact and r["contact_name"])


def pairs(settings):
    rows = DeltaTable(settings.table_path(PUBLISHED, "connection_strength")).to_pyarrow_table().to_pylist()
    return {(r["colleague_email"], r["contact_email"]) for r in rows}


def write_users(folder: Path, users: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "users.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(users[0]))
        writer.writeheader()
        writer.writerows(users)


def land_exports(landing: Path, original: Path, day, users: list[dict]) -> None:
    """The day's directory and CRM exports (the CRM as on night one, from the generator's landing: night
    one's privacy stage deleted the kept exports that name its opted-out colleague)."""
    write_users(landing / "directory" / day.isoformat(), users)
    (landing / "crm" / day.isoformat()).mkdir(parents=True, exist_ok=True)
    crm = (original / "crm" / FIRST.isoformat() / "crm.csv").read_bytes()
    (landing / "crm" / day.isoformat() / "crm.csv").write_bytes(crm)


def ask_for_an_introduction(settings, seller: str, lead: str, before) -> None:
    """A seller asks for an introduction to the person who will ask to be erased (a logged draft)."""
    from wkw.serve.introduce import DRAFT, request_introduction

    via = sorted(colleague for colleague, contact in before if contact == lead and colleague != seller)[0]
    request_introduction(settings, lead, via, seller, DRAFT)


def alias_mail(alias: str, name: str, to: str) -> str:
    return (
        f"Message-ID: <alias-after-opt-out@contoso.com>\nDate: Fri, 27 Nov 2026 09:00:00 +0000\n"
        f'From: "{name}" <{alias}>\nTo: <{to}>\nSubject: hello\n\nbody\n'
    )


@pytest.fixture(scope="module")
def nights(spark, local_night, company_landing, tmp_path_factory):
    """Night one is the suite's company night (a copy of its lake and landing). Before night two, a seller
    asks for an introduction to a contact; then the contact asks to be erased and the colleague who
    introduces most opts out, and a calls export lands with a broken row naming both. Night three, the
    colleague gets an alias that writes to a contact. Then night one runs again. Retention is 0, so every
    purge happens at once."""
    assert local_night.logical_date == FIRST
    root = tmp_path_factory.mktemp("privacy")
    base = copy_of(local_night, root, with_landing=True)
    settings = dataclasses.replace(base, privacy=base.with_conf("privacy", retention_days=0).privacy)
    landing, truth = Path(settings.landing), local_night.truth
    before = pairs(settings)
    # The colleague who introduces most, and a contact someone else knows too.
    by_colleague = Counter(colleague for colleague, _ in before)
    leaver = next(c for c, _ in by_colleague.most_common() if c != truth["sample_seller"])
    erased = sorted(
        contact for colleague, contact in before if colleague not in (leaver, truth["sample_seller"])
    )[0]
    original = company_landing.landing
    with (original / "directory" / FIRST.isoformat() / "users.csv").open(newline="") as fh:
        users = list(csv.DictReader(fh))
    [leaver_row] = [u for u in users if u["email"] == leaver]
    alias = "later." + leaver
    leaver_addresses = {leaver, alias, *filter(None, leaver_row["aliases"].split(";"))}
    subjects = leaver_addresses | {erased}
    names = {leaver_row["name"].lower(), contact_name(settings, erased).lower()}
    held_before = files_holding(Path(settings.lake), subjects)
    ask_for_an_introduction(settings, truth["sample_seller"], erased, before)

    leaver_row["opted_out"] = "true"
    land_exports(landing, original, SECOND, users)
    requests = landing / "privacy" / SECOND.isoformat()
    requests.mkdir(parents=True)
    (requests / "requests.csv").write_text(f"request_id,email\nDSR-0001,{erased}\n,someone@example.com\n")
    calls = landing / "calls" / SECOND.isoformat()
    calls.mkdir(parents=True)
    (calls / "calls.csv").write_text(
        "call_id,caller,callee,start,duration_seconds,direction\n"
        f"T-1,{leaver},{erased},{leaver_row['name']},2026-11-26T10:00:00Z,60,outbound\n"
    )
    run_night_in_process(spark, settings, SECOND)
    after_second = pairs(settings)

    leaver_row["aliases"] = ";".join(filter(None, [leaver_row["aliases"], alias]))
    land_exports(landing, original, THIRD, users)
    written = landing / "mail" / THIRD.isoformat() / "late"
    written.mkdir(parents=True)
    (written / "1.eml").write_text(alias_mail(alias, leaver_row["name"], truth["sample_lead"]))
    run_night_in_process(spark, settings, THIRD)
    run_night_in_process(spark, settings, FIRST)  # a rerun of an older date, after the opt-out
    return SimpleNamespace(
        settings=settings,
        before=before,
        leaver=leaver,
        erased=erased,
        subjects=subjects,
        held_before=held_before,
        after_second=after_second,
        names=names,
    )


def test_before_the_requests_the_people_are_there(nights):
    """The checks below could not pass by accident: both people were in the lake's files after night one."""
    assert any(colleague == nights.leaver for colleague, _ in nights.before)
    assert any(contact == nights.erased for _, contact in nights.before)
    assert any(name.startswith("published/") for name in nights.held_before)
    assert any(name.startswith("bronze/mail_messages/") for name in nights.held_before)
    assert all(len(name) > 5 for name in nights.names)


def test_after_the_nights_they_are_in_no_table(nights):
    assert rows_holding(nights.settings, nights.subjects | nights.names) == {}


def test_no_file_under_the_lake_or_the_kept_landing_holds_their_addresses_or_names(nights):
    """Logs, checkpoints, quarantine, the introduction log, raw exports: by value and by bytes."""
    wanted = nights.subjects | nights.names
    assert files_holding(Path(nights.settings.lake), wanted) == []
    landing = Path(nights.settings.landing)
    # Every export extract reads (landing/<source>/); the generator's answer key (truth.json) is no export.
    exports = [found for source in LANDING_SOURCES for found in files_holding(landing / source, wanted)]
    assert exports == []
    assert {path.name for path in landing.iterdir() if path.is_file()} == {"truth.json"}


def test_everyone_else_keeps_their_ties(nights):
    expected = {(c, p) for c, p in nights.before if c != nights.leaver and p != nights.erased}
    assert nights.after_second == expected
    assert pairs(nights.settings) <= expected  # the alias added after the opt-out introduces nobody


def test_the_register_keeps_hashes_and_the_status_of_each_request(nights):
    settings, leaver, erased = nights.settings, nights.leaver, nights.erased
    register = DeltaTable(settings.table_path(SILVER, "privacy_requests")).to_pyarrow_table().to_pylist()
    from wkw.privacy.policy import subject_hash

    by_subject = {row["subject_sha256"]: row for row in register}
    for address, kind in ((leaver, "opt_out"), (erased, "erasure")):
        row = by_subject[subject_hash(address)]
        assert row["kind"] == kind and row["received_date"] == SECOND
        assert row["status"] == "purged" and row["applied_at"] <= row["purged_at"]
    assert by_subject[subject_hash(erased)]["request_id"] == "erasure:DSR-0001"
    assert set(map(subject_hash, nights.subjects - {erased})) <= set(
        by_subject[subject_hash(leaver)]["address_sha256"]
    )


def test_a_bad_request_is_quarantined_and_counted(nights):
    settings = nights.settings
    quarantine = DeltaTable(settings.table_path(BRONZE, "quarantine")).to_pyarrow_table().to_pylist()
    bad = [(r["source"], r["position"], r["reason"]) for r in quarantine if r["source"] == "privacy"]
    assert bad == [("privacy", 3, "missing_request_id")]
    reconciliation = DeltaTable(settings.table_path(SILVER, "reconciliation")).to_pyarrow_table().to_pylist()
    [counted] = [r for r in reconciliation if r["source"] == "privacy" and r["as_of_date"] == SECOND]
    assert (counted["read"], counted["accepted"], counted["quarantined"], counted["balanced"]) == (
        2,
        1,
        1,
        True,
    )


def test_status_shows_each_request(nights, monkeypatch):
    from typer.testing import CliRunner
    from wkw.serve.cli import app

    settings = nights.settings
    monkeypatch.setenv("WKW_LAKE", settings.lake)
    shown = CliRunner().invoke(app, ["status", "--privacy", "--json"])
    assert shown.exit_code == 0, shown.output
    requests = {r["request_id"]: r for r in json.loads(shown.output)}
    assert requests["erasure:DSR-0001"]["status"] == "purged"
    assert requests["erasure:DSR-0001"]["received_date"] == SECOND.isoformat()
    assert {r["kind"] for r in requests.values()} == {"erasure", "opt_out"}
    assert all(r["applied_at"] and r["purged_at"] for r in requests.values())
    text = CliRunner().invoke(app, ["status", "--privacy"])
    assert text.exit_code == 0 and "erasure:DSR-0001" in text.output and "purged" in text.output


def _server(settings):
    """`wkw serve`'s app over a lake, its publication loaded, asked through the proxy (loopback)."""
    from fastapi.testclient import TestClient
    from wkw.serve.http.app import create_app
    from wkw.serve.http.snapshot import SnapshotStore

    store = SnapshotStore(settings)
    assert store.refresh()
    return TestClient(create_app(settings, store, refresh=False), client=("127.0.0.1", 40000))


def _everything_served(client, seller: str) -> str:
    """Every answer the server gives a seller about every contact of its publication: the JSON list and
    tile, every receipt, every page, and the search pages; as one text."""
    store = client.app.state.store
    contacts = sorted(store.current.runs)
    asked = {"X-Forwarded-Email": seller}
    texts = []
    for contact in contacts:
        everyone = client.get(f"/api/v1/contacts/{contact}/introducers?all=true", headers=asked)
        assert everyone.status_code == 200, everyone.text
        texts += [everyone.text, client.get(f"/contacts/{contact}?all=true", headers=asked).text]
        for introducer in everyone.json()["introducers"]:
            receipt = f"/api/v1/contacts/{contact}/introducers/{introducer['colleague_email']}"
            texts.append(client.get(receipt, headers=asked).text)
    texts += [client.get("/", params={"q": q}, headers=asked).text for q in ("@", ".", "a", "e")]
    return "\n".join(texts).lower()


def test_the_server_shows_them_nowhere_after_the_second_night(nights, local_night):
    """`wkw serve` over night one names both people (so the check can fail); over night two no answer
    about any contact, no page and no search holds either address, the erased person's own tile is gone,
    and the opted-out colleague can no longer ask."""
    settings, leaver, erased, subjects = nights.settings, nights.leaver, nights.erased, nights.subjects
    seller = local_night.truth["sample_seller"]
    before = _everything_served(_server(local_night.settings), seller)
    assert leaver in before and erased in before
    client = _server(settings)
    after = _everything_served(client, seller)
    assert [subject for subject in subjects if subject.lower() in after] == []
    asked = {"X-Forwarded-Email": seller}
    gone = client.get(f"/api/v1/contacts/{erased}/introducers", headers=asked)
    assert (gone.status_code, gone.json()["reason"]) == (404, "nobody_knows")
    refused = client.get(f"/api/v1/contacts/{erased}/introducers", headers={"X-Forwarded-Email": leaver})
    assert (refused.status_code, refused.json()["reason"]) == (403, "unknown")  # like any stranger
