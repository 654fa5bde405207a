"""requests, bounded: one total deadline and one size cap on every request zaqarclient or keystoneauth1
makes for msgops (the requests-world twin of ``probes/http.py``'s ``bounded_request``).

python-zaqarclient and keystoneauth1 send through ``requests`` with no timeout at all, and read
whole bodies. Every call msgops makes runs on the tier's worker threads (``run_blocking``) inside
``budget(seconds, max_bytes)``, and every request of that thread goes through ``BoundedSession``:

- **Deadline**: ``seconds`` bound the whole exchange (connect, request, headers, body). requests'
  own timeouts (connect, and each socket read) are set to what is left, and a watchdog timer shuts
  the socket down when the budget runs out, so a server trickling one byte per second cannot keep
  a worker thread past the deadline (requests' per-read timeout alone would never trip). The
  caller's ``asyncio`` wait gives up at the same deadline, so neither side waits longer.
- **Size cap**: bodies are read raw, 64 KiB at a time, and refused past ``max_bytes`` (a
  ``Content-Length`` above it is refused unread). ``Accept-Encoding: identity`` is sent; gzip and
  deflate sent anyway are inflated here in bounded steps; other encodings are refused.
- **No redirects** are followed (zaqarclient needs none; keystoneauth1 follows its own, through
  this session again).
- **TLS** settings are the target's, whatever the library passes (zaqarclient sends ``verify=True``
  for no-auth targets).

Proxies from the environment (``HTTPS_PROXY``) still work, but their connections are not watched:
the requests' own timeouts and the caller's deadline still apply.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK = 64 * 1024
CONNECT_SECONDS = 5.0
"""Connect timeout cap (a shorter budget wins)."""


class DeadlinePassed(requests.exceptions.Timeout):
    """The budget ran out (also raised when the watchdog cut the connection)."""


class ReplyTooLarge(requests.exceptions.RequestException):
    """The reply's body is larger than the budget's ``max_bytes``."""


@dataclass
class Budget:
    """One call's deadline and size cap, and the connections it used (for the watchdog)."""

    seconds: float
    max_bytes: int
    deadline: float = 0.0
    expired: bool = False
    done: bool = False
    status: int | None = None
    """Status of the last reply read under this budget."""
    server: str | None = None
    """Its ``Server`` header (``WSGIServer/0.2`` = zaqar-server's one-request-at-a-time server)."""
    _socks: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: Any) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has)."""
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def cut(self) -> None:
        """Watchdog: the deadline passed; wake the thread blocked on these sockets."""
        with self._lock:
            if self.done:
                return
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)

    def passed(self) -> DeadlinePassed:
        return DeadlinePassed(f"no complete answer within {self.seconds:g}s")


def _shutdown(sock: Any) -> None:
    """Wake a thread blocked on ``sock``: shutdown works even after http.client ``close()``d the
    socket object of a reply that closes its connection (the reply's file still holds the fd)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_local = threading.local()


def current() -> Budget | None:
    return getattr(_local, "budget", None)


@contextmanager
def budget(seconds: float, max_bytes: int) -> Iterator[Budget]:
    """Bound every request this thread makes inside the ``with`` (nested budgets: the inner wins)."""
    b = Budget(seconds, max_bytes, deadline=time.monotonic() + seconds)
    timer = threading.Timer(seconds, b.cut)
    timer.daemon = True
    timer.start()
    previous, _local.budget = current(), b
    try:
        yield b
    finally:
        with b._lock:
            b.done = True
        timer.cancel()
        _local.budget = previous


class _WatchedConnection:
    """Connections that hand their socket to the thread's budget as soon as they have one."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        b = current()
        if b is not None:
            b.watch(getattr(self, "sock", None))


class _HTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _Watched:
    """Connection pools whose connections are watched; a kept-alive one is handed over on reuse."""

    def _make_request(self, conn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        b = current()
        if b is not None:
            b.watch(getattr(conn, "sock", None))
        return super()._make_request(conn, *args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPPool(_Watched, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _WatchedHTTPSPool(_Watched, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class BoundedSession(requests.Session):
    """A requests session whose every request obeys the calling thread's ``budget``.

    ``verify`` is the target's TLS setting (True, False, or a CA bundle path); ``default_seconds``
    bounds requests made outside any budget (none should be)."""

    def __init__(self, *, verify: Any = True, max_bytes: int = 16 * 2**20, default_seconds: float = 30.0) -> None:
        super().__init__()
        self.tls_verify = verify
        self.default_max_bytes = max_bytes
        self.default_seconds = default_seconds
        self.headers["Accept-Encoding"] = "identity"
        self.headers["User-Agent"] = "msgops"
        adapter = _Adapter(pool_connections=4, pool_maxsize=4, max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        b = current()
        if b is None:
            with budget(self.default_seconds, self.default_max_bytes):
                return self.request(method, url, *args, **kwargs)
        left = b.remaining()
        if left <= 0 or b.expired:
            raise b.passed()
        kwargs.update(timeout=(min(CONNECT_SECONDS, left), left), stream=True, allow_redirects=False,
                      verify=self.tls_verify)
        headers = dict(kwargs.get("headers") or {})
        headers["Accept-Encoding"] = "identity"
        kwargs["headers"] = headers
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.exceptions.RequestException:
            if b.expired:
                raise b.passed() from None
            raise
        try:
            response._content = _read(response, b)  # noqa: SLF001 - requests' own cache of the body
            response._content_consumed = True  # noqa: SLF001
        except requests.exceptions.RequestException:
            response.close()
            raise
        except Exception as exc:  # noqa: BLE001 - urllib3/socket errors mid-body
            response.close()
            if b.expired:
                raise b.passed() from None
            raise requests.exceptions.ConnectionError(f"reply cut off: {type(exc).__name__}") from None
        b.status, b.server = response.status_code, response.headers.get("Server")
        response.close()  # fully read: the connection goes back to the pool
        return response


def _read(response: requests.Response, b: Budget) -> bytes:
    """The whole body, raw from the socket, inflated here (bounded), never past ``b.max_bytes``."""
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > b.max_bytes:
        raise ReplyTooLarge(f"reply of {int(length):,} bytes refused (limit {b.max_bytes:,})")
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate", ""):
        raise ReplyTooLarge(f"reply in encoding {encoding!r} refused (asked for identity)")
    inflate = None
    if encoding in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflate = zlib.decompressobj()
    parts: list[bytes] = []
    size = 0
    while True:
        if b.expired or b.remaining() <= 0:
            raise b.passed()
        chunk = response.raw.read(CHUNK, decode_content=False)
        if not chunk:
            break
        if inflate is not None:
            chunk = inflate.decompress(chunk, b.max_bytes + 1 - size)
            if inflate.unconsumed_tail:
                raise ReplyTooLarge(f"reply larger than {b.max_bytes:,} bytes once inflated")
        size += len(chunk)
        if size > b.max_bytes:
            raise ReplyTooLarge(f"reply larger than {b.max_bytes:,} bytes")
        parts.append(chunk)
    if b.expired:
        raise b.passed()
    return b"".join(parts)
