"""Byte streams of text files: decompression, transcoding to and from UTF-8, byte counting.

Arrow's parsers read UTF-8. A file that needs nothing else (UTF-8, no codec or one Arrow reads)
is handed to them as an Arrow stream: the bytes never enter Python. Otherwise the bytes go
through a chain of Python generators, one call per chunk of a megabyte, each stage a C routine
(zlib, a Python codec's incremental decoder, ``bytes.translate``): raw deflate, transcoding,
a UTF-8 byte order mark, a row delimiter the parser does not know, and ``skipLineCount``.

``bytes_read`` counts bytes taken from disk (compressed), ``bytes_written`` bytes put on disk.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from pgfactory.connectors.files.compression import Compression, inflate
from pgfactory.connectors.files.format_base import FileReader

UTF8 = "utf-8"
_CHUNK_BYTES = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_LINE = re.compile(rb"([^\r\n]*)(\r\n|\r|\n)")


class TextInput:
    """A text file as UTF-8 bytes for a parser (``stream``), and the bytes read from disk so far."""

    def __init__(
        self,
        path: Path,
        *,
        compression: Compression | None,
        encoding: str = UTF8,
        skip_lines: int = 0,
        swap_newline_with: str | None = None,
    ) -> None:
        self.path = path
        self._raw = pa.OSFile(str(path), "r")
        self._final_bytes: int | None = None
        decompressed = self._raw if compression is None else compression.decompressing(self._raw)
        if decompressed is not None and encoding == UTF8 and not skip_lines and swap_newline_with is None:
            self.stream: pa.NativeFile | BinaryIO = decompressed
            return
        chunks = _chunks(decompressed.read if decompressed is not None else self._raw.read)
        if decompressed is None:
            chunks = inflate(chunks)
        if encoding != UTF8:
            chunks = _transcode(chunks, encoding)
        chunks = _without_bom(chunks)
        if swap_newline_with is not None:
            table = bytes.maketrans(b"\n" + swap_newline_with.encode(), swap_newline_with.encode() + b"\n")
            chunks = (chunk.translate(table) for chunk in chunks)
        if skip_lines:
            chunks = _skip_lines(chunks, skip_lines)
        self.stream = io.BufferedReader(_ChunkReader(chunks), buffer_size=_CHUNK_BYTES)

    @property
    def bytes_read(self) -> int:
        return self._final_bytes if self._final_bytes is not None else int(self._raw.tell())

    def close(self) -> None:
        if self._final_bytes is None:
            self._final_bytes = int(self._raw.tell())
            self._raw.close()


class TextOutput:
    """Writes UTF-8 text to ``path`` in ``encoding``, compressed by ``compression``."""

    def __init__(self, path: Path, *, compression: Compression | None, encoding: str = UTF8) -> None:
        self._file = path.open("wb")
        self.bytes_written = 0
        self._compressor = compression.compressor() if compression is not None else None
        self._transcode: Callable[[Any], bytes] | None = None
        if encoding != UTF8:
            decoder = codecs.getincrementaldecoder(UTF8)()
            encoder = codecs.getincrementalencoder(encoding)()
            self._transcode = lambda data: encoder.encode(decoder.decode(data))

    def write(self, data: Any) -> None:
        """``data``: UTF-8 bytes or any buffer of them (an Arrow buffer is written without a copy)."""
        if self._transcode is not None:
            data = self._transcode(data)
        if self._compressor is not None:
            data = self._compressor.compress(data)
        self._write_raw(data)

    def close(self) -> None:
        if self._compressor is not None:
            self._write_raw(self._compressor.flush())
        self._file.close()

    def _write_raw(self, data: Any) -> None:
        if len(data):
            self._file.write(data)
            self.bytes_written += memoryview(data).nbytes


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _chunks(read: Callable[[int], bytes]) -> Iterator[bytes]:
    while chunk := read(_CHUNK_BYTES):
        yield bytes(chunk)


def _transcode(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)()
    for chunk in chunks:
        yield decoder.decode(chunk).encode(UTF8)
    yield decoder.decode(b"", final=True).encode(UTF8)


def _without_bom(chunks: Iterator[bytes]) -> Iterator[bytes]:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= len(_UTF8_BOM):
            break
    yield head.removeprefix(_UTF8_BOM)
    yield from chunks


def _skip_lines(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """Drop the first ``count`` non-empty lines (empty lines on the way are dropped, not counted)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        while count and (line := _LINE.match(pending)) is not None:
            if line.end() == len(pending) and line.group(2) == b"\r":
                break  # a \n may follow in the next chunk
            count -= 1 if line.group(1) else 0
            pending = pending[line.end():]
        if not count:
            yield pending
            yield from chunks
            return
    # The stream ended while still skipping: what is left is part of the lines to skip.


class TextFileReader(FileReader):
    """A reader of a text file (delimited text, JSON) through a :class:`TextInput` opened on demand."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._input: TextInput | None = None
        self._schema = pa.schema([])

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def bytes_read(self) -> int:
        return self._input.bytes_read if self._input is not None else self.path.stat().st_size

    def close(self) -> None:
        if self._input is not None:
            self._input.close()
