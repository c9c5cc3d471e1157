"""Refusing PDFs that carry active content: scripts, launch and submit actions, embedded files,
automatic actions, rich media and XFA forms.

The check reads the file's bytes, not its cross-reference table: a parser resolves only the
objects the table points to, and an attacker writes the table, while a viewer that repairs a
damaged file finds every object in it. So every name outside stream data is read (with its
``#xx`` escapes decoded, as a viewer decodes them), and the object streams (``/Type
/ObjStm``), which hold whole objects in compressed form, are decompressed and read the same way.
Other streams (page content, images, fonts) are data: a name inside them is never an action.

This is the approach of Didier Stevens' ``pdfid`` (count the dangerous names in the raw file),
extended to object streams; a full PDF library would have to be trusted to see every object an
attacker can hide, which is the very question asked here.
"""

from __future__ import annotations

import re
import zlib

#: Names that make a viewer run, open, send or play something (PDF 2.0, ISO 32000-2 §12.6 and
#: §12.7); a PDF naming any of them outside stream data is refused.
ACTIVE_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"Launch",
        b"AA",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"FileAttachment",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
        b"GoToR",
        b"Sound",
        b"Movie",
        b"Rendition",
    }
)

#: Object streams are decompressed up to this many bytes in all (a zip bomb is refused).
MAX_INFLATED = 32 * 1024 * 1024
MAX_DEPTH = 2

_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /\[\]()<>{}%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_END_STREAM = b"endstream"
_DICT_START = b"<<"


class PdfActiveContent(Exception):
    """The PDF names an action or an embedded file (``name`` is the first one found)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class PdfUnreadable(Exception):
    """An object stream could not be decompressed, so what it holds cannot be checked."""


def _unescape(name: bytes) -> bytes:
    return _ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), name)


def _names(segment: bytes) -> set[bytes]:
    return {_unescape(match.group(1)) for match in _NAME.finditer(segment)}


def _stream_dictionary(before: bytes) -> bytes:
    """The dictionary written just before a ``stream`` keyword: from the last ``obj`` keyword
    (or the start) to the keyword."""
    start = max(before.rfind(b"obj"), 0)
    return before[start:]


def _is_object_stream(names: set[bytes]) -> bool:
    # By its type, or by the keys only an object stream has (a viewer that repairs a file may
    # read it as one whatever its /Type says).
    return b"ObjStm" in names or {b"N", b"First"} <= names


def _filters(dictionary: bytes) -> list[bytes]:
    match = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)", _decode_names(dictionary))
    if not match:
        return []
    return [name for name in re.findall(rb"/([^\s/\[\]<>()]+)", match.group(1))]


def _decode_names(segment: bytes) -> bytes:
    return _NAME.sub(lambda match: b"/" + _unescape(match.group(1)), segment)


def _inflate(data: bytes, filters: list[bytes], budget: list[int]) -> bytes:
    for name in filters:
        if name not in (b"FlateDecode", b"Fl"):
            raise PdfUnreadable(name.decode("latin-1"))
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(data, budget[0] + 1)
        except zlib.error as exc:
            raise PdfUnreadable("FlateDecode") from exc
        if len(data) > budget[0] or inflater.unconsumed_tail:
            raise PdfUnreadable("too large")
        budget[0] -= len(data)
    return data


def _scan(data: bytes, depth: int, budget: list[int]) -> None:
    position = 0
    while True:
        match = _STREAM.search(data, position)
        # "endstream" also matches "stream": only the keyword opening a stream counts.
        while match and data[max(match.start() - 3, 0) : match.start()] == b"end":
            match = _STREAM.search(data, match.end())
        outside = data[position : match.start() if match else len(data)]
        found = _names(outside) & ACTIVE_NAMES
        if found:
            raise PdfActiveContent(sorted(found)[0].decode("latin-1"))
        if not match:
            return
        # The stream's data ends at the first "endstream" after it: never skip further than that
        # on the word of /Length, so no object can hide behind a stream that claims to be longer.
        end = data.find(_END_STREAM, match.end())
        end = len(data) if end < 0 else end
        dictionary = _stream_dictionary(data[position : match.start()])
        if _is_object_stream(_names(dictionary)):
            if depth >= MAX_DEPTH:
                raise PdfUnreadable("nested object streams")
            body = data[match.end() : end]
            _scan(_inflate(body, _filters(dictionary), budget), depth + 1, budget)
        position = end + len(_END_STREAM)


def check_pdf(data: bytes) -> None:
    """Raise ``PdfActiveContent`` when ``data`` names an action or an embedded file outside
    stream data (object streams included), ``PdfUnreadable`` when an object stream cannot be
    decompressed to be checked."""
    _scan(data, 0, [MAX_INFLATED])
