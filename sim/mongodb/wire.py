"""MongoDB wire-protocol framing: the 16-byte header, OP_MSG (2013) and the legacy OP_QUERY
(2004) / OP_REPLY (1) pair, with documents encoded by pymongo's ``bson`` package.

Why: pymongo 4.x sends every command, handshake included, as OP_MSG; older drivers and tools
open with an OP_QUERY ``isMaster``. OP_COMPRESSED (2012) is never advertised, so a client
never sends it; ``read_message`` reports any other opcode and the server hangs up, as mongod does.
"""

from __future__ import annotations

import asyncio
import itertools
import struct
from dataclasses import dataclass, field

import bson
from bson.codec_options import CodecOptions

OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013

CHECKSUM_PRESENT = 1
MORE_TO_COME = 2
EXHAUST_ALLOWED = 1 << 16
QUERY_SECONDARY_OK = 4
MAX_MESSAGE_SIZE = 48_000_000

_HEADER = struct.Struct("<iiii")
_CODEC = CodecOptions(tz_aware=True)
_request_ids = itertools.count(1)


class ProtocolError(Exception):
    """The peer sent something a server would hang up on (bad size, unknown opcode)."""


@dataclass
class Request:
    """One decoded request: the command document with OP_MSG document sequences merged in."""

    request_id: int
    opcode: int
    command: dict
    database: str
    more_to_come: bool = False
    secondary_ok: bool = False
    sequences: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return next(iter(self.command), "")


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("utf-8"), end + 1


def parse_op_msg(request_id: int, payload: bytes) -> Request:
    (flags,) = struct.unpack_from("<I", payload, 0)
    end = len(payload) - (4 if flags & CHECKSUM_PRESENT else 0)
    pos, body, sequences = 4, None, {}
    while pos < end:
        kind = payload[pos]
        pos += 1
        (size,) = struct.unpack_from("<i", payload, pos)
        if kind == 0:
            body = bson.decode(payload[pos:pos + size], _CODEC)
        elif kind == 1:
            ident, docs_at = _cstring(payload, pos + 4)
            sequences[ident] = bson.decode_all(payload[docs_at:pos + size], _CODEC)
        else:
            raise ProtocolError(f"unknown OP_MSG section kind {kind}")
        pos += size
    if body is None:
        raise ProtocolError("OP_MSG without a body section")
    command = dict(body)
    for ident, docs in sequences.items():
        command.setdefault(ident, docs)
    return Request(request_id, OP_MSG, command, str(body.get("$db", "admin")),
                   more_to_come=bool(flags & MORE_TO_COME), sequences=sequences)


def parse_op_query(request_id: int, payload: bytes) -> Request:
    (flags,) = struct.unpack_from("<i", payload, 0)
    collection, pos = _cstring(payload, 4)
    pos += 8  # numberToSkip, numberToReturn
    (size,) = struct.unpack_from("<i", payload, pos)
    query = bson.decode(payload[pos:pos + size], _CODEC)
    if "$query" in query:  # a wrapped command ({$query: {...}, $readPreference: ...})
        query = dict(query["$query"])
    database = collection.split(".", 1)[0]
    return Request(request_id, OP_QUERY, dict(query), database,
                   secondary_ok=bool(flags & QUERY_SECONDARY_OK))


async def read_message(reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
    """Read one message; returns (request_id, opcode, payload after the header)."""
    header = await reader.readexactly(16)
    length, request_id, _response_to, opcode = _HEADER.unpack(header)
    if length < 16 or length > MAX_MESSAGE_SIZE:
        raise ProtocolError(f"message length {length} out of range")
    return request_id, opcode, await reader.readexactly(length - 16)


def decode(request_id: int, opcode: int, payload: bytes) -> Request:
    if opcode == OP_MSG:
        return parse_op_msg(request_id, payload)
    if opcode == OP_QUERY:
        return parse_op_query(request_id, payload)
    raise ProtocolError(f"unsupported opcode {opcode}")


def encode_reply(request: Request, doc: dict) -> bytes:
    """The reply to ``request``: OP_MSG for OP_MSG, OP_REPLY for OP_QUERY."""
    body = bson.encode(doc, codec_options=_CODEC)
    if request.opcode == OP_MSG:
        payload = struct.pack("<I", 0) + b"\x00" + body
        opcode = OP_MSG
    else:
        payload = struct.pack("<iqii", 8, 0, 0, 1) + body  # AwaitCapable, cursor 0, from 0, 1 doc
        opcode = OP_REPLY
    header = _HEADER.pack(16 + len(payload), next(_request_ids), request.request_id, opcode)
    return header + payload


def encode_op_msg(command: dict, request_id: int | None = None) -> bytes:
    """An OP_MSG request (used by tests that speak the protocol by hand)."""
    payload = struct.pack("<I", 0) + b"\x00" + bson.encode(command, codec_options=_CODEC)
    rid = next(_request_ids) if request_id is None else request_id
    return _HEADER.pack(16 + len(payload), rid, 0, OP_MSG) + payload


def encode_op_query(collection: str, query: dict, flags: int = 0) -> bytes:
    """A legacy OP_QUERY request such as the ``admin.$cmd`` ``isMaster`` of an old driver."""
    payload = (struct.pack("<i", flags) + collection.encode() + b"\x00"
               + struct.pack("<ii", 0, -1) + bson.encode(query, codec_options=_CODEC))
    return _HEADER.pack(16 + len(payload), next(_request_ids), 0, OP_QUERY) + payload


def decode_reply(opcode: int, payload: bytes) -> dict:
    """The document of an OP_MSG or OP_REPLY reply (for hand-rolled test clients)."""
    if opcode == OP_MSG:
        return parse_op_msg(0, payload).command
    if opcode == OP_REPLY:
        return bson.decode(payload[20:], _CODEC)
    raise ProtocolError(f"unexpected reply opcode {opcode}")
