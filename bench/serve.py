"""`wkw serve` under load: how long the server takes to load a publication and how much memory it holds,
how fast it answers sellers' tiles at 1, 8 and 32 concurrent clients, how soon it picks up a new
publication, and `wkw who-knows` on the same lake for comparison.

The lake is an existing one (--lake, e.g. after `wkw run`, with --seller a licensed seller of its
directory), or a SYNTHETIC one that --synthetic CONTACTS writes into --work with deltalake (default
500,000 contacts and --colleagues 10,000: the company of `wkw generate --mode scale`): a directory of the
colleagues, one of them a seller with the licence and a sales role, and one publication in the published
tables' shapes (tests/support/tiny_lake.py): each contact known by 1 to --max-introducers colleagues
(uniform, seeded), ranked 1..n, the tile rank <= 5. It is not a pipeline night: the server reads only the
published tables and the directory, so their shape is what matters. It is written --chunk contacts at a
time (bounded memory), the contacts in a seeded random order so that every file spans the whole range of
addresses, as the pipeline's hash-partitioned files do.

Then: `wkw serve --host 127.0.0.1 --port <free>` as its own process (WKW_LAKE; WKW_CONF names a file of
the bench's own with [serve] refresh_seconds = 0.5, replacing any WKW_CONF of the caller), timed from its
start to /readyz 200 (besides the snapshot load the server reports in /metrics), and its process tree's
resident memory after the load and after the load runs. Per level of --clients, a closed loop in a process
of its own: each client a thread with one keep-alive httpx connection asking random contacts' tiles
(GET /api/v1/contacts/EMAIL/introducers, the seller named by X-Forwarded-Email from 127.0.0.1; a share
--unknown of addresses nobody knows, whose 404 is expected), until --requests or --seconds, whichever
comes first, with the CPU time per request of the server and of the load generator. Synthetic only: a
second publication (a copy with changed values, as of the next day) and the time from its row in
`publications` until /readyz names it, one client asking tiles through the swap. The server is stopped
in any case; then `wkw who-knows CONTACT --json --as SELLER` --cli-runs times. The load average before
and after tells whether other work shared the machine.

    .venv/bin/python bench/serve.py --work /tmp/wkw-serve --synthetic 500000 [--colleagues 10000] [--json]
    .venv/bin/python bench/serve.py --work /tmp/wkw-serve --synthetic 20000 --colleagues 1000 \\
        --requests 300 --seconds 5
    .venv/bin/python bench/serve.py --work /tmp/wkw-serve-conf --lake lake --seller maria.lopez@contoso.com
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from queue import Empty
from urllib.parse import quote

import httpx
import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))
from support.tiny_lake import INTRODUCER_COLUMNS, PREMIUM, UTC_TS, user  # noqa: E402

WKW = str(Path(sys.executable).parent / "wkw")
AS_OF = date(2026, 11, 26)
TILE, LIST, PUBLICATIONS = "top_introducers", "introducers", "publications"
TOP_N = 5
IDENTITY_HEADER = "X-Forwarded-Email"
REFRESH_SECONDS = 0.5
READY_TIMEOUT = 1800.0
SAMPLE_CONTACTS = 20_000  # the known contacts handed to the load generator
MIB = 1024 * 1024
DAY_US = 86_400_000_000
TITLES = ("Account Executive", "Sales Manager", "Engineer", "Consultant", "Marketing Manager")
DEPARTMENTS = ("Sales", "Sales", "Engineering", "Services", "Marketing")
BANDS = ("strong", "moderate", "weak")
CHANNELS = ("mail", "meeting", "call")
PUBLICATION_SCHEMA = pa.schema(
    [("publication_id", pa.string()), ("as_of_date", pa.date32()), ("published_at", UTC_TS)]
    + [("model_version", pa.string())]
    + [("table_versions", pa.map_(pa.string(), pa.int64())), ("row_counts", pa.map_(pa.string(), pa.int64()))]
)
SPAWN = multiprocessing.get_context("spawn")  # the bench process has Arrow's threads: no fork


# The synthetic lake.


def colleague_email(index: int) -> str:
    return f"colleague.{index:05d}@contoso.com"


def contact_email(number: int) -> str:
    return f"contact.{number:07d}@company{number // 20:05d}.example"


def publication_id(as_of: date, seed: int) -> str:
    return f"{as_of.isoformat()}-synthetic-s{seed}"


def write_directory(lake: Path, colleagues: int) -> str:
    """One directory snapshot of the colleagues; colleague 0, the seller, has the licence and the role."""
    rows = []
    for index in range(colleagues):
        kind = index % len(TITLES)
        roles = ["salesperson"] if index == 0 or kind == 0 else [TITLES[kind].lower()]
        licences = PREMIUM if index % 2 == 0 else PREMIUM[:1]
        person = user(colleague_email(index), f"Colleague {index:05d}", TITLES[kind], roles, licences)
        rows.append({"ingest_date": AS_OF, **person, "department": DEPARTMENTS[kind]})
    write_deltalake(str(lake / "bronze" / "directory"), pa.Table.from_pylist(rows))
    return colleague_email(0)


def colleague_columns(colleagues: int) -> dict[str, pa.Array]:
    kinds = [index % len(TITLES) for index in range(colleagues)]
    return {
        "colleague_email": pa.array([colleague_email(index) for index in range(colleagues)]),
        "colleague_name": pa.array([f"Colleague {index:05d}" for index in range(colleagues)]),
        "colleague_title": pa.array([TITLES[kind] for kind in kinds]),
        "colleague_department": pa.array([DEPARTMENTS[kind] for kind in kinds]),
    }


def contact_columns(numbers: np.ndarray) -> dict[str, pa.Array]:
    return {
        "contact_email": pa.array([contact_email(number) for number in numbers]),
        "contact_name": pa.array([f"Contact {number:07d}" for number in numbers]),
        "contact_company": pa.array([f"Company {number // 20:05d}" for number in numbers]),
        "crm_id": pa.array([f"CRM-{number:07d}" for number in numbers]),
        "crm_type": pa.array(["lead" if number % 3 else "contact" for number in numbers]),
    }


def introducer_chunk(
    numbers: np.ndarray, people: dict[str, pa.Array], rng: np.random.Generator, most: int
) -> dict[str, pa.Array | np.ndarray]:
    """The introducers rows of the contacts `numbers` (without publication_id): each known by 1 to `most`
    distinct colleagues, ranked by strength."""
    known_by = rng.integers(1, most + 1, len(numbers))
    owner = np.repeat(np.arange(len(numbers)), known_by)
    rows = len(owner)
    rank = np.arange(rows) - np.repeat(np.cumsum(known_by) - known_by, known_by) + 1
    colleagues = len(people["colleague_email"])
    stride = rng.integers(1, max(2, colleagues // most), len(numbers))  # distinct while stride * most < n
    colleague = (rng.integers(0, colleagues, len(numbers))[owner] + (rank - 1) * stride[owner]) % colleagues
    strength = (0.3 + 0.7 * rng.random(len(numbers)))[owner] * 0.8 ** (rank - 1)
    end = int(datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC).timestamp()) * 1_000_000
    last = end - rng.integers(0, 365, rows) * DAY_US - rng.integers(0, DAY_US, rows)
    return {
        **{name: values.take(owner) for name, values in contact_columns(numbers).items()},
        "rank": rank,
        **{name: values.take(colleague) for name, values in people.items()},
        "strength": strength,
        "score": strength * 8 + rng.random(rows) * 0.1,
        "band": pa.array(BANDS).take(np.where(strength >= 0.6, 0, np.where(strength >= 0.24, 1, 2))),
        "last_interaction_at": last,
        "last_interaction_channel": pa.array(CHANNELS).take(rng.integers(0, len(CHANNELS), rows)),
        "mails_sent": rng.poisson(40 * strength),
        "mails_received": rng.poisson(30 * strength),
        "meetings": rng.poisson(3 * strength),
        "calls": rng.poisson(strength),
        "two_way": rng.random(rows) < 0.5 + strength / 2,
        "active_days": rng.poisson(20 * strength) + 1,
        "first_interaction_at": last - rng.integers(0, 730, rows) * DAY_US,
    }


def changed(columns: dict) -> dict:
    """The next publication's values for the same introducers: more mail, a later last interaction."""
    return {
        **columns,
        "score": columns["score"] * 1.05,
        "mails_sent": columns["mails_sent"] + 1,
        "last_interaction_at": columns["last_interaction_at"] + DAY_US,
    }


