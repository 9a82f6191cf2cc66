"""The bad-mail corpus (tests/data/bad/mail) through the extract stage's mail reader, in Spark tasks: every
file or line ends accepted (with the right metadata) or quarantined with its reason, and nothing stops
the run. The calendar, mbox, call and directory corpora are tested beside their readers."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from pyspark.sql import functions as F
from support.paths import DATA
from wkw.sources.mail import extract_mail

AS_OF = date(2026, 11, 26)
CORPUS = DATA / "bad" / "mail"
# A Graph line's position: 1 + the byte offset where the line starts (lines 2, 3 and 5 of the export).
GRAPH_AT = {
    number: 1
    + sum(len(line) for line in (CORPUS / "graph_messages.jsonl").read_bytes().splitlines(True)[: number - 1])
    for number in (1, 2, 3, 5)
}
QUARANTINED = {
    ("empty.eml", 0): "empty_file",
    ("binary.eml", 0): "not_a_message",
    ("body_only.eml", 0): "not_a_message",
    ("no_date.eml", 0): "missing_date",
    ("impossible_date_text.eml", 0): "bad_date",
    ("year_1980.eml", 0): "impossible_date",
    ("year_2044.eml", 0): "impossible_date",
    ("graph_messages.jsonl", GRAPH_AT[2]): "bad_json",  # truncated JSON
    ("graph_messages.jsonl", GRAPH_AT[3]): "bad_json",  # a JSON array, not a message
    ("graph_messages.jsonl", GRAPH_AT[5]): "missing_date",
}
ACCEPTED = {
    ("undecodable_bytes.eml", 0),
    ("rfc2047_names.eml", 0),
    ("folded_400_lines.eml", 0),
    ("huge_recipient_list.eml", 0),
    ("graph_messages.jsonl", GRAPH_AT[1]),
}


def _name(column: str = "source_file"):
    return F.element_at(F.split(column, "/"), -1).alias(column)


def test_every_bad_input_is_accounted_for(spark, settings):
    shutil.copytree(CORPUS, Path(settings.landing_dir("mail", AS_OF.isoformat())))
    accepted, quarantined, counts = extract_mail(spark, settings, AS_OF)

    bad = {
        (r.source_file, r.position): r.reason
        for r in quarantined.select(_name(), "position", "reason").collect()
    }
    assert bad == QUARANTINED
    columns = ["position", "sender_email", "sender_name", "to_emails", "display_names"]
    rows = accepted.select(_name(), *columns).collect()
    kept = {(r.source_file, r.position): r for r in rows}
    assert set(kept) == ACCEPTED and len(rows) == len(ACCEPTED)
    [count] = counts.collect()
    assert (count.read, count.accepted, count.filtered, count.quarantined) == (16, 5, 1, 10)
    assert dict(count.filtered_by) == {"no_relationship": 1}  # no_recipients.eml: no To, Cc or Bcc

    undecodable = kept[("undecodable_bytes.eml", 0)]
    assert undecodable.sender_email == "rene.dupont@fabrikam.com" and undecodable.sender_name.startswith(
        "René"
    )
    encoded = kept[("rfc2047_names.eml", 0)]
    assert encoded.sender_name == "Jürgen Müller" and encoded.display_names["ann@contoso.com"] == "Ann Åström"
    folded = kept[("folded_400_lines.eml", 0)]
    assert len(folded.to_emails) == 402 and folded.to_emails[-1] == "carol@fabrikam.com"
    assert folded.display_names["guest399@fabrikam.com"] == "Guest 399"
    assert len(kept[("huge_recipient_list.eml", 0)].to_emails) == 5000
