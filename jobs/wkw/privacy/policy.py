"""The subject hash and the redaction token, free of PySpark (the CLI uses them); the policy itself is
`[privacy]` of the settings (wkw.config.PrivacyPolicy).

Who is withheld (their mail, meetings and calls never analysed, their rows removed everywhere):
- a colleague marked opted out in the directory, everywhere by default, or only in `opt_out_regions`
  when that list is set (["EMEA", "APAC"] reproduces Dynamics 365);
- a colleague in an excluded department or group, or with an excluded address (primary or alias);
- an external person whose erasure request landed under `landing/privacy/<date>/`.
The lake never keeps a withheld address in plain text: the privacy register keeps its SHA-256.
"""

from __future__ import annotations

import hashlib

REDACTED_PREFIX = "redacted:"  # what a withheld recipient of a kept mail or meeting becomes


def subject_hash(address: str) -> str:
    """SHA-256 (hex) of the trimmed, lower-cased address: how the register recognises a person again.

    Not anonymisation (whoever holds an address can test it); it keeps the address itself out of the lake.
    """
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
