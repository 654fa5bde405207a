"""RESP on the wire: reading a client's commands (multibulk, or inline as ``PING\\r\\n``) and writing
replies in RESP2 or, after ``HELLO 3``, RESP3 (maps, verbatim strings, ``_`` nulls) as Redis 7 does.

Reply values: ``Simple("OK")`` → ``+OK``, ``Error("ERR ...")`` → ``-ERR ...``, int → ``:n``,
str/bytes → a bulk string, None → null, list → array, dict → a map (RESP3) or a flat array (RESP2),
``Verbatim(text)`` → ``=len\\r\\ntxt:...`` (RESP3) or a bulk string (RESP2), as INFO is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

MAX_BULK = 512 * 1024 * 1024
MAX_INLINE = 64 * 1024


class Simple(str):
    """A simple string reply (``+OK``)."""


class Error(str):
    """An error reply, its text as Redis words it, code first (``ERR unknown command ...``)."""


class Verbatim(str):
    """A verbatim text reply (INFO's): ``=`` with a ``txt:`` format in RESP3, bulk in RESP2."""


class ProtocolError(Exception):
    """The client sent something that is not RESP: Redis answers the error and closes."""


async def read_command(reader: asyncio.StreamReader) -> list[bytes] | None:
    """The next command's arguments; None at end of stream; [] for an empty inline line."""
    line = await reader.readline()
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise asyncio.IncompleteReadError(line, None)
    if line[:1] != b"*":
        if len(line) > MAX_INLINE:
            raise ProtocolError("ERR Protocol error: too big inline request")
        return line.strip().split()
    try:
        count = int(line[1:].strip())
    except ValueError:
        raise ProtocolError("ERR Protocol error: invalid multibulk length") from None
    args = []
    for _ in range(max(count, 0)):
        head = await reader.readline()
        if head[:1] != b"$":
            got = head[:1].decode("latin-1") or " "
            raise ProtocolError(f"ERR Protocol error: expected '$', got '{got}'")
        try:
            size = int(head[1:].strip())
        except ValueError:
            raise ProtocolError("ERR Protocol error: invalid bulk length") from None
        if not 0 <= size <= MAX_BULK:
            raise ProtocolError("ERR Protocol error: invalid bulk length")
        data = await reader.readexactly(size + 2)
        args.append(data[:-2])
    return args


def encode(value: Any, proto: int = 2) -> bytes:
    """One reply in RESP ``proto`` (2 or 3)."""
    if isinstance(value, Error):
        return b"-" + value.encode() + b"\r\n"
    if isinstance(value, Simple):
        return b"+" + value.encode() + b"\r\n"
    if isinstance(value, Verbatim):
        data = value.encode()
        if proto >= 3:
            return b"=%d\r\ntxt:%s\r\n" % (len(data) + 4, data)
        return b"$%d\r\n%s\r\n" % (len(data), data)
    if isinstance(value, bool):
        return b":1\r\n" if value else b":0\r\n"
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, (str, bytes)):
        data = value.encode() if isinstance(value, str) else value
        return b"$%d\r\n%s\r\n" % (len(data), data)
    if value is None:
        return b"_\r\n" if proto >= 3 else b"$-1\r\n"
    if isinstance(value, dict):
        body = b"".join(encode(k, proto) + encode(v, proto) for k, v in value.items())
        return (b"%%%d\r\n" % len(value) if proto >= 3 else b"*%d\r\n" % (2 * len(value))) + body
    if isinstance(value, (list, tuple)):
        return b"*%d\r\n" % len(value) + b"".join(encode(v, proto) for v in value)
    raise TypeError(f"no RESP encoding for {type(value).__name__}")
