"""Split an mbox file into its messages, for the mail parser to read their headers.

Pure Python, so a Spark stage can call it per file in `mapPartitions` and hand each message to
`wkw.parsing.mail.parse_rfc5322(message, source_file, position)`. A message starts at each RFC 4155
`From_` line: `From `, the sender, then a date with a time and a year (`From bob@x Thu Nov 19 16:45:00
2026`), a looser form of mutt's check; body lines quoted as `>From `, and unquoted ones that are plain prose
("From what I hear..."), do not split. Bodies are passed on untouched and never decoded. Whatever stands
before the first `From_` line (or a whole file without one) is passed on as position 1, so the mail
parser quarantines it rather than losing it; a file of only whitespace holds no message.

    from wkw.parsing.mbox import iter_mbox
    for line_number, message in iter_mbox(path.read_bytes()):
        result = parse_rfc5322(message, str(path), line_number)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from wkw.parsing.headers import without_bom

LEADING_POSITION = 1  # what stands before the first separator is reported at the first line

_SEPARATOR_RE = re.compile(rb"^From \S+[ \t][^\n]*?\d{1,2}:\d{2}[^\n]*?\d{4}[^\n]*(?:\n|\Z)", re.MULTILINE)


def iter_mbox(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(1-based line number of each message's `From ` line, the message without that line), in order."""
    data = without_bom(data)
    if not data.strip():
        return
    line_number, counted_to = 1, 0
    previous: tuple[int, int] | None = None  # (line number, offset where its message starts)
    for separator in _SEPARATOR_RE.finditer(data):
        line_number += data.count(b"\n", counted_to, separator.start())
        counted_to = separator.start()
        if previous is not None:
            yield previous[0], data[previous[1] : separator.start()]
        elif data[: separator.start()].strip():
            yield LEADING_POSITION, data[: separator.start()]
        previous = (line_number, separator.end())
    if previous is None:
        yield LEADING_POSITION, data
    else:
        yield previous[0], data[previous[1] :]
