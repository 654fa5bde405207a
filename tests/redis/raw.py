"""A raw RESP2/RESP3 connection for tests: send one command, get the exact bytes of one reply.

Why: to hold the simulator to a real redis-server byte for byte (error texts, HELLO's map, INFO's
verbatim string), no client library may reinterpret the replies in between.
"""

from __future__ import annotations

import socket


def command(*args: str | bytes | int) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class RawConn:
    """One TCP connection; ``call(*args)`` → the reply's raw bytes (``b''`` if the server closed)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "RawConn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, *args: str | bytes | int) -> bytes:
        self.sock.sendall(command(*args))
        return self.reply()

    def send_inline(self, line: bytes) -> bytes:
        self.sock.sendall(line)
        return self.reply()

    def reply(self) -> bytes:
        end = self._skip(0)
        if end is None:
            return b""
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw

    def _fill(self, need: int) -> bool:
        while len(self.buf) < need:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def _line(self, pos: int) -> tuple[bytes, int] | None:
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return self.buf[pos:end], end + 2
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def _skip(self, pos: int) -> int | None:
        """Position just past the one reply starting at ``pos``."""
        got = self._line(pos)
        if got is None:
            return None
        line, after = got
        kind, body = line[:1], line[1:]
        if kind in (b"+", b"-", b":", b",", b"#", b"_", b"("):
            return after
        if kind in (b"$", b"=", b"!"):
            n = int(body)
            if n < 0:
                return after
            return after + n + 2 if self._fill(after + n + 2) else None
        if kind in (b"*", b"~", b">", b"%", b"|"):
            n = int(body)
            count = max(n, 0) * (2 if kind in (b"%", b"|") else 1)
            for _ in range(count):
                after = self._skip(after)
                if after is None:
                    return None
            return after
        raise ValueError(f"not RESP: {line[:60]!r}")


def decode(raw: bytes) -> object:
    """One RESP2/RESP3 reply → Python: maps → dict, arrays → list, errors → ``{"error": text}``,
    verbatim strings → their text (format prefix dropped), bulk strings → str."""
    value, _ = _decode(raw, 0)
    return value


def _decode(raw: bytes, pos: int) -> tuple[object, int]:
    end = raw.index(b"\r\n", pos)
    kind, body, after = raw[pos:pos + 1], raw[pos + 1:end].decode("latin-1"), end + 2
    if kind == b"+":
        return body, after
    if kind == b"-":
        return {"error": body}, after
    if kind == b":":
        return int(body), after
    if kind == b"_":
        return None, after
    if kind in (b"$", b"="):
        n = int(body)
        if n < 0:
            return None, after
        data = raw[after:after + n].decode("utf-8", "replace")
        return (data[4:] if kind == b"=" else data), after + n + 2
    if kind in (b"*", b"~"):
        items = []
        for _ in range(max(int(body), 0)):
            item, after = _decode(raw, after)
            items.append(item)
        return items, after
    if kind == b"%":
        out = {}
        for _ in range(int(body)):
            k, after = _decode(raw, after)
            v, after = _decode(raw, after)
            out[k] = v
        return out, after
    raise ValueError(f"not RESP: {raw[pos:pos + 40]!r}")
