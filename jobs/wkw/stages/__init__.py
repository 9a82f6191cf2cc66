"""The nightly stages, one module each, run by the DAG through spark-submit (`python -m` works too)."""
