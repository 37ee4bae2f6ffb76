"""Compression codecs of the text formats (DelimitedText, Json): names, file extensions, levels.

gzip, bzip2 and zstd are read by Arrow's C++ decompressing streams; ``deflate`` is raw deflate
(RFC 1951, what .NET's DeflateStream writes) and goes through zlib. Writing goes through zlib,
bz2 and Arrow's zstd codec one chunk at a time, all in C: Arrow's compressing stream takes no
level, and ``compressionLevel`` (Optimal/Fastest) must be honoured. zstd is written as a
sequence of frames, one per chunk of at least 4 MiB, which every zstd reader reads as one stream.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import text_codec_problem

_EXTENSIONS = {"gzip": ".gz", "bzip2": ".bz2", "deflate": ".deflate", "zstd": ".zst"}
_ARROW_NAMES = {"gzip": "gzip", "bzip2": "bz2", "zstd": "zstd"}
# (Fastest, Optimal): .NET's Optimal is zlib's default level; bzip2 and zstd use their own defaults.
_LEVELS = {"gzip": (1, 6), "deflate": (1, 6), "bzip2": (1, 9), "zstd": (1, 3)}
_ZSTD_FRAME_BYTES = 4 << 20


class Compressor(Protocol):
    def compress(self, data: bytes, /) -> bytes: ...

    def flush(self) -> bytes: ...


@dataclass(frozen=True)
class Compression:
    """A text format's codec (``gzip``, ``bzip2``, ``deflate``, ``zstd``) and ``compressionLevel``."""

    codec: str
    fastest: bool = False

    @classmethod
    def parse(cls, codec: object, level: object, *, property_path: str) -> Compression | None:
        """The evaluated codec and level properties; None for no compression."""
        name = str(codec or "").strip().lower()
        if name in {"", "none"}:
            return None
        if (problem := text_codec_problem(name)) is not None:
            raise DefinitionError(problem, property_path=property_path)
        return cls(name, fastest=str(level or "").strip().lower() == "fastest")

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.codec]

    @property
    def level(self) -> int:
        fastest, optimal = _LEVELS[self.codec]
        return fastest if self.fastest else optimal

    def decompressing(self, raw: pa.NativeFile) -> pa.NativeFile | None:
        """An Arrow stream of ``raw`` decompressed, or None for raw deflate (see ``inflate``)."""
        arrow_name = _ARROW_NAMES.get(self.codec)
        return None if arrow_name is None else pa.CompressedInputStream(raw, arrow_name)

    def compressor(self) -> Compressor:
        if self.codec == "gzip":
            return zlib.compressobj(self.level, zlib.DEFLATED, 31)
        if self.codec == "deflate":
            return zlib.compressobj(self.level, zlib.DEFLATED, -15)
        if self.codec == "bzip2":
            return bz2.BZ2Compressor(self.level)
        return _ZstdFrames(self.level)


def inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Raw deflate chunks, decompressed."""
    decompressor = zlib.decompressobj(-15)
    for chunk in chunks:
        yield decompressor.decompress(chunk)
    yield decompressor.flush()


class _ZstdFrames:
    def __init__(self, level: int) -> None:
        self._codec = pa.Codec("zstd", compression_level=level)
        self._pending: list[bytes] = []
        self._pending_size = 0

    def compress(self, data: bytes, /) -> bytes:
        self._pending.append(bytes(data))
        self._pending_size += len(data)
        return self.flush() if self._pending_size >= _ZSTD_FRAME_BYTES else b""

    def flush(self) -> bytes:
        if not self._pending_size:
            return b""
        frame: bytes = self._codec.compress(b"".join(self._pending), asbytes=True)
        self._pending, self._pending_size = [], 0
        return frame
