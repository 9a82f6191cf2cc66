"""One day of mail for the scale generator (wkw.synth.scale): planned as numpy arrays, written as
Microsoft Graph JSON lines into `part-NNNNN.jsonl` files of bounded size.

A plan holds one entry per message: sender, up to three To, one CC, the second of the day (UTC), how many
mailbox copies are exported, and how many colleague-contact touches the interactions stage keeps from it
(wkw.stages.interactions: one per message, colleague, contact and direction; copies, automated mail,
broadcasts, internal-only mail and withheld colleagues give none). Lines are put together from JSON
fragments escaped once per person, never with json.dumps per message; no subject and no body is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wkw.synth.timeline import BULK_HOURS, WORKING_HOURS

TIE_SENT, TIE_RECEIVED, INTERNAL, NEWSLETTER, NOREPLY, BROADCAST = range(6)
NO_ONE = -1
HOUR, DAY_SECONDS, MAX_TO = 3600, 86_400, 3
SENT_SHARE = np.array([0.5, 0.5, 0.5, 0.0])  # by tie level; one_way: cold outreach, never answered
EXTRA_RECIPIENTS = (0.75, 0.17, 0.08)  # 0, 1 or 2 more of the colleague's contacts on a sent mail
SENT_CC_CHANCE = 0.08  # a colleague copied on a mail to a contact
RECEIVED_CC_CHANCE = 0.25  # a contact copying another colleague who knows them
ALIAS_CHANCE = 0.15  # a contact writing to the colleague's alias
COPY_CHANCE = 0.6  # a mail with two colleagues on it is exported from both mailboxes
NOISE_SHARES = ((INTERNAL, 0.12), (NEWSLETTER, 0.04), (NOREPLY, 0.03))  # per expected tie mail of the day
BROADCASTS_PER_DAY = 0.5
BROADCAST_SIZE = (60, 81)  # recipients, above [filters] max_mail_recipients
RENDER_CHUNK = 50_000
# Outcome of a message under the default conf; copies add "duplicate", broadcasts "too_many_recipients".
OUTCOMES = ("accepted", "withheld", "automated", "internal_only", "opted_out", "no_colleague")
ACCEPTED, WITHHELD, AUTOMATED, INTERNAL_ONLY, OPTED_OUT, NO_COLLEAGUE = range(len(OUTCOMES))


@dataclass(frozen=True)
class World:
    """People as JSON fragments (person ids: colleagues, then contacts, then aliases and automated senders)
    and the ties as arrays indexed by tie id."""

    seed: int
    domain: str
    colleagues: int
    fragments: list[str]
    offsets: np.ndarray  # minutes east of UTC, per person id
    visible: np.ndarray  # per colleague: not withheld, so their touches count
    alias: np.ndarray  # per colleague: the person id of an alias, or NO_ONE
    headers: dict[int, str]  # per newsletter sender: its internetMessageHeaders, rendered
    newsletters: np.ndarray
    noreply: np.ndarray
    executive: int
    contacts: np.ndarray  # person ids of the contacts
    tie_colleague: np.ndarray
    tie_contact: np.ndarray  # person id
    tie_level: np.ndarray
    tie_cdf: np.ndarray  # cumulative yearly mail rate
    by_colleague: np.ndarray  # tie ids ordered by colleague
    colleague_start: np.ndarray  # per colleague (and one past the last): its first slot in by_colleague
    tie_rank: np.ndarray  # per tie: its slot among its colleague's ties
    contact_first: np.ndarray  # per tie: the first tie of its contact
    contact_ties: np.ndarray  # per tie: how many ties its contact has


@dataclass
class Plan:
    sender: np.ndarray
    to: np.ndarray  # (messages, MAX_TO), NO_ONE where unused
    cc: np.ndarray
    kind: np.ndarray
    thread: np.ndarray  # tie id, or NO_ONE
    copies: np.ndarray
    touches: np.ndarray
    outcome: np.ndarray
    second: np.ndarray
    broadcasts: list[tuple[int, list[int]]]  # (second, recipients): too many for the arrays

    def outcomes(self) -> dict[str, int]:
        """Per outcome, the exported copies the privacy and interactions stages give it: the privacy stage
        deletes a withheld colleague's own mail (every copy: withheld) and redacts a withheld recipient (the
        mail is then opted_out, or no_colleague when no colleague is left on it)."""
        extra = self.copies.astype(np.int64) - 1
        counts = np.bincount(self.outcome, minlength=len(OUTCOMES)).tolist()
        withheld_copies = int(extra[self.outcome == WITHHELD].sum())
        result = dict(zip(OUTCOMES, counts, strict=True))
        result["withheld"] += withheld_copies
        result["duplicate"] = int(extra.sum()) - withheld_copies
        result["too_many_recipients"] = len(self.broadcasts)
        return result


def _empty(count: int, kind: int, outcome: int) -> dict[str, np.ndarray]:
    return {
        "outcome": np.full(count, outcome, dtype=np.int64),
        "to": np.full((count, MAX_TO), NO_ONE, dtype=np.int64),
        "cc": np.full(count, NO_ONE, dtype=np.int64),
        "kind": np.full(count, kind, dtype=np.int8),
        "thread": np.full(count, NO_ONE, dtype=np.int64),
        "copies": np.ones(count, dtype=np.int8),
        "touches": np.zeros(count, dtype=np.int64),
    }


def _tie_mail(world: World, rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """Mail on ties drawn in proportion to their rate: the colleague writes (to 1-3 of their contacts) or
    the contact writes (to the colleague, sometimes by alias, sometimes copying another who knows them)."""
    ties = np.searchsorted(world.tie_cdf, rng.random(count) * world.tie_cdf[-1], side="right")
    colleague, contact, visible = world.tie_colleague[ties], world.tie_contact[ties], world.visible
    sent = rng.random(count) < SENT_SHARE[world.tie_level[ties]]
    start = world.colleague_start[colleague]
    degree = world.colleague_start[colleague + 1] - start
    extra = np.minimum(rng.choice(len(EXTRA_RECIPIENTS), count, p=EXTRA_RECIPIENTS), degree - 1) * sent
    mail = _empty(count, TIE_SENT, ACCEPTED)
    use_alias = (world.alias[colleague] >= 0) & (rng.random(count) < ALIAS_CHANCE)
    addressed = np.where(use_alias, world.alias[colleague], colleague)
    mail["to"][:, 0] = np.where(sent, contact, addressed)
    for slot in range(1, MAX_TO):
        other = world.tie_contact[world.by_colleague[start + (world.tie_rank[ties] + slot) % degree]]
        mail["to"][:, slot] = np.where(extra >= slot, other, NO_ONE)
    first, known_by = world.contact_first[ties], world.contact_ties[ties]
    partner = world.tie_colleague[first + (ties - first + 1) % known_by]
    received_cc = ~sent & (known_by > 1) & (rng.random(count) < RECEIVED_CC_CHANCE)
    sent_cc = sent & (rng.random(count) < SENT_CC_CHANCE)
    anyone = (colleague + 1 + rng.integers(0, world.colleagues - 1, count)) % world.colleagues
    mail["cc"] = np.select([received_cc, sent_cc], [partner, anyone], NO_ONE)
    mail["touches"] = np.where(
        sent, (extra + 1) * visible[colleague], visible[colleague] + received_cc * visible[partner]
    )
    mail["kind"] = np.where(sent, TIE_SENT, TIE_RECEIVED).astype(np.int8)
    withheld = visible[colleague] == 0
    mail["outcome"] = np.select(
        [sent & withheld, ~sent & withheld & ~received_cc], [WITHHELD, NO_COLLEAGUE], ACCEPTED
    )
    mail["thread"] = ties
    mail["copies"] = (1 + ((mail["cc"] >= 0) & (rng.random(count) < COPY_CHANCE))).astype(np.int8)
    mail["sender"] = np.where(sent, colleague, contact)
    return mail


def _noise(world: World, rng: np.random.Generator, kind: int, count: int) -> dict[str, np.ndarray]:
    """Internal mail to 1-3 other colleagues (copied into a second mailbox now and then), or a newsletter
    or no-reply notification to one colleague."""
    mail, people = _empty(count, kind, AUTOMATED), world.colleagues
    if kind == INTERNAL:
        mail["sender"] = rng.integers(0, people, count)
        size = rng.integers(1, MAX_TO + 1, count)
        step = 1 + rng.integers(0, people - MAX_TO, count)  # keeps the three slots off the sender
        mail["to"] = (mail["sender"][:, None] + step[:, None] + np.arange(MAX_TO)) % people
        mail["to"][np.arange(MAX_TO) >= size[:, None]] = NO_ONE
        mail["copies"] = (1 + (rng.random(count) < COPY_CHANCE)).astype(np.int8)
        to_withheld = ((mail["to"] >= 0) & (world.visible[np.maximum(mail["to"], 0)] == 0)).any(axis=1)
        sender_withheld = world.visible[mail["sender"]] == 0
        mail["outcome"] = np.select([sender_withheld, to_withheld], [WITHHELD, OPTED_OUT], INTERNAL_ONLY)
        return mail
    mail["sender"] = rng.choice(world.newsletters if kind == NEWSLETTER else world.noreply, count)
    mail["to"][:, 0] = rng.integers(0, people, count)
    return mail


def _broadcasts(world: World, rng: np.random.Generator) -> list[list[int]]:
    """The executive writing to most of the company and some guests at once."""
    audience = np.delete(np.arange(world.colleagues), world.executive)
    lists = []
    for _ in range(rng.poisson(BROADCASTS_PER_DAY)):
        size = int(rng.integers(*BROADCAST_SIZE))
        if size > len(audience) + len(world.contacts):  # a company too small for a broadcast this size
            continue
        inside = rng.choice(audience, min(size - 1, len(audience)), replace=False)
        guests = rng.choice(world.contacts, size - len(inside), replace=False)
        lists.append(sorted(inside.tolist()) + guests.tolist())
    return lists


def _seconds(world: World, rng: np.random.Generator, sender: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Working hours in the sender's zone (bulk hours for automated mail), as seconds of the UTC day.

    No sender has two messages in one second: the dedupe key (sender, recipients, second, subject)
    then tells every message apart, and only exported copies share one."""
    bulk = (kind == NEWSLETTER) | (kind == NOREPLY)
    start = np.where(bulk, BULK_HOURS[0], WORKING_HOURS[0]) * HOUR
    span = np.where(bulk, BULK_HOURS[1] - BULK_HOURS[0], WORKING_HOURS[1] - WORKING_HOURS[0]) * HOUR
    second = (
        start + (rng.random(len(sender)) * span).astype(np.int64) - world.offsets[sender] * 60
    ) % DAY_SECONDS
    while True:
        key = sender * DAY_SECONDS + second
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        if not len(clash):
            return second
        second[clash] = (second[clash] + rng.integers(1, 60, len(clash))) % DAY_SECONDS


