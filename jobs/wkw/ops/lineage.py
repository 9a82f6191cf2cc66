"""OpenLineage for the nightly DAG: every task tells Airflow's OpenLineage provider which Delta tables (and,
for extract, which landing folders of the night) its stage reads and writes, as `wkw.pipeline.STAGES`
declares them; the provider emits START and COMPLETE (or FAIL) events for the task, whose parent run is the
DAG run. `[lineage]` of conf/wkw.toml says where the events go: a file under the lake by default, or an
HTTP endpoint (Marquez, DataHub); `airflow_env` hands that to Airflow. docs/lineage.md has the details.

Light at import (the DAG file imports it at every parse): the OpenLineage client and the provider are
imported when a task starts, never at parse.

    python -c "from wkw.config import load_settings; from wkw.ops.lineage import openlineage_env; \
print(openlineage_env(load_settings()))"
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from airflow.providers.standard.operators.python import PythonOperator

from wkw.config import PUBLISHED, Settings
from wkw.config_lineage import FILE_TRANSPORT
from wkw.pipeline import Stage
from wkw.vocabulary import LANDING_SOURCES

LANDING_ENTRY = "landing/*"  # extract's declared input: the night's folder of every landing source
WILDCARD = "*"  # "*" and "gold/*: ...": every table, no one dataset to name
LOCAL_NAMESPACE = "file"
# OpenLineage names an object store by its scheme as other tools write it (s3, not Hadoop's s3a).
SCHEME_NAMES = {"s3a": "s3", "s3n": "s3", "gcs": "gs"}
CATALOG_SYMLINK_TYPE = "TABLE"
TRANSPORT_VAR, NAMESPACE_VAR = "AIRFLOW__OPENLINEAGE__TRANSPORT", "AIRFLOW__OPENLINEAGE__NAMESPACE"
DISABLED_VAR = "AIRFLOW__OPENLINEAGE__DISABLED"


@dataclass(frozen=True)
class LineageDataset:
    """One dataset of an OpenLineage event: where it is stored (`namespace`, `name`), and for a published
    table its name in the Spark SQL catalog (`wkw.top_introducers`)."""

    namespace: str
    name: str
    catalog_name: str | None = None


def dataset_at(location: str, catalog_name: str | None = None) -> LineageDataset:
    """The dataset stored at a path or URI, named by OpenLineage's convention: a local path is namespace
    `file` and its absolute path; `scheme://authority/path` is namespace `scheme://authority` and `path`."""
    parts = urlsplit(location)
    if not parts.scheme or parts.scheme == LOCAL_NAMESPACE:
        return LineageDataset(LOCAL_NAMESPACE, os.path.abspath(parts.path or location), catalog_name)
    scheme = SCHEME_NAMES.get(parts.scheme, parts.scheme)
    return LineageDataset(f"{scheme}://{parts.netloc}", parts.path.strip("/"), catalog_name)


def _entry_datasets(settings: Settings, entry: str, day: str) -> tuple[LineageDataset, ...]:
    if entry == LANDING_ENTRY:
        return tuple(dataset_at(settings.landing_dir(source, day)) for source in LANDING_SOURCES)
    if WILDCARD in entry:
        return ()
    layer, table = entry.split("/", 1)
    catalog_name = f"{settings.database}.{table}" if layer == PUBLISHED else None
    return (dataset_at(settings.table_path(layer, table), catalog_name),)


def stage_datasets(
    settings: Settings, spec: Stage, day: str
) -> tuple[tuple[LineageDataset, ...], tuple[LineageDataset, ...]]:
    """What the stage reads and what it writes on the night `day`, as datasets (its declared wildcards,
    such as privacy's "every table" or maintain's, name no dataset)."""
    inputs = tuple(d for entry in spec.reads for d in _entry_datasets(settings, entry, day))
    outputs = tuple(d for entry in spec.writes for d in _entry_datasets(settings, entry, day))
    return inputs, outputs


def openlineage_dataset(item: LineageDataset):
    """The OpenLineage client's dataset; a published table carries its catalog name as a symlink."""
    from openlineage.client.event_v2 import Dataset
    from openlineage.client.facet_v2 import symlinks_dataset

    facets = {}
    if item.catalog_name is not None:
        identifier = symlinks_dataset.Identifier(
            namespace=item.namespace, name=item.catalog_name, type=CATALOG_SYMLINK_TYPE
        )
        facets["symlinks"] = symlinks_dataset.SymlinksDatasetFacet(identifiers=[identifier])
    return Dataset(namespace=item.namespace, name=item.name, facets=facets)


