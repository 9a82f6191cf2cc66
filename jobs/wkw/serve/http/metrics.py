"""`/metrics` of `wkw serve`, in Prometheus' text format: requests, latencies, and the publication served.

Each app has a registry of its own (tests build many apps in one process).
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from wkw.serve.http.snapshot import SnapshotStore

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self, store: SnapshotStore) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wkw_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "wkw_http_request_duration_seconds",
            "Time to answer a request, by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        age = Gauge(
            "wkw_publication_age_seconds",
            "Seconds since the publication being served was published (-1: none loaded)",
            registry=self.registry,
        )
        age.set_function(lambda: store.current.age_seconds(datetime.now(UTC)) if store.current else -1.0)
        contacts = Gauge(
            "wkw_publication_contacts", "Contacts in the tile being served", registry=self.registry
        )
        contacts.set_function(lambda: store.current.contact_count if store.current else 0)
        load = Gauge(
            "wkw_publication_load_seconds",
            "Seconds the publication being served took to load",
            registry=self.registry,
        )
        load.set_function(lambda: store.current.load_seconds if store.current else 0.0)
        loads = Gauge(
            "wkw_publication_loads", "Publications loaded since the server started", registry=self.registry
        )
        loads.set_function(lambda: store.loads)
        failing = Gauge(
            "wkw_publication_refresh_failing",
            "1 when the last look for a new publication failed (the last good one is still served)",
            registry=self.registry,
        )
        failing.set_function(lambda: 1.0 if store.last_error and store.current else 0.0)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)