def write_tables(lake: Path, args: argparse.Namespace, publication: str, change: bool) -> dict[str, int]:
    """`introducers` and `top_introducers` of one publication, overwritten chunk by chunk; their rows."""
    people = colleague_columns(args.colleagues)
    order = np.random.default_rng([args.seed, 0]).permutation(args.synthetic)
    schema = pa.schema(list(INTRODUCER_COLUMNS.items()))
    counts = {LIST: 0, TILE: 0}
    for index, first in enumerate(range(0, args.synthetic, args.chunk)):
        rng = np.random.default_rng([args.seed, 1, index])  # the same rows for both publications
        columns = introducer_chunk(order[first : first + args.chunk], people, rng, args.max_introducers)
        columns = changed(columns) if change else columns
        rows = len(columns["rank"])
        table = pa.Table.from_pydict({**columns, "publication_id": pa.repeat(publication, rows)}, schema)
        tile = table.filter(pc.less_equal(table["rank"], TOP_N))
        for name, part in ((LIST, table), (TILE, tile)):
            mode = "overwrite" if index == 0 else "append"
            write_deltalake(str(lake / "published" / name), part, mode=mode)
            counts[name] += part.num_rows
    return counts


def record_publication(lake: Path, publication: str, as_of: date, counts: dict[str, int]) -> None:
    """The row of `publications` that names the tables' current versions: from now on it is served."""
    versions = {name: DeltaTable(str(lake / "published" / name)).version() for name in counts}
    row = {
        "publication_id": publication,
        "as_of_date": as_of,
        "published_at": datetime.now(UTC),
        "model_version": "synthetic",
        "table_versions": list(versions.items()),
        "row_counts": list(counts.items()),
    }
    table = pa.Table.from_pylist([row], PUBLICATION_SCHEMA)
    write_deltalake(str(lake / "published" / PUBLICATIONS), table, mode="append")


