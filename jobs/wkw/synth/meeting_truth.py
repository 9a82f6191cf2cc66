"""The meetings' part of truth.json for `wkw generate`: what the pipeline makes of each VEVENT record
(accepted, or the filter that drops it), and every start of the strong ties' series.

Reads the plan of wkw.synth.meetings; writes nothing. `max_attendees` is `[filters] max_meeting_attendees`
of the settings, the limit wkw.channels.meetings applies.

    outcomes = expected_outcomes(meetings, people, max_attendees)
    series = strong_series(meetings, people)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC

from wkw.synth.meetings import Meeting, holders
from wkw.synth.people import Colleague

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def expected_outcome(meeting: Meeting, colleagues: set[str], withheld: set[str], max_attendees: int) -> str:
    """What wkw.channels.meetings makes of the copy that wins the meeting: `accepted` or its filter.

    The privacy stage has redacted the withheld colleagues first: a redacted participant still counts
    as a person, could be a colleague or an outsider (so a meeting of theirs is not `internal_only`),
    and meets nobody.
    """
    people = {person.email for person in meeting.people()}
    externals = people - colleagues
    if meeting.cancelled:
        return "cancelled"
    if len(people) > max_attendees:
        return "too_many_attendees"
    if not externals and not people & withheld:
        return "internal_only"
    if not externals or not (people & colleagues) - withheld:
        return "opted_out"
    return "accepted"


def expected_outcomes(
    meetings: list[Meeting], colleagues: list[Colleague], max_attendees: int
) -> dict[str, int]:
    """Outcome per VEVENT record: one copy wins each meeting, every other calendar's copy is a duplicate."""
    mailbox_of = {c.email: c.mailbox for c in colleagues}
    emails = set(mailbox_of)
    withheld = {c.email for c in colleagues if c.opted_out}
    outcomes: Counter = Counter()
    for meeting in meetings:
        records = 1 if meeting.moved is None else 2
        copies = len(holders(meeting, mailbox_of))
        outcomes[expected_outcome(meeting, emails, withheld, max_attendees)] += records
        outcomes["duplicate"] += records * (copies - 1)
    return dict(sorted(outcomes.items()))


def strong_series(meetings: list[Meeting], colleagues: list[Colleague]) -> list[dict]:
    """The strong ties' series for truth.json: who, who organises, the rule and every start (UTC, ISO)."""
    emails = {colleague.email for colleague in colleagues}
    series = []
    for meeting in meetings:
        if meeting.kind != "strong":
            continue
        pair = (meeting.organizer, meeting.attendees[0][0])
        colleague, contact = pair if pair[0].email in emails else pair[::-1]
        starts = [start.astimezone(UTC).strftime(ISO_UTC) for start in meeting.occurrences()]
        series.append(
            {
                "colleague": colleague.email,
                "contact": contact.email,
                "organizer": meeting.organizer.email,
                "uid": meeting.uid,
                "interval_weeks": meeting.weeks,
                "occurrences": starts,
            }
        )
    return sorted(series, key=lambda entry: (entry["colleague"], entry["contact"], entry["uid"]))
