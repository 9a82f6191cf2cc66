"""Great Expectations 1.x gate: the suites in expectations/ run against staged DataFrames.

Validation definitions and the checkpoint are built in code on an ephemeral context; the DataFrame goes
in through `batch_parameters`, thresholds through `$PARAMETER`s; Data Docs (HTML) are written for every
run, pass or fail, and open offline (wkw.checks.docs_site); for a lake on a URI they are built in a local
temporary folder and copied there.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass

from pyspark.sql import DataFrame

from wkw.config import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DATA_SOURCE = "wkw_staged"
DOCS_SITE = "wkw_reports"


@dataclass(frozen=True)
class Failure:
    table: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.table}: {self.check} ({self.detail})"


def load_suite(name: str):
    import great_expectations as gx

    with open(EXPECTATIONS_DIR / f"{name}.json", encoding="utf-8") as fh:
        spec = json.load(fh)
    return gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta"))


def _describe(result) -> list[Failure]:
    failures = []
    for validation in result.run_results.values():
        table = validation.suite_name
        for outcome in validation.results:
            if outcome.success:
                continue
            config = outcome.expectation_config
            kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
            observed = outcome.result.get("unexpected_count", outcome.result.get("observed_value"))
            what = kwargs.get("description") or json.dumps(kwargs, default=str, sort_keys=True)
            failures.append(Failure(table, config.type, f"{what}; unexpected: {observed}"))
    return failures


def validate_tables(
    tables: dict[str, DataFrame], parameters: dict, reports_dir: str | None, run_name: str
) -> tuple[list[Failure], int]:
    """Run each table's suite: (failures, expectations run). Data Docs go to `reports_dir` (a local
    folder or a URI)."""
    from wkw.checks.docs_site import is_uri, upload_site

    if not reports_dir or not is_uri(reports_dir):
        return _validate(tables, parameters, reports_dir, run_name)
    with tempfile.TemporaryDirectory(prefix="wkw-data-docs-") as local_dir:
        outcome = _validate(tables, parameters, local_dir, run_name)
        upload_site(local_dir, reports_dir)
    return outcome


def _validate(
    tables: dict[str, DataFrame], parameters: dict, docs_dir: str | None, run_name: str
) -> tuple[list[Failure], int]:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    from wkw.checks.docs_site import site_config

    context = gx.get_context(mode="ephemeral")
    if docs_dir:
        context.add_data_docs_site(site_name=DOCS_SITE, site_config=site_config(docs_dir))
    source = context.data_sources.add_spark(name=DATA_SOURCE)
    definitions, batch_parameters = [], {}
    for name in sorted(tables):
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(f"{name}_staged")
        suite = context.suites.add(load_suite(name))
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{name}_gate", data=batch, suite=suite)
            )
        )
    failures: list[Failure] = []
    checks_run = 0
    for definition, name in zip(definitions, sorted(tables), strict=True):
        actions = [UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])] if docs_dir else []
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{name}_checkpoint",
                validation_definitions=[definition],
                actions=actions,
                result_format={"result_format": "SUMMARY"},
            )
        )
        batch_parameters = {"dataframe": tables[name]}
        result = checkpoint.run(
            batch_parameters=batch_parameters,
            expectation_parameters=parameters,
            run_id=RunIdentifier(run_name=f"{run_name}-{name}"),
        )
        failures.extend(_describe(result))
        checks_run += sum(len(v.results) for v in result.run_results.values())
    return failures, checks_run
