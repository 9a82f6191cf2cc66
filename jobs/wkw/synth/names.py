"""The fixed lists the synthetic people are drawn from, read once from the package's `synth/data/` files.

- data/first_names.txt, data/last_names.txt: one name per line;
- data/companies.json: the outside world our colleagues deal with, each company's e-mail domain, name
  and the UTC offset in minutes of its office;
- data/departments.json: per department its weight in the directory and its titles with their roles
  (wkw.synth.people gives executives their titles in file order, the others at random).
File order is part of the seed's meaning: the random draws index these tuples, so reordering, adding or
removing an entry changes every generated company. Used by wkw.synth.people, noise and scale_world.
"""

from __future__ import annotations

import json
from importlib.resources import files

DATA = files("wkw.synth") / "data"


def _lines(name: str) -> tuple[str, ...]:
    text = (DATA / name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _json(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


FIRST_NAMES = _lines("first_names.txt")
LAST_NAMES = _lines("last_names.txt")

# (domain, company, UTC offset in minutes of its office)
EXTERNAL_COMPANIES = tuple((c["domain"], c["company"], c["offset"]) for c in _json("companies.json"))
OFFSET_OF = {domain: offset for domain, _, offset in EXTERNAL_COMPANIES}

_DEPARTMENTS = _json("departments.json")
DEPARTMENT_WEIGHTS = {department: entry["weight"] for department, entry in _DEPARTMENTS.items()}
# (title, roles) per department, in file order.
TITLES = {
    department: tuple((title["title"], tuple(title["roles"])) for title in entry["titles"])
    for department, entry in _DEPARTMENTS.items()
}
