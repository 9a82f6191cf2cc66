"""Directory frames as the ranking and the checks take them (wkw.privacy.rules.colleagues_on adds
`withheld_reason`), for tests whose tiny directories carry only the opt-out flag."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from wkw.privacy.rules import OPT_OUT


def opted_out_only(directory: DataFrame) -> DataFrame:
    """`directory` with `withheld_reason` from its `opted_out` flag alone (no region or exclusion rule)."""
    return directory.withColumn("withheld_reason", F.when(F.col("opted_out"), F.lit(OPT_OUT)))
