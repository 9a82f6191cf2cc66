"""The path from you: the tile of a lead L in the order that suits one requester R (docs/path.md).

Each introducer C of L gets
    path_strength = sqrt(tie(R, C) x strength(C, L))
the geometric mean of R's tie to C (published `colleague_ties`, R's row: `colleague_email` = R,
`peer_email` = C) and C's strength to L (the published list): a path is as good as both of its links
together, and a link of 0 (no tie) makes it 0. Introducers are shown by path strength, then by their
published rank (a fixed order). When R knows L themself, R is taken out of the list and said first
("you know them"). The published tile and list stay the same for everybody: only this view is personal.
Pure Python on rows the read side already holds (no JVM).

    you, ordered = path_order(requester, rows, ties_by_peer(read_ties(settings, publication, requester)))
"""

from __future__ import annotations

import math

PATH_DECIMALS = 6


def path_strength(tie: float | None, strength: float) -> float:
    """sqrt(tie x strength), rounded like the published strengths; no tie is a tie of 0."""
    return round(math.sqrt((tie or 0.0) * strength), PATH_DECIMALS)


def ties_by_peer(tie_rows: list[dict]) -> dict[str, dict]:
    """The requester's published tie rows, by the other colleague's e-mail."""
    return {row["peer_email"]: row for row in tie_rows}


def path_order(requester: str, rows: list[dict], ties: dict[str, dict]) -> tuple[dict | None, list[dict]]:
    """(the requester's own introducer row for the lead, or None; the other introducer rows, each with
    `tie_strength`, `tie_band` and `path_strength`, in path order). `rows` are the lead's published
    introducer rows (tile or list), `ties` the requester's ties by peer (`ties_by_peer`)."""
    you = next((row for row in rows if row["colleague_email"] == requester), None)
    paths = []
    for row in rows:
        if row["colleague_email"] == requester:
            continue
        tie = ties.get(row["colleague_email"])
        tie_strength = tie["strength"] if tie else None
        paths.append(
            {
                **row,
                "tie_strength": tie_strength,
                "tie_band": tie["band"] if tie else None,
                "path_strength": path_strength(tie_strength, row["strength"]),
            }
        )
    return you, sorted(paths, key=lambda r: (-r["path_strength"], r["rank"]))


def path_payload(requester: str, you: dict | None, ordered: list[dict]) -> dict:
    """The personal order for machines (`who-knows --json`, beside the published `introducers`)."""
    return {
        "requester": requester,
        "you_know_them": None if you is None else {"strength": you["strength"], "band": you["band"]},
        "formula": "path_strength = sqrt(tie_strength x strength); docs/path.md",
        "introducers": [
            {
                "colleague_email": row["colleague_email"],
                "rank": row["rank"],
                "strength": row["strength"],
                "tie_strength": row["tie_strength"],
                "tie_band": row["tie_band"],
                "path_strength": row["path_strength"],
            }
            for row in ordered
        ],
    }
