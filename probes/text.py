"""Text from servers is untrusted: make it safe to put on a terminal.

A queue, vhost, node, pool, member or link name is whatever a client chose. Written raw, an ANSI
escape in it can retitle the terminal, clear the screen or (with a carriage return) overwrite a
``check`` line with "OK - all fine". ``printable()`` shows every control character escaped
(``\\x1b``, ``\\r``, ``\\u202e``) instead: C0 and C1 controls, DEL, line/paragraph separators and
the bidirectional overrides that reorder what the eye reads. Nothing else changes, so ordinary
names (also non-ASCII ones) print as they are. Markup is a separate matter: the console renders
names as plain ``Text``, never as Rich markup.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\u2028\u2029{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text with every terminal control character shown escaped (one line)."""
    text = value if isinstance(value, str) else str(value)
    if _UNSAFE.search(text) is None:  # the common case: nothing to do, no copy
        return text
    return _UNSAFE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Several lines: each made printable, the newlines between them kept."""
    return "\n".join(printable(line) for line in text.split("\n"))
