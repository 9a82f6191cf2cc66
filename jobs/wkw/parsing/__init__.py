"""Parsers that turn raw mail exports into metadata records (no bodies, no subjects)."""
