"""`wkw serve`: the HTTP API and the tile page over the current publication (docs/serve.md)."""
