"""People of the synthetic company for `wkw generate`: colleagues (the directory) and external contacts.

Used by wkw.synth.company (`wkw generate --out DIR`); nothing here writes files. Names, companies and time
zones are fixed lists, so the seed alone decides who exists.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

FIRST_NAMES = (
    "Aisha",
    "Akira",
    "Alejandro",
    "Amara",
    "Ana",
    "Anders",
    "Arjun",
    "Beatriz",
    "Camille",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "Felix",
    "Freya",
    "Gabriel",
    "Grace",
    "Hana",
    "Hiroshi",
    "Hugo",
    "Ines",
    "Ingrid",
    "Isaac",
    "James",
    "Jin",
    "Jonas",
    "Kavya",
    "Kwame",
    "Lars",
    "Layla",
    "Liam",
    "Lucas",
    "Maria",
    "Mateo",
    "Mei",
    "Mohammed",
    "Nadia",
    "Nikhil",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Sakura",
    "Samuel",
    "Sara",
    "Sofia",
    "Tariq",
    "Thomas",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
)
LAST_NAMES = (
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bauer",
    "Becker",
    "Bianchi",
    "Chen",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fernandes",
    "Fischer",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Ito",
    "Jansen",
    "Johnson",
    "Kim",
    "Kowalski",
    "Kumar",
    "Lambert",
    "Larsen",
    "Lee",
    "Lopez",
    "Martin",
    "Mendes",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "O'Brien",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Shah",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Torres",
    "Van Dijk",
    "Wagner",
    "Walker",
    "Wang",
    "Weber",
    "Williams",
    "Wright",
    "Yamamoto",
    "Zhang",
    "Ziegler",
)

# (domain, company, UTC offset in minutes of its office): the outside world our colleagues deal with.
EXTERNAL_COMPANIES = (
    ("fabrikam.com", "Fabrikam", -300),
    ("adatum.com", "A. Datum Corporation", -480),
    ("northwindtraders.com", "Northwind Traders", -360),
    ("tailspintoys.com", "Tailspin Toys", -300),
    ("woodgrovebank.com", "Woodgrove Bank", 0),
    ("litwareinc.com", "Litware", -300),
    ("proseware.com", "Proseware", 60),
    ("wingtiptoys.com", "Wingtip Toys", -480),
    ("wideworldimporters.com", "Wide World Importers", -300),
    ("lucernepublishing.com", "Lucerne Publishing", 60),
    ("cohowinery.com", "Coho Winery", -480),
    ("alpineskihouse.com", "Alpine Ski House", 60),
    ("fourthcoffee.com", "Fourth Coffee", -480),
    ("margiestravel.com", "Margie's Travel", -360),
    ("treyresearch.net", "Trey Research", 0),
    ("blueyonderairlines.com", "Blue Yonder Airlines", -300),
    ("cpandl.com", "City Power & Light", -360),
    ("graphicdesigninstitute.com", "Graphic Design Institute", 60),
    ("humongousinsurance.com", "Humongous Insurance", -300),
    ("lamnahealthcare.com", "Lamna Healthcare", 120),
    ("relecloud.com", "Relecloud", -480),
    ("southridgevideo.com", "Southridge Video", -480),
    ("vanarsdelltd.com", "VanArsdel Ltd.", 0),
    ("consolidatedmessenger.com", "Consolidated Messenger", -300),
    ("adventure-works.com", "Adventure Works", -480),
    ("bellowscollege.com", "Bellows College", -300),
    ("kestrelmaritime.com", "Kestrel Maritime", 480),
    ("sakurarobotics.com", "Sakura Robotics", 540),
    ("hanbitlogistics.com", "Hanbit Logistics", 540),
    ("indigotextiles.com", "Indigo Textiles", 330),
    ("wattlefinance.com", "Wattle Finance", 600),
    ("andesmining.com", "Andes Mining", -180),
    ("riograndeagro.com", "Rio Grande Agro", -180),
    ("pampasenergy.com", "Pampas Energy", -180),
    ("aztecabuilders.com", "Azteca Builders", -360),
    ("nordlichtsolar.com", "Nordlicht Solar", 60),
    ("baltichealth.com", "Baltic Health", 120),
    ("capefreight.com", "Cape Freight", 120),
    ("lioncitymedtech.com", "Lion City MedTech", 480),
    ("fjordanalytics.com", "Fjord Analytics", 60),
)
COMPANY_OF = {domain: company for domain, company, _ in EXTERNAL_COMPANIES}
OFFSET_OF = {domain: offset for domain, _, offset in EXTERNAL_COMPANIES}

REGION_WEIGHTS = {"EMEA": 35, "NA": 35, "APAC": 20, "LATAM": 10}
REGION_OFFSETS = {"EMEA": (0, 60, 120), "NA": (-300, -360, -480), "APAC": (330, 480, 540), "LATAM": (-180,)}

DEPARTMENT_WEIGHTS = {
    "Sales": 34,
    "Engineering": 22,
    "Support": 14,
    "Marketing": 11,
    "Finance": 9,
    "Legal": 6,
    "Executive": 4,
}
# Title and roles per department; executives take their titles in this order, the rest at random.
TITLES = {
    "Sales": (
        ("Account Executive", ("salesperson",)),
        ("Sales Manager", ("salesperson", "sales manager")),
        ("Sales Development Representative", ("salesperson",)),
        ("Regional Sales Director", ("salesperson", "sales manager")),
    ),
    "Engineering": (
        ("Software Engineer", ("engineer",)),
        ("Senior Software Engineer", ("engineer",)),
        ("Solutions Architect", ("engineer", "presales")),
        ("Engineering Manager", ("engineer", "manager")),
    ),
    "Support": (
        ("Support Engineer", ("engineer", "support")),
        ("Support Lead", ("manager", "support")),
        ("Customer Success Manager", ("account manager", "support")),
    ),
    "Marketing": (
        ("Marketing Manager", ("manager", "marketing")),
        ("Marketing Analyst", ("analyst", "marketing")),
        ("Content Strategist", ("marketing",)),
    ),
    "Finance": (
        ("Financial Analyst", ("analyst",)),
        ("Controller", ("finance",)),
        ("Finance Manager", ("finance", "manager")),
    ),
    "Legal": (("Corporate Counsel", ("legal",)), ("Paralegal", ("legal",))),
    "Executive": (
        ("Chief Executive Officer", ("executive",)),
        ("Chief Revenue Officer", ("executive", "sales manager")),
        ("Chief Financial Officer", ("executive",)),
        ("Chief Technology Officer", ("executive",)),
        ("Chief Operating Officer", ("executive",)),
    ),
}
BASE_LICENCE = "Microsoft 365 E3"
ROLE_LICENCES = {"salesperson": "Sales Premium", "analyst": "Power BI Pro", "engineer": "GitHub Enterprise"}

SALES_SEATS = 2  # colleagues 1 and 2 are always in Sales, so small companies still sell
ALIAS_SHARE = 0.2
LARGE_COMPANY = 20  # from this size on, two colleagues have left (inactive), below it one


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    offset: int  # minutes east of UTC where this person works

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Contact(Person):
    company: str = ""


@dataclass(frozen=True)
class Colleague(Person):
    id: str = ""
    mailbox: str = ""  # Enron-style mailbox folder, `last-f`
    aliases: tuple[str, ...] = ()
    title: str = ""
    department: str = ""
    region: str = ""
    roles: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    active: bool = True
    opted_out: bool = False
    store: str = "maildir"  # maildir | graph: which exporter holds this colleague's mailbox


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _unique(base: str, taken: set[str], join: str = "") -> str:
    """`base`, or base with the first free digit 2, 3, ... (before any `@`) when it is taken."""
    local, at, domain = base.partition("@")
    candidate, digit = base, 2
    while candidate in taken:
        candidate = f"{local}{join}{digit}{at}{domain}"
        digit += 1
    taken.add(candidate)
    return candidate


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _departments(rng: random.Random, count: int) -> list[str]:
    others = rng.choices(list(DEPARTMENT_WEIGHTS), list(DEPARTMENT_WEIGHTS.values()), k=count)
    return ["Executive"] + ["Sales"] * SALES_SEATS + others[: count - 1 - SALES_SEATS]


def _title(rng: random.Random, department: str, executives: int) -> tuple[str, tuple[str, ...]]:
    choices = TITLES[department]
    if department == "Executive":
        return choices[executives % len(choices)]
    return rng.choice(choices)


def _special(rng: random.Random, departments: list[str]) -> tuple[int, list[int]]:
    """The opted-out salesperson and the colleagues who left (never the CEO, never the opted-out one)."""
    sellers = [i for i, department in enumerate(departments) if department == "Sales"]
    opted_out = rng.choice(sellers)
    leavers = 2 if len(departments) >= LARGE_COMPANY else 1
    candidates = [i for i, d in enumerate(departments) if d != "Executive" and i != opted_out]
    return opted_out, sorted(rng.sample(candidates, leavers))


def build_colleagues(rng: random.Random, count: int, domain: str) -> list[Colleague]:
    """The directory: one colleague per person, with unique e-mail, aliases and mailbox names."""
    departments = _departments(rng, count)
    opted_out, inactive = _special(rng, departments)
    stores = ["maildir", "graph"] * count
    rng.shuffle(stores)
    taken: set[str] = set()
    mailboxes: set[str] = set()
    colleagues, executives = [], 0
    for index, department in enumerate(departments):
        first, last = _name(rng)
        email = _unique(f"{_slug(first)}.{_slug(last)}@{domain}", taken)
        aliases = ()
        if rng.random() < ALIAS_SHARE:
            aliases = (_unique(f"{_slug(first)[0]}{_slug(last)}@{domain}", taken),)
        title, roles = _title(rng, department, executives)
        executives += department == "Executive"
        region = rng.choices(list(REGION_WEIGHTS), list(REGION_WEIGHTS.values()))[0]
        licences = (BASE_LICENCE, *sorted({ROLE_LICENCES[r] for r in roles if r in ROLE_LICENCES}))
        colleagues.append(
            Colleague(
                email=email,
                name=f"{first} {last}",
                offset=rng.choice(REGION_OFFSETS[region]),
                id=f"EMP-{index + 1:05d}",
                mailbox=_unique(f"{_slug(last)}-{_slug(first)[0]}", mailboxes),
                aliases=aliases,
                title=title,
                department=department,
                region=region,
                roles=roles,
                licences=licences,
                active=index not in inactive,
                opted_out=index == opted_out,
                store=stores[index],
            )
        )
    return colleagues


def build_contacts(rng: random.Random, count: int) -> list[Contact]:
    """External people, `first.last@<company domain>`, working in their company's time zone."""
    taken: set[str] = set()
    contacts = []
    for _ in range(count):
        domain, company, offset = rng.choice(EXTERNAL_COMPANIES)
        first, last = _name(rng)
        email = _unique(f"{_slug(first)}.{_slug(last)}@{domain}", taken)
        contacts.append(Contact(email=email, name=f"{first} {last}", offset=offset, company=company))
    return sorted(contacts, key=lambda contact: contact.email)


def directory_row(colleague: Colleague) -> list[str]:
    """One users.csv row; list-valued fields are ';'-separated, booleans `true`/`false`."""
    return [
        colleague.id,
        colleague.email,
        ";".join(colleague.aliases),
        colleague.name,
        colleague.title,
        colleague.department,
        colleague.region,
        ";".join(colleague.roles),
        ";".join(colleague.licences),
        str(colleague.active).lower(),
        str(colleague.opted_out).lower(),
    ]
