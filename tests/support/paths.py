"""Where the tests find their files: the small inputs under tests/data, and the real Enron files in
`../shared/data/enron` beside the repository (WKW_ENRON_DIR overrides it)."""

from __future__ import annotations

import os
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
DATA = TESTS_DIR / "data"
ENRON_DIR = Path(os.environ.get("WKW_ENRON_DIR", TESTS_DIR.parents[1] / "shared" / "data" / "enron"))
