"""Call records of the synthetic company for `wkw generate`: `calls/<D>/calls.csv` (the Teams export, times
in UTC) and `calls/<D>/pbx.csv` (the PBX's export of some of the same calls, seen from the colleague's
side: the address they dialled from, their local time, the PBX's own ids and words for the direction).

Kinds, as counted in truth.json (`calls`: rows written):
- strong: two to four calls per strong tie, both ways, 2 to 30 minutes;
- short: one call of under 30 seconds (`[filters] min_call_seconds`) with some weak-tie contacts;
- internal: calls between two colleagues;
- duplicate: the PBX rows, each one a call of calls.csv exported again.
Moderate, weak and one-way ties get no call that counts: a call makes a tie two-way and weighs 2.0
(docs/strength.md). calls.csv also holds one malformed row (a duration that is not a number).

    calls = plan_calls(rng, people, ties, first, last)
    counts, outcomes, malformed = write_calls(rng, out, out / "calls" / day, calls, people)
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from wkw.synth.people import Colleague, Person
from wkw.synth.ties import Tie
from wkw.synth.timeline import moment, random_day, working_day, zone
from wkw.vocabulary import CALL_HEADER

KINDS = ("strong", "short", "internal", "duplicate")
STRONG_CALLS = (2, 4)
STRONG_SECONDS = (120, 1800)
SHORT_SECONDS = (3, 29)  # under [filters] min_call_seconds = 30
INTERNAL_SECONDS = (60, 1800)
SHORT_SHARE = 6  # one weak tie in six gets a short call
MIN_PLANTED = 2
PBX_SHARE = 0.25  # of the calls.csv rows, exported again by the PBX
ALIAS_CHANCE = 0.3  # the PBX names a colleague by their alias
CLASH_MINUTES = 7  # a call that would share its minute with another call of the same pair moves on
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
BAD_DURATION = "n/a"
TEAMS_WORDS = {"out": "outbound", "in": "inbound", "internal": "internal"}
PBX_WORDS = {"out": "outgoing", "in": "incoming", "internal": "extension"}


@dataclass(frozen=True)
class Call:
    kind: str
    caller: Person
    callee: Person
    start: datetime  # aware, in the caller's zone
    seconds: int
    side: str  # out: a colleague called an outsider; in: an outsider called; internal
    colleague: Colleague  # whose PBX view a second export shows


class CallPlan:
    """Calls over the window, at most one per pair of parties and minute (the pipeline's dedupe key)."""

    def __init__(self, rng: random.Random, first: date, last: date):
        self.rng, self.first, self.last = rng, first, last
        self.calls: list[Call] = []
        self._keys: set[tuple[frozenset[str], datetime]] = set()

    def add(self, kind: str, caller: Person, callee: Person, seconds: tuple[int, int], **where) -> None:
        day = where.get("day") or random_day(self.rng, self.first, self.last)
        start = moment(self.rng, day, caller.offset)
        key = frozenset((caller.email, callee.email))
        while (key, start.astimezone(UTC).replace(second=0)) in self._keys:
            start += timedelta(minutes=CLASH_MINUTES)
        self._keys.add((key, start.astimezone(UTC).replace(second=0)))
        colleague = where["colleague"]
        side = "internal" if kind == "internal" else "out" if caller == colleague else "in"
        self.calls.append(Call(kind, caller, callee, start, self.rng.randint(*seconds), side, colleague))


def _strong(plan: CallPlan, tie: Tie) -> None:
    """Calls on distinct days; the first goes out, the second comes in, so the tie is called both ways."""
    span = (plan.last - plan.first).days
    count = min(span + 1, plan.rng.randint(*STRONG_CALLS))
    for index, offset in enumerate(sorted(plan.rng.sample(range(span + 1), count))):
        day = working_day(plan.first + timedelta(days=offset), plan.first, plan.last)
        outgoing = index == 0 or (index > 1 and plan.rng.random() < 0.5)
        caller, callee = (tie.colleague, tie.contact) if outgoing else (tie.contact, tie.colleague)
        plan.add("strong", caller, callee, STRONG_SECONDS, day=day, colleague=tie.colleague)


def plan_calls(
    rng: random.Random, colleagues: list[Colleague], ties: list[Tie], first: date, last: date
) -> list[Call]:
    """Every call of the window [first, last]: strong ties, short calls with weak ties, internal calls."""
    plan = CallPlan(rng, first, last)
    for tie in ties:
        if tie.kind == "strong":
            _strong(plan, tie)
    weak = [tie for tie in ties if tie.kind == "weak"]
    for tie in rng.sample(weak, min(len(weak), max(MIN_PLANTED, len(weak) // SHORT_SHARE))):
        caller, callee = (tie.colleague, tie.contact) if rng.random() < 0.5 else (tie.contact, tie.colleague)
        plan.add("short", caller, callee, SHORT_SECONDS, colleague=tie.colleague)
    for _ in range(max(MIN_PLANTED, len(colleagues) // 2)):
        caller, callee = rng.sample(colleagues, 2)
        plan.add("internal", caller, callee, INTERNAL_SECONDS, colleague=callee)
    return sorted(plan.calls, key=lambda call: (call.start.astimezone(UTC), call.caller.email))


def expected_outcome(call: Call, withheld: set[str]) -> str:
    """What the pipeline makes of the calls.csv row: the privacy stage deletes every call of a withheld
    colleague (`withheld`), wkw.channels.calls filters the others (a PBX copy is a `duplicate`)."""
    if withheld & {call.caller.email, call.callee.email}:
        return "withheld"
    if call.kind == "short":
        return "short_call"
    if call.kind == "internal":
        return "internal_only"
    return "accepted"


def _teams_row(number: int, call: Call) -> list[str]:
    start = call.start.astimezone(UTC).strftime(UTC_FORMAT)
    side = TEAMS_WORDS[call.side]
    return [f"TEAMS-{number:06d}", call.caller.email, call.callee.email, start, str(call.seconds), side]


def _pbx_row(rng: random.Random, number: int, call: Call) -> list[str]:
    """The colleague's side: maybe their alias, their office's offset, the PBX's words."""
    colleague = call.colleague
    address = colleague.aliases[0] if colleague.aliases and rng.random() < ALIAS_CHANCE else colleague.email
    caller = address if call.caller == colleague else call.caller.email
    callee = address if call.callee == colleague else call.callee.email
    start = call.start.astimezone(zone(colleague.offset)).isoformat()
    return [f"PBX-{number:05d}", caller, callee, start, str(call.seconds), PBX_WORDS[call.side]]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CALL_HEADER)
        writer.writerows(rows)


def write_calls(
    rng: random.Random, out: Path, folder: Path, calls: list[Call], colleagues: list[Colleague]
) -> tuple[dict[str, int], dict[str, int], list[dict]]:
    """calls.csv and pbx.csv; returns rows written per kind, the expected outcome per row, the bad row."""
    folder.mkdir(parents=True, exist_ok=True)
    withheld = {colleague.email for colleague in colleagues if colleague.opted_out}
    rows = [_teams_row(number, call) for number, call in enumerate(calls, start=1)]
    copied = [call for call in calls if rng.random() < PBX_SHARE]
    pbx = [_pbx_row(rng, number, call) for number, call in enumerate(copied, start=1)]
    bad_index = rng.randrange(len(rows) + 1)
    rows.insert(bad_index, ["TEAMS-BAD", *rows[0][1:4], BAD_DURATION, TEAMS_WORDS["out"]])
    _write(folder / "calls.csv", rows)
    _write(folder / "pbx.csv", pbx)
    written = Counter({kind: 0 for kind in KINDS})
    written.update([call.kind for call in calls] + ["duplicate"] * len(pbx))
    outcomes = Counter(expected_outcome(call, withheld) for call in calls)
    for call in copied:
        outcomes["withheld" if expected_outcome(call, withheld) == "withheld" else "duplicate"] += 1
    path = (folder / "calls.csv").relative_to(out).as_posix()
    malformed = [{"path": path, "defect": "bad_duration", "line": bad_index + 2}]  # line 1 is the header
    return dict(sorted(written.items())), dict(sorted(outcomes.items())), malformed
