"""Writers for `wkw generate`: each colleague's copy of a mail as a Maildir file (RFC 5322) or as a Microsoft
Graph JSON line, and the malformed files a real landing folder also holds.

Every copy gets its own Message-ID (as in the Enron export), while Date, From, To, Cc and Subject stay the
same. Called by wkw.synth.company.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import replace
from datetime import UTC
from email.message import Message
from email.utils import format_datetime, formataddr
from pathlib import Path

from wkw.synth.people import Colleague, Person
from wkw.synth.timeline import Mail, MailPlan, conversation_id, moment

GRAPH_LINES_PER_FILE = 50_000
SENT_FOLDER, INBOX_FOLDER = "sent_items", "inbox"
GRAPH_ID_BYTES = 33
MESSAGE_ID_DIGITS = 13
FAR_FUTURE_YEAR = 2044  # the Enron corpus has such dates too
BINARY_BYTES = 512
# Broken lines of the first Graph file (1-based line numbers); the lines around them stay valid.
GRAPH_DEFECT_LINES = {2: "truncated_json", 4: "json_not_object"}
MAILDIR_DEFECTS = ("empty", "binary", "missing_date", "date_out_of_range")
BODY_LINES = (
    "Thanks for the update, this looks good to me.",
    "Please find my notes below; happy to discuss on a call.",
    "Could you send over the latest version when you have a moment?",
    "Following up on our conversation earlier this week.",
    "Let me check with the team and come back to you.",
    "Sounds good, let's keep the date as planned.",
)


class Ids:
    """Message and Graph ids, unique per copy, drawn from the writers' own seeded generator."""

    def __init__(self, rng: random.Random, domain: str):
        self._rng, self._domain, self._count = rng, domain, 0

    def message_id(self, mailbox: str) -> str:
        self._count += 1
        digits = self._rng.randrange(10 ** (MESSAGE_ID_DIGITS - 1), 10**MESSAGE_ID_DIGITS)
        return f"<{self._count}.{digits}.JavaMail.{mailbox}@{self._domain}>"

    def graph_id(self) -> str:
        return "AAMkAG" + base64.urlsafe_b64encode(self._rng.randbytes(GRAPH_ID_BYTES)).decode("ascii")


def _addresses(people: tuple[Person, ...]) -> str:
    return ", ".join(formataddr((person.name, person.email)) for person in people)


def rfc5322(mail: Mail, message_id: str, with_date: bool = True) -> bytes:
    """The mail as an RFC 5322 file with a short generic body."""
    message = Message()
    message["Message-ID"] = message_id
    if with_date:
        message["Date"] = format_datetime(mail.sent_at)
    message["From"] = formataddr((mail.sender.name, mail.sender.email))
    message["To"] = _addresses(mail.to)
    if mail.cc:
        message["Cc"] = _addresses(mail.cc)
    message["Subject"] = mail.subject
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "text/plain; charset=us-ascii"
    message["Content-Transfer-Encoding"] = "7bit"
    for name, value in mail.headers:
        message[name] = value
    line = BODY_LINES[mail.seq % len(BODY_LINES)]
    message.set_payload(f"Hi {mail.to[0].first_name},\n\n{line}\n\nBest regards,\n{mail.sender.first_name}\n")
    return message.as_bytes()


def _recipients(people: tuple[Person, ...]) -> list[dict]:
    return [{"emailAddress": {"address": person.email, "name": person.name}} for person in people]


def graph_record(mail: Mail, graph_id: str, message_id: str) -> dict:
    """The mail as a Graph message resource; list headers only where the mail has them."""
    record = {
        "id": graph_id,
        "internetMessageId": message_id,
        "conversationId": mail.conversation,
        "subject": mail.subject,
        "sentDateTime": mail.sent_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from": _recipients((mail.sender,))[0],
        "toRecipients": _recipients(mail.to),
        "ccRecipients": _recipients(mail.cc),
        "bccRecipients": [],
    }
    if mail.headers:
        record["internetMessageHeaders"] = [{"name": name, "value": value} for name, value in mail.headers]
    return record


