"""Split an mbox file into its messages, for the mail parser to read their headers.

Pure Python, so a Spark stage can call it per file in `mapPartitions` and hand each message to
`wkw.parsing.mail.parse_rfc5322(message, source_file, position)`. A message starts at each RFC 4155
`From_` line: `From `, the sender, then a date with a time and a year (`From bob@x Thu Nov 19 16:45:00
2026`), a looser form of mutt's check; body lines quoted as `>From `, and unquoted ones that are plain prose
("From what I hear..."), do not split. Bodies are passed on untouched and never decoded. Whatever stands
before the first `From_` line (or a whole file without one) is passed on as position 1, so the mail
parser quarantines it rather than losing it; a file of only whitespace holds no message.

The file is read as a stream, a chunk at a time (`iter_mbox_stream`): a message over the record limit is
passed on as its size only (never held whole), and the messages after it are read as usual. A line longer
than SEPARATOR_MAX_BYTES is never a separator.

    from wkw.parsing.mbox import iter_mbox_stream
    with open(path, "rb") as handle:
        for line_number, message, size in iter_mbox_stream(handle, max_bytes):
            result = parse_rfc5322(message, str(path), line_number)  # message None: over max_bytes
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from wkw.parsing.headers import without_bom

LEADING_POSITION = 1  # what stands before the first separator is reported at the first line
CHUNK_BYTES = 1 << 20
BOM_BYTES = 3  # the first read holds at least a whole UTF-8 BOM
SEPARATOR_MAX_BYTES = 4096  # a longer line is body text, whatever it starts with

_SEPARATOR_RE = re.compile(rb"^From \S+[ \t][^\n]*?\d{1,2}:\d{2}[^\n]*?\d{4}[^\n]*(?:\n|\Z)", re.MULTILINE)


class _Message:
    """The bytes of one message as they stream by: kept up to a limit, then only counted."""

    def __init__(self, position: int, max_bytes: int, leading: bool = True) -> None:
        self.position, self.max_bytes, self.leading = position, max_bytes, leading
        self.parts: list[bytes] = []
        self.size, self.blank = 0, True

    def add(self, data: bytes) -> None:
        self.size += len(data)
        self.blank = self.blank and (not data or data.isspace())
        if self.size <= self.max_bytes:
            self.parts.append(data)
        else:
            self.parts = []

    def result(self) -> tuple[int, bytes | None, int]:
        return self.position, b"".join(self.parts) if self.size <= self.max_bytes else None, self.size


def iter_mbox(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(1-based line number of each message's `From ` line, the message without that line), in order."""
    for position, message, _ in iter_mbox_stream(io.BytesIO(data), len(data)):
        yield position, message or b""


def iter_mbox_stream(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number of each message's `From ` line, the message or None when over `max_bytes`, its size)."""
    message = _Message(LEADING_POSITION, max_bytes)
    lines_before, carry, in_long_line, first = 0, b"", False, True
    while True:
        chunk = handle.read(max(CHUNK_BYTES, BOM_BYTES) if first else CHUNK_BYTES)
        data, carry = carry + (without_bom(chunk) if first else chunk), b""
        first = False
        if in_long_line:  # the rest of a line too long to be a separator is body text
            cut = data.find(b"\n") + 1
            if cut == 0 and chunk:
                message.add(data)
                continue
            cut = cut or len(data)
            message.add(data[:cut])
            lines_before += data.count(b"\n", 0, cut)
            data, in_long_line = data[cut:], False
        whole = data.rfind(b"\n") + 1 if chunk else len(data)
        region, carry = data[:whole], data[whole:]
        begin = counted = 0
        for separator in _SEPARATOR_RE.finditer(region):
            message.add(region[begin : separator.start()])
            lines_before += region.count(b"\n", counted, separator.start())
            counted = separator.start()
            yield from _finished(message)
            message, begin = _Message(lines_before + 1, max_bytes, leading=False), separator.end()
        message.add(region[begin:])
        lines_before += region.count(b"\n", counted)
        if len(carry) > SEPARATOR_MAX_BYTES:
            message.add(carry)
            carry, in_long_line = b"", True
        if not chunk:
            yield from _finished(message)
            return


def _finished(message: _Message) -> Iterator[tuple[int, bytes | None, int]]:
    """What stands before the first separator is a message only when it is more than white space."""
    if not (message.leading and message.blank):
        yield message.result()
