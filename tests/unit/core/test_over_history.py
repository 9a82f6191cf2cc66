"""wkw.lake.over_history: a computation over all history starts its shuffles from `history_partitions`
(coalesced by adaptive execution); a night's work, and the session after, keep the usual setting."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from wkw.config_sections import ConfigError
from wkw.lake import INITIAL_PARTITIONS, over_history


def shuffle_partitions_before_coalescing(spark) -> int:
    """Partitions of a grouped result when adaptive execution (on here, as in production; the suite's
    session runs without it) may coalesce only empty partitions (every partition of 1,000 keys is bigger
    than a byte): what the shuffle started from."""
    changed = {
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": "1b",
        "spark.sql.adaptive.coalescePartitions.minPartitionSize": "1b",
    }
    before = {key: spark.conf.get(key, None) for key in changed}
    for key, value in changed.items():
        spark.conf.set(key, value)
    try:
        grouped = spark.range(1000).groupBy((F.col("id") * 7 % 1000).alias("k")).count()
        return grouped.rdd.getNumPartitions()
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def test_full_work_starts_from_the_history_partitions_and_the_setting_is_restored(spark, settings):
    wide = settings.with_conf("spark", history_partitions=12)
    usual = shuffle_partitions_before_coalescing(spark)
    assert spark.conf.get(INITIAL_PARTITIONS, None) is None
    with over_history(spark, wide):
        assert shuffle_partitions_before_coalescing(spark) == 12
    assert spark.conf.get(INITIAL_PARTITIONS, None) is None
    assert shuffle_partitions_before_coalescing(spark) == usual != 12


def test_a_night_keeps_the_usual_partitions_and_a_set_value_survives(spark, settings):
    spark.conf.set(INITIAL_PARTITIONS, "5")
    try:
        with over_history(spark, settings, full=False):
            assert shuffle_partitions_before_coalescing(spark) == 5
        with over_history(spark, settings):
            assert shuffle_partitions_before_coalescing(spark) == settings.spark.history_partitions == 64
        assert spark.conf.get(INITIAL_PARTITIONS) == "5"
    finally:
        spark.conf.unset(INITIAL_PARTITIONS)


def test_history_partitions_refuses_zero(settings):
    with pytest.raises(ConfigError, match=r"\[spark\] history_partitions must be a whole number at least 1"):
        settings.with_conf("spark", history_partitions=0)
