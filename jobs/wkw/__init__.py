"""Who Knows Whom: who in the company knows this lead, computed nightly on Spark and Delta Lake."""

__version__ = "0.1.0"