def synthetic_lake(lake: Path, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    seller = write_directory(lake, args.colleagues)
    publication = publication_id(AS_OF, args.seed)
    counts = write_tables(lake, args, publication, change=False)
    record_publication(lake, publication, AS_OF, counts)
    return {
        "synthetic": True,
        "contacts": args.synthetic,
        "colleagues": args.colleagues,
        "max_introducers": args.max_introducers,
        "seller": seller,
        "rows": counts,
        "write_seconds": round(time.perf_counter() - started, 1),
    }


def disk_mib(folder: Path) -> float:
    return round(sum(file.stat().st_size for file in folder.rglob("*") if file.is_file()) / MIB, 1)


def served_contacts(lake: Path) -> tuple[str, list[str]]:
    """The current publication's id and its contacts (the tile's), read with the server's own readers."""
    from wkw.config import PUBLISHED, load_settings
    from wkw.serve.published import current_publication

    settings = dataclasses.replace(load_settings(), lake=str(lake))
    publication = current_publication(settings)
    tile = DeltaTable(settings.table_path(PUBLISHED, TILE), version=publication.table_versions[TILE])
    contacts = pc.unique(tile.to_pyarrow_table(columns=["contact_email"])["contact_email"])
    return publication.publication_id, contacts.to_pylist()


# The server.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`wkw serve` on a free loopback port, as its own process; its log in WORK/serve.log."""

    def __init__(self, env: dict, work: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = work / "serve.log"
        command = [WKW, "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.started = time.perf_counter()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.tree = psutil.Process(self.process.pid)
        self.peak = 0
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _members(self) -> list[psutil.Process]:
        try:
            return [self.tree, *self.tree.children(recursive=True)]
        except psutil.Error:
            return []

    def resident(self) -> int:
        total = 0
        for member in self._members():
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for member in self._members():
            try:
                times = member.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self.resident())

    def failed(self, why: str) -> SystemExit:
        tail = self.log.read_text()[-3000:] if self.log.exists() else ""
        return SystemExit(f"{why}; the end of {self.log}:\n{tail}")

    def ready(self, publication: str | None = None) -> dict:
        """/readyz once it answers 200 (naming `publication`, if given)."""
        deadline = time.monotonic() + READY_TIMEOUT
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise self.failed(f"wkw serve exited with {self.process.returncode}")
                try:
                    answer = http.get("/readyz")
                    if answer.status_code == 200 and publication in (None, answer.json()["publication_id"]):
                        return answer.json()
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        raise self.failed(f"/readyz did not name {publication or 'a publication'} in {READY_TIMEOUT} s")

    def load_seconds(self) -> float | None:
        """The snapshot load of the publication served, as the server reports it in /metrics."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        found = re.search(r"^wkw_publication_load_seconds (\S+)$", text, re.M)
        return round(float(found.group(1)), 2) if found else None

    def stop(self) -> dict:
        """SIGTERM, then up to 30 s for uvicorn's graceful shutdown (which re-raises the signal: exit code
        -15), else SIGKILL."""
        self._stop.set()
        started, killed = time.perf_counter(), False
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                killed = True
        seconds = round(time.perf_counter() - started, 2)
        return {"exit_code": self.process.returncode, "seconds": seconds, "killed": killed}


# The load generator: runs in a process of its own.


def tile_path(contact: str) -> str:
    return f"/api/v1/contacts/{quote(contact, safe='@')}/introducers"


def ask(http: httpx.Client, rng: random.Random, known: list[str], unknown: float) -> tuple[float, int, bool]:
    """One tile: (seconds, status, whether the contact is one nobody knows); status 0 if no answer."""
    nobody = rng.random() < unknown
    contact = f"nobody.{rng.randrange(10**9)}@unknown.example" if nobody else rng.choice(known)
    started = time.perf_counter()
    try:
        status = http.get(tile_path(contact)).status_code
    except httpx.HTTPError:
        status = 0
    return time.perf_counter() - started, status, nobody


def summary(answers: list[tuple[float, int, bool]], clients: int, seconds: float, cpu: float) -> dict:
    ok = sum(status == 200 for _, status, _ in answers)
    expected = sum(status == 404 and nobody for _, status, nobody in answers)
    latency = np.array([taken for taken, _, _ in answers] or [np.nan]) * 1000
    p50, p90, p99 = (round(float(value), 1) for value in np.percentile(latency, [50, 90, 99]))
    others = Counter(
        status for _, status, nobody in answers if status != 200 and not (status == 404 and nobody)
    )
    return {
        "clients": clients,
        "requests": len(answers),
        "ok": ok,
        "unknown_404": expected,
        "errors": len(answers) - ok - expected,
        "error_statuses": dict(others),
        "seconds": round(seconds, 2),
        "per_second": round(len(answers) / seconds, 1),
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p99,
        "max_ms": round(float(np.max(latency)), 1),
        "client_cpu_ms_per_request": round(cpu * 1000 / max(1, len(answers)), 2),
    }


def drive(
    url: str,
    seller: str,
    known: list[str],
    unknown: float,
    clients: int,
    requests: int,
    seconds: float,
    seed: int,
    stop: multiprocessing.synchronize.Event | None = None,
    started: multiprocessing.synchronize.Event | None = None,
) -> dict:
    """`clients` closed-loop clients (threads, one keep-alive connection each) until `requests` were
    asked, `seconds` passed or `stop` is set. The clients are made before the clock starts (each builds
    an SSL context: tens of milliseconds)."""
    tickets = itertools.count()  # next() on it is atomic under the GIL
    answers: list[tuple[float, int, bool]] = []
    identity = {IDENTITY_HEADER: seller}
    https = [httpx.Client(base_url=url, headers=identity, timeout=120) for _ in range(clients)]

    def client(index: int) -> None:
        rng = random.Random(seed * 1_000_003 + clients * 1_009 + index)
        while next(tickets) < requests and time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                break
            answers.append(ask(https[index], rng, known, unknown))

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    begun, cpu, deadline = time.perf_counter(), time.process_time(), time.monotonic() + seconds
    for thread in threads:
        thread.start()
    if started is not None:
        started.set()
    for thread in threads:
        thread.join()
    result = summary(answers, clients, time.perf_counter() - begun, time.process_time() - cpu)
    for http in https:
        http.close()
    return result


def _drive_into(queue, arguments: dict) -> None:
    queue.put(drive(**arguments))


def start_drive(arguments: dict):
    queue = SPAWN.Queue()
    child = SPAWN.Process(target=_drive_into, args=(queue, arguments))
    child.start()
    return child, queue


def collect(child, queue) -> dict:
    while True:
        try:
            result = queue.get(timeout=1)
            child.join()
            return result
        except Empty:
            if not child.is_alive():
                raise SystemExit(f"the load generator exited with {child.exitcode} and no result") from None


# The measures.


def probe(server: Server, seller: str, contact: str) -> int:
    """One tile, which must answer 200 (else the seller or the lake is wrong); the answer's bytes."""
    answer = httpx.get(server.url + tile_path(contact), headers={IDENTITY_HEADER: seller}, timeout=120)
    if answer.status_code != 200:
        raise SystemExit(f"the tile of {contact} as {seller}: {answer.status_code} {answer.text}")
    return len(answer.content)


def levels(server: Server, seller: str, known: list[str], args: argparse.Namespace) -> list[dict]:
    results = []
    for clients in args.clients:
        arguments = dict(url=server.url, seller=seller, known=known, unknown=args.unknown, seed=args.seed)
        arguments.update(clients=clients, requests=args.requests, seconds=args.seconds)
        cpu = server.cpu_seconds()
        result = collect(*start_drive(arguments))
        spent = (server.cpu_seconds() - cpu) * 1000 / max(1, result["requests"])
        results.append({**result, "server_cpu_ms_per_request": round(spent, 2)})
    return results


def pickup(server: Server, lake: Path, seller: str, known: list[str], args: argparse.Namespace) -> dict:
    """A second publication, a copy with changed values: its tables written, then (one client asking
    tiles) its row in `publications`, and the time until /readyz names it."""
    as_of = AS_OF + timedelta(days=1)
    publication = publication_id(as_of, args.seed)
    started = time.perf_counter()
    counts = write_tables(lake, args, publication, change=True)
    written = time.perf_counter() - started
    stop, asking = SPAWN.Event(), SPAWN.Event()
    arguments = dict(url=server.url, seller=seller, known=known, unknown=args.unknown, seed=args.seed + 1)
    arguments.update(clients=1, requests=10**9, seconds=READY_TIMEOUT, stop=stop, started=asking)
    child, queue = start_drive(arguments)
    try:
        asking.wait(120)
        time.sleep(1.0)  # a second of ordinary answers before the swap
        server.peak = server.resident()
        record_publication(lake, publication, as_of, counts)
        recorded = time.perf_counter()
        server.ready(publication)
        picked = time.perf_counter() - recorded
        time.sleep(1.0)
    finally:
        stop.set()
    return {
        "publication_id": publication,
        "write_seconds": round(written, 1),
        "pickup_seconds": round(picked, 2),
        "server_load_seconds": server.load_seconds(),
        "peak_mib": round(server.peak / MIB),
        "after_mib": round(server.resident() / MIB),
        "tiles_through_swap": collect(child, queue),
    }


def who_knows(env: dict, contact: str, seller: str, runs: int) -> list[dict]:
    command = [WKW, "who-knows", contact, "--json", "--as", seller]
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = round(time.perf_counter() - started, 2)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
        results.append({"seconds": seconds, "introducers": len(json.loads(done.stdout)["introducers"])})
    return results


def serve_and_measure(lake: Path, seller: str, env: dict, args: argparse.Namespace) -> dict:
    publication, contacts = served_contacts(lake)
    rng = random.Random(args.seed)
    known = rng.sample(contacts, min(len(contacts), SAMPLE_CONTACTS))
    server = Server(env, args.work)
    result: dict = {"publication_id": publication, "contacts_served": len(contacts)}
    try:
        result["readyz"] = server.ready()
        result["ready_seconds"] = round(time.perf_counter() - server.started, 2)
        result["server_load_seconds"] = server.load_seconds()
        result["resident_after_load_mib"] = round(server.resident() / MIB)
        result["tile_bytes"] = probe(server, seller, known[0])
        result["levels"] = levels(server, seller, known, args)
        result["resident_after_levels_mib"] = round(server.resident() / MIB)
        result["peak_before_pickup_mib"] = round(server.peak / MIB)
        if args.pickup:
            result["pickup"] = pickup(server, lake, seller, known, args)
    finally:
        result["server_exit"] = server.stop()
    contact = rng.choice(known)
    result["who_knows"] = {"contact": contact, "runs": who_knows(env, contact, seller, args.cli_runs)}
    return result


# The report.


def table(rows: list[dict]) -> list[str]:
    header = "| clients | requests | ok | 404 unknown | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |"
    lines = [header + " server CPU ms/req | client CPU ms/req |", "|" + "---|" * 12]
    for row in rows:
        cells = [row["clients"], row["requests"], row["ok"], row["unknown_404"], row["errors"]]
        cells += [row["per_second"], row["p50_ms"], row["p90_ms"], row["p99_ms"], row["max_ms"]]
        cells += [row["server_cpu_ms_per_request"], row["client_cpu_ms_per_request"]]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
        if row["errors"]:
            lines.append(f"  errors by status (0: no answer): {row['error_statuses']}")
    return lines


def lake_lines(result: dict) -> list[str]:
    lake = result["lake"]
    if not lake.get("synthetic"):
        return [f"lake {lake['path']} (existing), {lake['disk_mib']} MiB on disk; seller {lake['seller']}"]
    rows = lake["rows"]
    return [
        "SYNTHETIC publication, not a pipeline night: the server reads only the published tables and the "
        "directory, so their shape is what matters.",
        f"{lake['contacts']:,} contacts, each known by 1..{lake['max_introducers']} of "
        f"{lake['colleagues']:,} colleagues: {rows[LIST]:,} introducers rows, {rows[TILE]:,} tile rows; "
        f"written in {lake['write_seconds']} s; {lake['disk_mib']} MiB on disk ({lake['path']}); "
        f"seller {lake['seller']}",
    ]


def pickup_lines(pickup: dict) -> list[str]:
    swap = pickup["tiles_through_swap"]
    return [
        f"pickup: {pickup['publication_id']} (a copy with changed values) written in "
        f"{pickup['write_seconds']} s; "
        f"/readyz named it {pickup['pickup_seconds']} s after its row in publications (snapshot load "
        f"{pickup['server_load_seconds']} s, refresh every {REFRESH_SECONDS} s); resident peak "
        f"{pickup['peak_mib']} MiB through the swap, {pickup['after_mib']} MiB after; lake "
        f"{pickup['disk_mib_after']} MiB on disk with both publications",
        f"tiles through the swap (1 client, {swap['seconds']} s): {swap['requests']} requests, "
        f"{swap['errors']} errors, p50 {swap['p50_ms']} ms, p99 {swap['p99_ms']} ms, max {swap['max_ms']} ms",
    ]


def show(result: dict) -> None:
    served = result["served"]
    lines = lake_lines(result)
    lines.append(
        f"wkw serve: /readyz 200 after {served['ready_seconds']} s (snapshot load "
        f"{served['server_load_seconds']} s) for {served['publication_id']}, {served['contacts_served']:,} "
        f"contacts; resident {served['resident_after_load_mib']} MiB after the load, "
        f"{served['resident_after_levels_mib']} MiB after the load runs (peak "
        f"{served['peak_before_pickup_mib']} MiB); a tile {served['tile_bytes']} bytes"
    )
    lines += table(served["levels"])
    lines += pickup_lines(served["pickup"]) if "pickup" in served else ["pickup: not measured"]
    cli = served["who_knows"]
    times = ", ".join(f"{run['seconds']} s" for run in cli["runs"])
    stopped = served["server_exit"]
    how = "killed after 30 s" if stopped["killed"] else f"exited in {stopped['seconds']} s"
    lines.append(f"wkw serve stopped: SIGTERM, {how}, exit code {stopped['exit_code']}")
    lines.append(f"wkw who-knows {cli['contact']} --json --as SELLER: {times}")
    before, after = result["load_average"]
    lines.append(
        f"load average (1 min) before {before}, after {after} on {os.cpu_count()} CPUs; "
        f"bench wall time {result['wall_seconds']} s"
    )
    print("\n".join(lines))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--lake", type=Path, help="an existing lake with a publication")
    source.add_argument("--synthetic", type=int, metavar="CONTACTS", help="write a synthetic lake")
    parser.add_argument("--work", type=Path, required=True, help="a folder of its own (emptied if synthetic)")
    parser.add_argument("--seller", help="with --lake: a licensed seller of its directory")
    parser.add_argument("--colleagues", type=int, default=10_000)
    parser.add_argument("--max-introducers", type=int, default=12)
    parser.add_argument("--chunk", type=int, default=50_000, help="contacts written at a time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=lambda text: [int(n) for n in text.split(",")], default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=2000, help="per level, at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="per level, at most")
    parser.add_argument("--unknown", type=float, default=0.1, help="share of contacts nobody knows")
    parser.add_argument(
        "--pickup", action=argparse.BooleanOptionalAction, help="time a second publication (synthetic only)"
    )
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.lake and not args.seller:
        parser.error("--lake needs --seller")
    if args.lake and args.pickup:
        parser.error("--pickup writes a publication: only into a --synthetic lake")
    args.pickup = bool(args.synthetic) if args.pickup is None else args.pickup
    args.work = args.work.resolve()
    return args


def main() -> None:
    args = arguments()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if args.synthetic:
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        lake = args.work / "lake"
        info = synthetic_lake(lake, args)
    else:
        args.work.mkdir(parents=True, exist_ok=True)
        lake = args.lake.resolve()
        info = {"synthetic": False, "seller": args.seller.strip().lower()}
    info.update(path=str(lake), disk_mib=disk_mib(lake))
    conf = args.work / "serve-bench.toml"
    conf.write_text(f"[serve]\nrefresh_seconds = {REFRESH_SECONDS}\n")
    env = {**os.environ, "WKW_LAKE": str(lake), "WKW_CONF": str(conf)}
    served = serve_and_measure(lake, info["seller"], env, args)
    if "pickup" in served:
        served["pickup"]["disk_mib_after"] = disk_mib(lake)
    result = {
        "lake": info,
        "served": served,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    show(result)


if __name__ == "__main__":
    main()