class StageOperator(PythonOperator):
    """A stage's task (a PythonOperator that asks the warm Spark to run the stage), which tells the
    OpenLineage provider the datasets of its stage for its night: the provider calls this when the task
    starts, with `op_kwargs` rendered (`day` is the logical date), and uses it for the COMPLETE event too."""

    def get_openlineage_facets_on_start(self):
        from airflow.providers.openlineage.extractors import OperatorLineage

        from wkw.config import load_settings
        from wkw.pipeline import stage

        inputs, outputs = stage_datasets(
            load_settings(), stage(self.op_kwargs["stage"]), self.op_kwargs["day"]
        )
        return OperatorLineage(
            inputs=[openlineage_dataset(d) for d in inputs],
            outputs=[openlineage_dataset(d) for d in outputs],
        )


def transport_config(settings: Settings, environ: dict[str, str]) -> dict:
    """The OpenLineage transport of `[lineage]`: the file (appended, one event a line), or the HTTP
    endpoint with the API key from the variable `api_key_env` names (when it is set)."""
    lineage = settings.lineage
    if lineage.transport == FILE_TRANSPORT:
        return {"type": "file", "log_file_path": lineage.file, "append": True}
    transport = {"type": "http", "url": lineage.url, "endpoint": lineage.endpoint}
    key = environ.get(lineage.api_key_env, "") if lineage.api_key_env else ""
    if key:
        transport["auth"] = {"type": "api_key", "apiKey": key}
    return transport


def openlineage_env(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The Airflow settings ([openlineage] as environment variables) that make the provider emit as
    `[lineage]` says; with the file transport, the events file's folder is created (the client does not)."""
    environ = dict(os.environ if environ is None else environ)
    if not settings.lineage.enabled:
        return {DISABLED_VAR: "true"}
    transport = transport_config(settings, environ)
    if transport["type"] == FILE_TRANSPORT:
        Path(transport["log_file_path"]).parent.mkdir(parents=True, exist_ok=True)
    return {TRANSPORT_VAR: json.dumps(transport), NAMESPACE_VAR: settings.lineage.namespace}


def read_events(path: str | os.PathLike) -> list[dict]:
    """The events of a file transport's file, oldest first."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def night_events(events: Iterable[dict], dag_id: str, day: str) -> list[dict]:
    """The task events of one DAG's runs for the logical date `day` (YYYY-MM-DD)."""
    chosen = []
    for event in events:
        dag_run = event.get("run", {}).get("facets", {}).get("airflow", {}).get("dagRun", {})
        if dag_run.get("dag_id") == dag_id and str(dag_run.get("logical_date", "")).startswith(day):
            chosen.append(event)
    return chosen


def lineage_edges(events: Iterable[dict]) -> set[tuple[str, str, str]]:
    """(input dataset, job, output dataset) of every completed task: the graph a lineage tool draws;
    datasets as `namespace:name`."""
    edges = set()
    for event in events:
        if event.get("eventType") != "COMPLETE":
            continue
        for source in event.get("inputs", []):
            for target in event.get("outputs", []):
                edge = (f"{source['namespace']}:{source['name']}", event["job"]["name"])
                edges.add((*edge, f"{target['namespace']}:{target['name']}"))
    return edges
