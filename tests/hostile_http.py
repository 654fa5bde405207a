"""A deliberately hostile HTTP/1.1 server on a real socket, for testing clients' limits.

    async with HostileServer() as server:
        await bounded_request(client, "GET", server.url("/trickle-headers"), ...)

Each path (see ``ROUTES``) is one behaviour: silence, trickling, a gzip bomb, endless bodies, lies
in headers, encodings nobody asked for, a reply cut off, a non-HTTP answer, and a few well-behaved
replies for contrast. One request per connection (every reply closes it). ``server.requests``
keeps each request's method, path and headers (lower-case names) for assertions.
"""

from __future__ import annotations

import asyncio
import functools
import json
import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

TRICKLE_SECONDS = 0.2
"""Pause between the bytes of the trickling routes."""

JSON_BODY = {"cluster_name": "rabbit@ctl1", "queue_totals": {"messages": 12}, "ok": True}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[asyncio.StreamWriter, Request], Awaitable[None]]


class HostileServer:
    """Serves ``ROUTES`` on 127.0.0.1 (an ephemeral port) until the ``async with`` ends."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    def url(self, path: str, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request = _parse(head)
            await reader.readexactly(int(request.headers.get("content-length", "0")))
            self.requests.append(request)
            handler = ROUTES.get(request.path.split("?")[0], not_found)
            await handler(writer, request)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client gave up, as it should
        except asyncio.CancelledError:
            pass  # __aexit__ ends the handlers still trickling or silent (asyncio logs cancelled ones)
        finally:
            writer.close()
            self._tasks.discard(task)


def _parse(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


def head_bytes(status: int, headers: list[tuple[str, str | int]], reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers), "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


async def reply(writer: asyncio.StreamWriter, status: int, body: bytes = b"", *extra: tuple[str, str]) -> None:
    headers = [("Content-Type", "application/json"), ("Content-Length", len(body)), *extra]
    await send(writer, head_bytes(status, headers) + body)


# -- payloads ----------------------------------------------------------------------------------
def gzip_bytes(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@functools.cache
def gzip_bomb(mebibytes: int = 1024) -> bytes:
    """A valid gzip stream of ``mebibytes`` MiB of zeros, about 1 KiB per MiB (~0.2 s to build).

    Each MiB is deflated after a full flush, so every segment's output is identical: compress
    one, repeat it, end the stream and write the real CRC-32 and length.
    """
    mib = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)
    return header + segment * mebibytes + end + trailer


# -- routes ------------------------------------------------------------------------------------
async def not_found(writer, request):
    await reply(writer, 404, b'{"error":"Object Not Found","reason":"Not Found"}')


async def silent(writer, request):
    """Accept, read the request, never answer."""
    await asyncio.sleep(3600)


async def trickle_headers(writer, request):
    """The status line and headers one byte every TRICKLE_SECONDS (each read resets httpx's timeout)."""
    for byte in head_bytes(200, [("Content-Length", 2)]):
        await send(writer, bytes([byte]))
        await asyncio.sleep(TRICKLE_SECONDS)


async def trickle_body(writer, request):
    """Headers at once, then a 1000-byte body one byte every TRICKLE_SECONDS."""
    await send(writer, head_bytes(200, [("Content-Length", 1000)]))
    for _ in range(1000):
        await send(writer, b" ")
        await asyncio.sleep(TRICKLE_SECONDS)


async def bomb(writer, request):
    """~1 MiB of gzip that inflates to 1 GiB, honestly labelled."""
    body = gzip_bomb()
    await send(writer, head_bytes(200, [("Content-Encoding", "gzip"), ("Content-Length", len(body))]) + body)


async def endless_chunked(writer, request):
    """A chunked body that never ends, as fast as the client reads."""
    await send(writer, head_bytes(200, [("Transfer-Encoding", "chunked")]))
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    while True:
        await send(writer, chunk)


async def endless_close_delimited(writer, request):
    """No length, no chunking: the body runs until the connection closes (never)."""
    await send(writer, head_bytes(200, []))
    block = b"y" * 65536
    while True:
        await send(writer, block)


async def huge_length(writer, request):
    """Announces 10 GB, then sends nothing: a client must refuse on the header alone."""
    await send(writer, head_bytes(200, [("Content-Length", 10**10)]))
    await asyncio.sleep(3600)


async def brotli(writer, request):
    await reply(writer, 200, b"\x8b\x05\x80{\"a\":1}\x03", ("Content-Encoding", "br"))


async def brotli_empty(writer, request):
    await reply(writer, 200, b"", ("Content-Encoding", "br"))


async def not_json(writer, request):
    await reply(writer, 200, b"<html>Service Unavailable</html>")


async def cut_mid_body(writer, request):
    """Promises 100 bytes, sends 10, closes."""
    await send(writer, head_bytes(200, [("Content-Length", 100)]) + b'{"partial"')


async def amqp(writer, request):
    """What RabbitMQ's AMQP port says to an HTTP client."""
    await send(writer, b"AMQP\x00\x00\x09\x01")


async def ssh(writer, request):
    """A whole line that is not an HTTP status line."""
    await send(writer, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n")
    await asyncio.sleep(3600)


async def close_at_once(writer, request):
    """Reads the request and closes without a byte."""


async def plain_json(writer, request):
    await reply(writer, 200, json.dumps(JSON_BODY).encode())


async def gzip_json(writer, request):
    await reply(writer, 200, gzip_bytes(json.dumps(JSON_BODY).encode()), ("Content-Encoding", "gzip"))


async def deflate_json(writer, request):
    await reply(writer, 200, zlib.compress(json.dumps(JSON_BODY).encode()), ("Content-Encoding", "deflate"))


async def raw_deflate_json(writer, request):
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = c.compress(json.dumps(JSON_BODY).encode()) + c.flush()
    await reply(writer, 200, body, ("Content-Encoding", "deflate"))


async def chunked_json(writer, request):
    data = json.dumps(JSON_BODY).encode()
    parts = [data[i:i + 7] for i in range(0, len(data), 7)]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    await send(writer, head_bytes(200, [("Transfer-Encoding", "chunked")]) + body)


async def no_content(writer, request):
    await send(writer, head_bytes(204, [], "No Content"))


async def unavailable(writer, request):
    await reply(writer, 503, b'{"error":"unavailable","reason":"node down"}')


async def redirect(writer, request):
    await reply(writer, 302, b"", ("Location", "/json"))


async def echo(writer, request):
    """The request's headers as gzip JSON (to see what the client asked for)."""
    body = gzip_bytes(json.dumps(request.headers).encode())
    await reply(writer, 200, body, ("Content-Encoding", "gzip"))


async def gzip_truncated(writer, request):
    """Close-delimited gzip that stops half way: only the compressed stream shows the loss."""
    body = gzip_bytes(json.dumps(JSON_BODY).encode() * 50)
    await send(writer, head_bytes(200, [("Content-Encoding", "gzip")]) + body[: len(body) // 2])


async def gzip_corrupt(writer, request):
    body = bytearray(gzip_bytes(json.dumps(JSON_BODY).encode() * 50))
    body[12:40] = b"\xff" * 28
    await reply(writer, 200, bytes(body), ("Content-Encoding", "gzip"))


async def gzip_empty(writer, request):
    """Labelled gzip, but no body at all (some servers label every reply)."""
    await reply(writer, 200, b"", ("Content-Encoding", "gzip"))


async def gzip_then_junk(writer, request):
    """A complete gzip member followed by 256 KiB of junk (ignored, not kept)."""
    body = gzip_bytes(json.dumps(JSON_BODY).encode()) + b"junk" * 65536
    await reply(writer, 200, body, ("Content-Encoding", "gzip"))


def sized(n: int, gzip: bool) -> Handler:
    """A body of exactly ``n`` bytes (gzip-encoded on the wire if asked)."""
    async def handler(writer, request):
        data = b"z" * n
        if gzip:
            await reply(writer, 200, gzip_bytes(data), ("Content-Encoding", "gzip"))
        else:
            await reply(writer, 200, data)
    return handler


ROUTES: dict[str, Handler] = {
    "/silent": silent,
    "/trickle-headers": trickle_headers,
    "/trickle-body": trickle_body,
    "/bomb": bomb,
    "/endless-chunked": endless_chunked,
    "/endless-close": endless_close_delimited,
    "/huge-length": huge_length,
    "/brotli": brotli,
    "/brotli-empty": brotli_empty,
    "/not-json": not_json,
    "/cut": cut_mid_body,
    "/amqp": amqp,
    "/ssh": ssh,
    "/close": close_at_once,
    "/json": plain_json,
    "/gzip-json": gzip_json,
    "/deflate-json": deflate_json,
    "/raw-deflate-json": raw_deflate_json,
    "/chunked-json": chunked_json,
    "/204": no_content,
    "/503": unavailable,
    "/redirect": redirect,
    "/echo": echo,
    "/gzip-truncated": gzip_truncated,
    "/gzip-corrupt": gzip_corrupt,
    "/gzip-junk": gzip_then_junk,
    "/gzip-empty": gzip_empty,
    "/1000": sized(1000, gzip=False),
    "/1001": sized(1001, gzip=False),
    "/gzip-1000": sized(1000, gzip=True),
    "/gzip-1001": sized(1001, gzip=True),
}
