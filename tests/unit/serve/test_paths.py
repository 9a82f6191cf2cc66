"""The path from you (wkw.serve.paths), on hand-computed path strengths: sqrt(tie x strength), the
requester's own tie said first, no tie a path of 0, ties broken by the published rank."""

from __future__ import annotations

from wkw.serve.paths import path_order, path_payload, path_strength, ties_by_peer

ME, ANN, BOB, CAROL, DAN = (f"{n}@contoso.com" for n in ("me", "ann", "bob", "carol", "dan"))


def introducer(colleague, rank, strength, band):
    return {"colleague_email": colleague, "rank": rank, "strength": strength, "band": band}


def tie(peer, strength, band):
    return {"colleague_email": ME, "peer_email": peer, "strength": strength, "band": band}


def test_the_tile_is_reordered_by_path_strength_and_my_own_tie_comes_first():
    rows = [
        introducer(ANN, 1, 0.9, "strong"),
        introducer(ME, 2, 0.5, "moderate"),
        introducer(BOB, 3, 0.4, "moderate"),
        introducer(CAROL, 4, 0.25, "moderate"),
        introducer(DAN, 5, 0.1, "weak"),
    ]
    ties = ties_by_peer([tie(ANN, 0.1, "weak"), tie(BOB, 0.9, "strong"), tie(CAROL, 0.64, "strong")])
    you, ordered = path_order(ME, rows, ties)
    assert you["rank"] == 2 and you["band"] == "moderate"
    # sqrt(0.9 x 0.4) = 0.6, sqrt(0.64 x 0.25) = 0.4, sqrt(0.1 x 0.9) = 0.3, Dan: no tie, 0.
    assert [(r["colleague_email"], r["path_strength"]) for r in ordered] == [
        (BOB, 0.6),
        (CAROL, 0.4),
        (ANN, 0.3),
        (DAN, 0.0),
    ]
    assert [(r["tie_strength"], r["tie_band"]) for r in ordered] == [
        (0.9, "strong"),
        (0.64, "strong"),
        (0.1, "weak"),
        (None, None),
    ]
    payload = path_payload(ME, you, ordered)
    assert payload["you_know_them"] == {"strength": 0.5, "band": "moderate"}
    assert [r["colleague_email"] for r in payload["introducers"]] == [BOB, CAROL, ANN, DAN]


def test_equal_paths_keep_the_published_rank_and_no_ties_keep_the_tile():
    rows = [
        introducer(ANN, 1, 0.8, "strong"),
        introducer(BOB, 2, 0.2, "weak"),
        introducer(DAN, 3, 0.1, "weak"),
    ]
    # sqrt(0.2 x 0.8) = sqrt(0.8 x 0.2) = 0.4: the tile's order decides.
    _, ordered = path_order(ME, rows, ties_by_peer([tie(ANN, 0.2, "weak"), tie(BOB, 0.8, "strong")]))
    assert [r["colleague_email"] for r in ordered] == [ANN, BOB, DAN]
    you, alone = path_order(ME, rows, {})
    assert you is None and [r["colleague_email"] for r in alone] == [ANN, BOB, DAN]
    assert path_strength(None, 0.9) == 0.0 and path_strength(0.5, 0.5) == 0.5
