"""Who knows whom in scale mode (wkw.synth.scale): the tie table, built with numpy, and the World the day
loop draws mail from (wkw.synth.scale_mail): every person as a JSON fragment and the ties' indexes.

Each contact but a few strangers is known by 1 to 4 distinct colleagues, drawn by role weight (sellers
most often, wkw.synth.ties.ROLE_WEIGHTS). A tie has a level (strong, moderate, weak, one_way) and a yearly
mail rate: the level's weight times a log-normal factor, scaled so that the mean over ties is the mail
rate asked for. Writes nothing.

    ties = build_ties(rng, people, len(contacts), mail_rate)
    lead = choose_lead(ties, people)
    world = build_world(seed, domain, people, contacts, ties)
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from wkw.synth.names import OFFSET_OF
from wkw.synth.noise import NEWSLETTERS, NOREPLY_SENDERS
from wkw.synth.people import Colleague, Contact
from wkw.synth.scale_mail import NO_ONE, World
from wkw.synth.ties import ROLE_WEIGHTS

STRANGER_SHARE = 0.08  # contacts nobody knows: in the CRM, never in the tile
TIES_PER_CONTACT = (0.55, 0.28, 0.12, 0.05)  # known by 1, 2, 3 or 4 colleagues
LEVELS = ("strong", "moderate", "weak", "one_way")
LEVEL_SHARES = (0.12, 0.3, 0.48, 0.1)
LEVEL_RATES = (6.0, 1.5, 0.4, 0.8)  # relative yearly mail of a tie of each level
RATE_SIGMA = 1.0  # log-normal spread: a few ties write far more than the rest


@dataclass(frozen=True)
class Ties:
    colleague: np.ndarray  # index into the colleagues
    contact: np.ndarray  # index into the contacts, ascending
    level: np.ndarray  # index into LEVELS
    rate: np.ndarray  # mails per year


def _draw(rng: np.random.Generator, cdf: np.ndarray, count: int) -> np.ndarray:
    return np.searchsorted(cdf, rng.random(count) * cdf[-1], side="right")


def build_ties(rng: np.random.Generator, people: list[Colleague], contacts: int, mail_rate: float) -> Ties:
    """Who knows which contact, by role weight (distinct colleagues per contact), with level and rate."""
    weights = [max([1, *(ROLE_WEIGHTS.get(role, 1) for role in c.roles)]) for c in people]
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    known = rng.random(contacts) >= STRANGER_SHARE
    count = 1 + rng.choice(len(TIES_PER_CONTACT), contacts, p=TIES_PER_CONTACT)
    contact = np.repeat(np.arange(contacts), np.minimum(count, len(people)) * known)
    colleague = _draw(rng, cdf, len(contact))
    while True:
        key = contact * len(people) + colleague
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        if not len(clash):
            break
        colleague[clash] = _draw(rng, cdf, len(clash))
    level = rng.choice(len(LEVELS), len(contact), p=LEVEL_SHARES)
    factor = np.asarray(LEVEL_RATES)[level] * rng.lognormal(0.0, RATE_SIGMA, len(contact))
    return Ties(colleague, contact, level, mail_rate * factor / factor.mean())


def choose_lead(ties: Ties, people: list[Colleague]) -> int:
    """The contact of the busiest strong tie of an active, analysed colleague (made strong if none is)."""
    analysed = np.array([c.active and not c.opted_out for c in people])[ties.colleague]
    strong = analysed & (ties.level == LEVELS.index("strong"))
    pool = strong if strong.any() else analysed
    best = int(np.flatnonzero(pool)[np.argmax(ties.rate[pool])])
    ties.level[best] = LEVELS.index("strong")
    return int(ties.contact[best])


def _fragment(address: str, name: str) -> str:
    return f'{{"emailAddress":{{"address":{json.dumps(address)},"name":{json.dumps(name)}}}}}'


def _list_headers(address: str, name: str) -> str:
    local, _, domain = address.partition("@")
    headers = [
        {"name": "Precedence", "value": "bulk"},
        {"name": "List-Id", "value": f"{name} <{local}.{domain}>"},
    ]
    return ',"internetMessageHeaders":' + json.dumps(headers, separators=(",", ":"))


def build_world(
    seed: int, domain: str, people: list[Colleague], contacts: list[Contact], ties: Ties
) -> World:
    """Person fragments (colleagues, contacts, aliases, automated senders) and the tie table's indexes."""
    everyone = [*people, *contacts]
    fragments = [_fragment(person.email, person.name) for person in everyone]
    offsets = [person.offset for person in everyone]
    alias = np.full(len(people), NO_ONE, dtype=np.int64)
    for index, colleague in enumerate(people):
        if colleague.aliases:
            alias[index] = len(fragments)
            fragments.append(_fragment(colleague.aliases[0], colleague.name))
            offsets.append(colleague.offset)
    senders: dict[str, list[int]] = {"newsletter": [], "noreply": []}
    headers = {}
    for kind, listed in (("newsletter", NEWSLETTERS), ("noreply", NOREPLY_SENDERS)):
        for address, name in listed:
            senders[kind].append(len(fragments))
            headers[len(fragments)] = _list_headers(address, name) if kind == "newsletter" else ""
            fragments.append(_fragment(address, name))
            offsets.append(OFFSET_OF[address.partition("@")[2]])
    by_colleague = np.argsort(ties.colleague, kind="stable")
    colleague_start = np.searchsorted(ties.colleague[by_colleague], np.arange(len(people) + 1))
    tie_rank = np.empty(len(by_colleague), dtype=np.int64)
    tie_rank[by_colleague] = np.arange(len(by_colleague)) - colleague_start[ties.colleague[by_colleague]]
    contact_start = np.searchsorted(ties.contact, np.arange(len(contacts) + 1))
    return World(
        seed=seed,
        domain=domain,
        colleagues=len(people),
        fragments=fragments,
        offsets=np.asarray(offsets, dtype=np.int64),
        visible=np.array([not c.opted_out for c in people], dtype=np.int64),
        alias=alias,
        headers={sender: text for sender, text in headers.items() if text},
        newsletters=np.asarray(senders["newsletter"]),
        noreply=np.asarray(senders["noreply"]),
        executive=next(i for i, c in enumerate(people) if "executive" in c.roles and c.active),
        contacts=np.arange(len(people), len(everyone)),
        tie_colleague=ties.colleague,
        tie_contact=ties.contact + len(people),
        tie_level=ties.level,
        tie_cdf=np.cumsum(ties.rate),
        by_colleague=by_colleague,
        colleague_start=colleague_start,
        tie_rank=tie_rank,
        contact_first=contact_start[ties.contact],
        contact_ties=contact_start[ties.contact + 1] - contact_start[ties.contact],
    )