class GraphWriter:
    """messages-NNNN.jsonl files of at most GRAPH_LINES_PER_FILE lines; the first holds the broken lines."""

    def __init__(self, folder: Path, out: Path, defects: dict[int, tuple[str, str]]):
        folder.mkdir(parents=True, exist_ok=True)
        self._folder, self._out, self._defects = folder, out, dict(defects)
        self._index, self._lines, self._handle = -1, 0, None
        self.malformed: list[dict] = []
        self._roll()

    def _roll(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._index, self._lines = self._index + 1, 0
        self._path = self._folder / f"messages-{self._index:04d}.jsonl"
        self._handle = self._path.open("w", encoding="utf-8", newline="\n")

    def _put(self, text: str) -> None:
        if self._lines >= GRAPH_LINES_PER_FILE:
            self._roll()
        self._handle.write(text + "\n")
        self._lines += 1

    def _put_defect(self, line: int) -> None:
        defect, text = self._defects.pop(line)
        self.malformed.append(
            {"path": self._path.relative_to(self._out).as_posix(), "defect": defect, "line": self._lines + 1}
        )
        self._put(text)

    def write(self, record: dict) -> None:
        while self._index == 0 and self._lines + 1 in self._defects:
            self._put_defect(self._lines + 1)
        self._put(json.dumps(record, separators=(",", ":")))

    def close(self) -> list[dict]:
        for line in sorted(self._defects):  # too few lines to reach them: they go at the end
            self._put_defect(line)
        self._handle.close()
        return self.malformed


def _stray_mail(rng: random.Random, plan: MailPlan, stray: Person, colleague: Colleague) -> Mail:
    """A mail outside the plan (so outside the truth), the raw material of the malformed files."""
    sent_at = moment(rng, plan.last, stray.offset)
    return Mail(-1, sent_at, stray, (colleague,), (), "Checking in", conversation_id(rng))


def _graph_defects(ids: Ids, mail: Mail, mailbox: str) -> dict[int, tuple[str, str]]:
    text = json.dumps(graph_record(mail, ids.graph_id(), ids.message_id(mailbox)), separators=(",", ":"))
    broken = {"truncated_json": text[: len(text) // 2], "json_not_object": f"[{text}]"}
    return {line: (defect, broken[defect]) for line, defect in GRAPH_DEFECT_LINES.items()}


def _maildir_defect(rng: random.Random, ids: Ids, defect: str, mail: Mail, mailbox: str) -> bytes:
    if defect == "empty":
        return b""
    if defect == "binary":
        return b"\x00\xff" + rng.randbytes(BINARY_BYTES)
    if defect == "missing_date":
        return rfc5322(mail, ids.message_id(mailbox), with_date=False)
    far = replace(mail, sent_at=mail.sent_at.replace(year=FAR_FUTURE_YEAR))
    return rfc5322(far, ids.message_id(mailbox))


def _write_maildir(folder: Path, colleague: Colleague, mails: list[Mail], ids: Ids) -> None:
    counts = {SENT_FOLDER: 0, INBOX_FOLDER: 0}
    for name in counts:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for mail in mails:
        name = SENT_FOLDER if mail.sender.email == colleague.email else INBOX_FOLDER
        counts[name] += 1
        (folder / name / str(counts[name])).write_bytes(rfc5322(mail, ids.message_id(colleague.mailbox)))


def _write_maildir_defects(
    rng: random.Random,
    ids: Ids,
    out: Path,
    maildir: Path,
    owners: list[Colleague],
    plan: MailPlan,
    stray: Person,
) -> list[dict]:
    """The malformed Maildir files, each after the last regular file of some colleague's inbox."""
    malformed = []
    for defect in MAILDIR_DEFECTS:
        owner = rng.choice(owners)
        folder = maildir / owner.mailbox / INBOX_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / str(sum(1 for _ in folder.iterdir()) + 1)
        mail = _stray_mail(rng, plan, stray, owner)
        path.write_bytes(_maildir_defect(rng, ids, defect, mail, owner.mailbox))
        malformed.append({"path": path.relative_to(out).as_posix(), "defect": defect})
    return malformed


def write_mailboxes(
    rng: random.Random,
    out: Path,
    mail_root: Path,
    plan: MailPlan,
    colleagues: list[Colleague],
    stray: Person,
    domain: str,
) -> tuple[int, list[dict]]:
    """Every colleague's mailbox, one at a time (the plan's copies are dropped as they are written).

    Returns the number of well-formed messages written and the malformed files, paths relative to `out`.
    """
    ids = Ids(rng, domain)
    by_email = sorted(colleagues, key=lambda colleague: colleague.email)
    graph_owner = next((c for c in by_email if c.store == "graph"), by_email[0])
    defects = _graph_defects(ids, _stray_mail(rng, plan, stray, graph_owner), graph_owner.mailbox)
    graph = GraphWriter(mail_root / "graph", out, defects)
    written = 0
    for colleague in by_email:
        mails = sorted(plan.by_owner.pop(colleague.email), key=lambda mail: (mail.sent_at, mail.seq))
        written += len(mails)
        if colleague.store == "maildir":
            _write_maildir(mail_root / "maildir" / colleague.mailbox, colleague, mails, ids)
            continue
        for mail in mails:
            graph.write(graph_record(mail, ids.graph_id(), ids.message_id(colleague.mailbox)))
    maildir_owners = [c for c in by_email if c.store == "maildir"] or by_email
    malformed = graph.close()
    return written, malformed + _write_maildir_defects(
        rng, ids, out, mail_root / "maildir", maildir_owners, plan, stray
    )
