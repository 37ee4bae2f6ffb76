""".NET encoding names, as ADF's ``encodingName`` takes them, and the Python codecs that read them.

ADF lists .NET names (``UTF-16``, ``IBM00858``, ``WINDOWS-1252``, ``SHIFT-JIS`` ...). Python's
codec registry knows most of them under the same or a close name; the rest follow two patterns
(``IBMnnnnn`` and ``WINDOWS-nnnn`` are Python's ``cpnnn``). A name neither knows is refused.
"""

from __future__ import annotations

import codecs
import re

DEFAULT_ENCODING = "UTF-8"

# .NET names whose Python codec has a different name. "UTF-16" and "UTF-32" are .NET's
# little-endian encodings: Python's utf-16/utf-32 read a byte order mark when there is one and
# write one, as .NET's StreamWriter does for them.
_DOTNET_NAMES = {
    "UTF-8 WITHOUT BOM": "utf-8",  # the Json dataset's spelling of plain UTF-8
    "US-ASCII": "ascii",
    "UNICODE": "utf-16",
    "UNICODEFFFE": "utf-16-be",
}
_CODE_PAGE = re.compile(r"(?:IBM|WINDOWS-|CP)0*(\d+)")


def python_codec(encoding_name: str) -> str | None:
    """The Python codec for an ADF ``encodingName``, or ``None`` when there is none."""
    key = encoding_name.strip().upper()
    candidates = [_DOTNET_NAMES.get(key, key)]
    code_page = _CODE_PAGE.fullmatch(key)
    if code_page:
        candidates.append(f"cp{code_page.group(1)}")
    for candidate in candidates:
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None
