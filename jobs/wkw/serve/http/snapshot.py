"""What `wkw serve` answers from: one publication, loaded whole, swapped whole.

A `Snapshot` holds the current publication (wkw.serve.published): its tile (`top_introducers`) in memory,
sorted and indexed by contact, the full list (`introducers`) as a delta-rs dataset pinned at the version
the publication names, and the directory and address book the gates check (wkw.serve.access). A request
takes the store's snapshot once and answers from it alone, so it sees one publication, never a mix.

`SnapshotStore.refresh()` looks at `published/publications`; when the newest publication differs from the
one served, it loads the new one completely and only then swaps the reference. A failed load keeps the old
snapshot and is reported (`last_error`); `wkw serve` calls `refresh` every `[serve] refresh_seconds`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

from wkw.config import PUBLISHED, Settings
from wkw.serve.access import Directory
from wkw.serve.published import (
    ACCOUNTS_TABLE,
    NoPublication,
    Publication,
    account_rows,
    contact_rows,
    current_publication,
)

TILE, LIST = "top_introducers", "introducers"
SEARCH_LIMIT = 20


def _pinned(settings: Settings, publication: Publication, table: str) -> DeltaTable:
    return DeltaTable(settings.table_path(PUBLISHED, table), version=publication.table_versions[table])


def _contact_runs(contacts: pa.Array) -> dict[str, tuple[int, int]]:
    """contact -> (start, end) of its run in `contacts`, an array sorted by contact."""
    if len(contacts) == 0:
        return {}
    encoded = pc.run_end_encode(contacts)
    ends = encoded.run_ends.to_pylist()
    starts = [0, *ends[:-1]]
    return dict(zip(encoded.values.to_pylist(), zip(starts, ends, strict=True), strict=True))


@dataclass(frozen=True)
class Contact:
    email: str
    name: str | None
    company: str | None


@dataclass
class Snapshot:
    """One publication, ready to answer. Built by `load`; never changed after.

    The tile stays in the order it was read; `order` holds its row numbers sorted by (contact, rank),
    and `runs` each contact's stretch of `order`: a tile is a take of at most `top_n` rows."""

    settings: Settings
    publication: Publication
    directory: Directory
    tile: pa.Table
    order: pa.Array
    runs: dict[str, tuple[int, int]]
    listing: ds.Dataset
    accounts: ds.Dataset | None  # the account view; None for a publication made before it existed
    known_by_counts: dict[str, int]
    loaded_at: datetime
    load_seconds: float

    @classmethod
    def load(cls, settings: Settings, publication: Publication | None = None) -> Snapshot:
        started = time.perf_counter()
        publication = publication or current_publication(settings)
        # One chunk per column: a take from a table of many chunks costs a pass over all of them (80 ms a
        # tile at 500,000 contacts), from one chunk a few microseconds.
        tile = _pinned(settings, publication, TILE).to_pyarrow_table().combine_chunks()
        order = pc.sort_indices(tile, sort_keys=[("contact_email", "ascending"), ("rank", "ascending")])
        listing = _pinned(settings, publication, LIST).to_pyarrow_dataset()
        has_accounts = ACCOUNTS_TABLE in publication.table_versions
        accounts = (
            _pinned(settings, publication, ACCOUNTS_TABLE).to_pyarrow_dataset() if has_accounts else None
        )
        known_by = (
            listing.to_table(columns=["contact_email"])
            .group_by("contact_email")
            .aggregate([("contact_email", "count")])
        )
        return cls(
            settings=settings,
            publication=publication,
            directory=Directory.load(settings),
            tile=tile,
            order=order,
            runs=_contact_runs(tile.column("contact_email").take(order).combine_chunks()),
            listing=listing,
            accounts=accounts,
            known_by_counts=dict(
                zip(
                    known_by.column("contact_email").to_pylist(),
                    known_by.column("contact_email_count").to_pylist(),
                    strict=True,
                )
            ),
            loaded_at=datetime.now(UTC),
            load_seconds=time.perf_counter() - started,
        )

    def top(self, contact: str) -> list[dict]:
        """The tile of one contact, strong first (at most `[publish] top_n` rows)."""
        span = self.runs.get(contact)
        if span is None:
            return []
        start, end = span
        return self.tile.take(self.order.slice(start, end - start)).to_pylist()

    @cached_property
    def contacts(self) -> list[Contact]:
        """Every contact of the tile with its name and company, by e-mail: built on the first search."""
        firsts = self.tile.take(self.order.take(pa.array([start for start, _ in self.runs.values()])))
        columns = firsts.select(["contact_email", "contact_name", "contact_company"]).to_pylist()
        return [Contact(c["contact_email"], c["contact_name"], c["contact_company"]) for c in columns]

    def everyone(self, contact: str) -> list[dict]:
        """Everyone who knows the contact, strong first (the list view)."""
        return contact_rows(self.listing, contact)

    def account_rows(self, account: str) -> list[dict]:
        """The account view's rows for `account` (a CRM company or a domain; wkw.serve.published)."""
        return [] if self.accounts is None else account_rows(self.accounts, account)

    def known_by(self, contact: str) -> int:
        """How many colleagues know the contact: the length of its list view."""
        return self.known_by_counts.get(contact, 0)

    def one(self, contact: str, colleague: str) -> dict | None:
        """One colleague's row for the contact: its score and receipts."""
        for row in self.top(contact):
            if row["colleague_email"] == colleague:
                return row
        found = self.listing.to_table(
            filter=(ds.field("contact_email") == contact) & (ds.field("colleague_email") == colleague)
        ).to_pylist()
        return found[0] if found else None

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[Contact]:
        """Contacts whose e-mail, name or company contains `text` (any case), by e-mail."""
        needle = text.strip().lower()
        if not needle:
            return []
        hits = []
        for contact in self.contacts:
            fields = (contact.email, contact.name or "", contact.company or "")
            if any(needle in value.lower() for value in fields):
                hits.append(contact)
                if len(hits) == limit:
                    break
        return hits

    @property
    def contact_count(self) -> int:
        return len(self.runs)

    def age_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the publication was made (its `published_at`)."""
        published = self.publication.published_at
        published = published if published.tzinfo else published.replace(tzinfo=UTC)
        return ((now or datetime.now(UTC)) - published).total_seconds()


class SnapshotStore:
    """The snapshot being served, replaced whole by `refresh`; safe to read from any thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._current: Snapshot | None = None
        self._lock = threading.Lock()  # one load at a time; readers never wait on it
        self.last_error: str | None = None
        self.loads = 0

    @property
    def current(self) -> Snapshot | None:
        return self._current

    def refresh(self) -> bool:
        """Load the newest publication if it is not the one served; True when the snapshot changed."""
        with self._lock:
            try:
                newest = current_publication(self.settings)
                served = self._current
                if served is not None and served.publication.publication_id == newest.publication_id:
                    self.last_error = None
                    return False
                snapshot = Snapshot.load(self.settings, newest)
            except NoPublication as missing:
                self.last_error = str(missing)
                return False
            except Exception as failure:  # a half-written lake must not take the server down
                self.last_error = f"{type(failure).__name__}: {failure}"
                return False
            self._current = snapshot  # one assignment: readers see the old snapshot or the new one
            self.last_error = None
            self.loads += 1
        # Arrow's allocator keeps what the old snapshot freed (some 700 MB at 500,000 contacts) for itself:
        # hand back what is free now (a request still answering from the old snapshot keeps its part).
        pa.default_memory_pool().release_unused()
        return True
