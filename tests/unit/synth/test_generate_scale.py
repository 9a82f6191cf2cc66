"""Tests of wkw.synth.scale: deterministic files, Graph lines the parser accepts, night folders, and a
truth.json whose counts the files bear out, counted here by the interactions stage's rules.

Pure Python (the pipeline's parser and the standard library), no Spark.
Run: .venv/bin/python -m pytest tests/unit/synth/test_generate_scale.py -q
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wkw.config import load_settings
from wkw.parsing.mail import parse_graph_line
from wkw.serve.cli import app
from wkw.synth.scale import choose_mode, generate_scale
from wkw.vocabulary import CRM_HEADER, DIRECTORY_HEADER

END = date(2026, 11, 26)
ARGS = {"seed": 5, "colleagues": 30, "contacts": 400, "days": 30, "nights": 2, "end_date": END}
LINES_PER_FILE = 300
NIGHTS = [(END - timedelta(days=back)).isoformat() for back in (2, 1, 0)]
INTERNAL_DOMAIN = "@contoso.com"
REDACTED = "redacted:"


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("scale")
    return out, generate_scale(out, lines_per_file=LINES_PER_FILE, quiet=True, **ARGS)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _lines(out: Path, night: str) -> list[tuple[str, int, str]]:
    paths = sorted((out / "mail" / night / "graph").glob("*.jsonl"))
    return [(p.name, n, line) for p in paths for n, line in enumerate(p.read_text().splitlines(), start=1)]


def _people(out: Path) -> tuple[dict[str, str], set[str]]:
    """Address (primary or alias) -> primary e-mail, and the withheld (opted-out) colleagues."""
    users = _rows(out / "directory" / NIGHTS[0] / "users.csv")
    primary = {u["email"]: u["email"] for u in users}
    primary |= {alias: u["email"] for u in users for alias in u["aliases"].split(";") if alias}
    return primary, {u["email"] for u in users if u["opted_out"] == "true"}


def _judge(records: list[dict], primary: dict[str, str], withheld: set[str]) -> tuple[Counter, set]:
    """Outcome per record and the kept touches (key, colleague, contact, direction), as the privacy and
    interactions stages decide them with the default conf: a withheld colleague's own mail is deleted, a
    withheld recipient becomes a redacted token that is nobody."""
    filters = load_settings().filters
    patterns = filters.automated_sender_patterns
    outcomes, touches, seen = Counter(), set(), set()
    for record in records:
        sender = record["sender_email"]
        if primary.get(sender) in withheld:
            outcomes["withheld"] += 1
            continue
        if record["dedupe_key"] in seen:
            outcomes["duplicate"] += 1
            continue
        seen.add(record["dedupe_key"])
        recipients = {
            REDACTED + hashlib.sha256(address.encode()).hexdigest()
            if primary.get(address) in withheld
            else address
            for address in record["to_emails"] + record["cc_emails"]
        }
        if record["automated_reason"] or sender.split("@")[0].startswith(patterns):
            outcomes["automated"] += 1
        elif len(recipients) > filters.max_mail_recipients:
            outcomes["too_many_recipients"] += 1
        else:
            kept = _touches(record["dedupe_key"], sender, recipients, primary)
            outcomes[kept if isinstance(kept, str) else "accepted" if kept else "opted_out"] += 1
            touches |= kept if isinstance(kept, set) else set()
    return outcomes, touches


def _touches(key: str, sender: str, recipients: set[str], primary: dict[str, str]) -> set | str:
    """The touches of one message, or why it has none: no_colleague, internal_only."""
    is_colleague = {a: a in primary or a.endswith(INTERNAL_DOMAIN) for a in recipients | {sender}}
    if not any(is_colleague.values()):
        return "no_colleague"
    pairs = [(sender, r) for r in recipients if is_colleague[sender] != is_colleague[r]]
    if not pairs:
        return "internal_only"
    kept = set()
    for start, end in pairs:
        colleague, contact = (start, end) if is_colleague[start] else (end, start)
        if not contact.startswith(REDACTED):
            direction = "sent" if is_colleague[start] else "received"
            kept.add((key, primary.get(colleague, colleague), contact, direction))
    return kept


def test_same_arguments_give_the_same_bytes(landing, tmp_path):
    out, _ = landing
    generate_scale(tmp_path, lines_per_file=LINES_PER_FILE, quiet=True, **ARGS)
    assert _files(tmp_path) == _files(out)


def test_every_line_is_a_graph_message_the_parser_accepts(landing):
    out, truth = landing
    for night in NIGHTS:
        for name, number, line in _lines(out, night):
            result = parse_graph_line(line, name, number)
            assert result.reason is None, (name, number, result.detail)
            message = json.loads(line)
            assert "subject" not in message and "body" not in message
            assert result.record["sent_at"].date() <= END
    assert truth["lines"] == sum(len(_lines(out, night)) for night in NIGHTS)


def test_history_lands_in_the_first_night_and_each_later_day_in_its_own(landing):
    out, truth = landing
    assert [folder["date"] for folder in truth["night_folders"]] == NIGHTS
    assert sorted(p.name for p in (out / "mail").iterdir()) == NIGHTS
    assert [p.name for p in (out / "directory").iterdir()] == [NIGHTS[0]]
    assert [p.name for p in (out / "crm").iterdir()] == [NIGHTS[0]]
    first_day = END - timedelta(days=ARGS["days"] - 1)
    for folder in truth["night_folders"]:
        night = date.fromisoformat(folder["date"])
        days = {
            parse_graph_line(line, name, n).record["sent_at"].date()
            for name, n, line in _lines(out, night.isoformat())
        }
        if night.isoformat() == NIGHTS[0]:
            assert min(days) == first_day and max(days) == night
        else:
            assert days == {night}
        files = sorted(
            p.relative_to(out).as_posix() for p in (out / "mail" / folder["date"]).rglob("*.jsonl")
        )
        assert folder["files"] == files
        assert all(len((out / path).read_text().splitlines()) <= LINES_PER_FILE for path in files)
    assert len(truth["night_folders"][0]["files"]) > 1, "the history is split into several parts"


def test_truth_counts_are_what_the_files_hold(landing):
    out, truth = landing
    primary, withheld = _people(out)
    assert sorted(withheld) == truth["opted_out"]
    totals, all_touches = Counter(), 0
    for folder in truth["night_folders"]:
        lines = _lines(out, folder["date"])
        records = [parse_graph_line(line, name, n).record for name, n, line in lines]
        message_ids = Counter(record["message_id"] for record in records)
        outcomes, touches = _judge(records, primary, withheld)
        assert folder["lines"] == len(lines)
        assert folder["messages"] == len(message_ids)
        assert folder["outcomes"] == {**dict.fromkeys(folder["outcomes"], 0), **outcomes}
        # Copies share their message id and dedupe key; distinct messages never share a dedupe key.
        analysed = Counter(r["message_id"] for r in records if primary.get(r["sender_email"]) not in withheld)
        assert outcomes["duplicate"] == sum(count - 1 for count in analysed.values())
        assert folder["expected_interactions"] == len(touches)
        totals.update(outcomes)
        all_touches += len(touches)
    assert truth["expected_interactions"] == all_touches
    assert truth["messages"] == sum(folder["messages"] for folder in truth["night_folders"])
    for reason in (
        "accepted",
        "duplicate",
        "automated",
        "too_many_recipients",
        "internal_only",
        "withheld",
        "opted_out",
    ):
        assert totals[reason] > 0, f"no {reason} mail: the filters have nothing to do"


def test_contacts_write_to_aliases_and_copy_colleagues(landing):
    out, _ = landing
    primary, _ = _people(out)
    aliases = {address for address, email in primary.items() if address != email}
    records = [parse_graph_line(line, name, n).record for name, n, line in _lines(out, NIGHTS[0])]
    assert any(set(r["to_emails"]) & aliases for r in records)
    external_with_cc = [r for r in records if r["sender_email"] not in primary and r["cc_emails"]]
    assert any(set(r["cc_emails"]) <= set(primary) for r in external_with_cc)
    assert any(len(r["to_emails"]) == 3 and r["sender_email"] in primary for r in records)


def test_directory_crm_sample_lead_and_seller(landing):
    out, truth = landing
    with (out / "directory" / NIGHTS[0] / "users.csv").open() as handle:
        assert next(csv.reader(handle)) == list(DIRECTORY_HEADER)
    users = {u["email"]: u for u in _rows(out / "directory" / NIGHTS[0] / "users.csv")}
    crm = _rows(out / "crm" / NIGHTS[0] / "crm.csv")
    assert list(crm[0]) == list(CRM_HEADER)
    assert len(users) == ARGS["colleagues"] and 0 < len(crm) <= ARGS["contacts"]
    assert len({row["id"] for row in crm}) == len(crm)
    assert {"lead", "contact"} == {row["type"] for row in crm}
    assert {row["email"]: row["type"] for row in crm}[truth["sample_lead"]] == "lead"
    seller = users[truth["sample_seller"]]
    assert "Sales Premium" in seller["licences"] and "salesperson" in seller["roles"].split(";")
    assert seller["active"] == "true" and seller["opted_out"] == "false"


def test_a_second_run_into_the_same_folders_is_refused(landing):
    out, _ = landing
    with pytest.raises(FileExistsError):
        generate_scale(out, quiet=True, **ARGS)


def test_auto_mode_picks_scale_for_large_companies():
    assert choose_mode("auto", 1000, 300)[0] == "scale"
    assert choose_mode("auto", 50, 20_000)[0] == "scale"
    assert choose_mode("auto", 999, 19_999)[0] == "company"
    assert choose_mode("company", 10_000, 500_000)[0] == "company"


def test_cli_scale_mode(tmp_path):
    args = ["generate", "--out", str(tmp_path), "--mode", "scale", "--colleagues", "8", "--contacts", "50"]
    result = CliRunner().invoke(app, [*args, "--days", "10", "--nights", "1", "--mail-rate", "30", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "mode: scale" in result.output
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["mail_rate"] == 30 and [f["date"] for f in truth["night_folders"]] == NIGHTS[1:]
    assert f"sample lead: {truth['sample_lead']}" in result.output