def plan_day(world: World, rng: np.random.Generator, expected_tie_mail: float) -> Plan:
    """One day's mail: Poisson counts around `expected_tie_mail` mails on ties, plus the noise."""
    parts = [_tie_mail(world, rng, rng.poisson(expected_tie_mail))]
    parts += [
        _noise(world, rng, kind, rng.poisson(expected_tie_mail * share)) for kind, share in NOISE_SHARES
    ]
    merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    merged["second"] = _seconds(world, rng, merged["sender"], merged["kind"])
    order = np.argsort(merged["second"], kind="stable")
    plan = Plan(**{key: value[order] for key, value in merged.items()}, broadcasts=[])
    for recipients in _broadcasts(world, rng):
        local = WORKING_HOURS[0] * HOUR + int(rng.integers(0, (WORKING_HOURS[1] - WORKING_HOURS[0]) * HOUR))
        plan.broadcasts.append(((local - int(world.offsets[world.executive]) * 60) % DAY_SECONDS, recipients))
    return plan


def clock_times() -> list[str]:
    """'HH:MM:SS' for every second of a day, by index."""
    return [f"{s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY_SECONDS)]


def _recipients(world: World, plan: Plan) -> list[str]:
    """The toRecipients of each message (broadcasts last), as JSON text."""
    people = world.fragments
    texts = [people[person] for person in plan.to[:, 0].tolist()]
    for index in np.flatnonzero(plan.to[:, 1] >= 0).tolist():
        texts[index] = ",".join([people[person] for person in plan.to[index].tolist() if person >= 0])
    return texts + [",".join([people[person] for person in to]) for _, to in plan.broadcasts]


def render(world: World, plan: Plan, day: str, number: int, clock: list[str]):
    """Lists of JSON lines (every exported copy); message `number` onwards, in the plan's order."""
    people, headers, tag = world.fragments, world.headers, f"{world.seed}.scale@{world.domain}"
    extra = len(plan.broadcasts)
    rows = zip(
        plan.sender.tolist() + [world.executive] * extra,
        _recipients(world, plan),
        plan.cc.tolist() + [NO_ONE] * extra,
        plan.thread.tolist() + [NO_ONE] * extra,
        plan.copies.tolist() + [1] * extra,
        plan.second.tolist() + [second for second, _ in plan.broadcasts],
        strict=True,
    )
    lines: list[str] = []
    for sender, recipients, cc, thread, copies, second in rows:
        number += 1
        conversation = f"t{thread:x}" if thread >= 0 else f"m{number:x}"
        body = (
            f'"internetMessageId":"<{number:x}.{tag}>","conversationId":"{conversation}",'
            f'"sentDateTime":"{day}T{clock[second]}Z","from":{people[sender]},"toRecipients":[{recipients}],'
            f'"ccRecipients":[{people[cc] if cc >= 0 else ""}],"bccRecipients":[]{headers.get(sender, "")}}}'
        )
        lines.append(f'{{"id":"AAMk{number:x}A",{body}')
        if copies > 1:
            lines.append(f'{{"id":"AAMk{number:x}B",{body}')
        if len(lines) >= RENDER_CHUNK:
            yield lines
            lines = []
    if lines:
        yield lines


class PartWriter:
    """`part-NNNNN.jsonl` files of at most `lines_per_file` lines in one folder, opened when first needed."""

    def __init__(self, folder: Path, lines_per_file: int):
        self.folder, self.limit = folder, lines_per_file
        self.paths: list[Path] = []
        self.lines, self._room, self._handle = 0, 0, None

    def write(self, lines: list[str]) -> None:
        while lines:
            if self._room == 0:
                self._roll()
            batch, lines = lines[: self._room], lines[self._room :]
            self._handle.write("\n".join(batch))
            self._handle.write("\n")
            self._room -= len(batch)
            self.lines += len(batch)

    def _roll(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths.append(self.folder / f"part-{len(self.paths):05d}.jsonl")
        self._handle = self.paths[-1].open("w", encoding="utf-8", newline="\n")
        self._room = self.limit

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
