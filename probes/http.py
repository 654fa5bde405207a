"""Bounded HTTP exchanges: one total deadline and one size cap on every request a tier client makes.

httpx's own timeouts are per phase and per read, so a server that trickles one byte now and then
never trips them, and httpx inflates gzip replies without any limit. :func:`bounded_request`
closes both holes for the RabbitMQ management client (and the Zaqar client to come):

- **Deadline** — ``deadline`` seconds bound the *whole* exchange: waiting for a pooled connection,
  DNS + TCP connect, TLS, sending the request, the status line and headers, and the whole body.
  It is enforced by ``asyncio.timeout`` around all of it; httpx's per-phase timeouts are also set
  to ``deadline`` (never longer), as a second line. Expiry raises :class:`Unreachable` saying how
  far the exchange got (e.g. "connected and request sent; the server did not finish its headers",
  or "headers arrived (HTTP 200), body incomplete after 1234 bytes").
- **Size cap** — ``max_bytes`` caps the body *after* decompression. The body is read raw with
  ``Response.aiter_raw()`` (≤ 64 KiB per read from httpcore) and gzip/deflate are inflated here,
  at most 64 KiB at a time and never past ``max_bytes + 1`` bytes in total, so no more than
  ``max_bytes`` plus one 64 KiB step is ever held. The compressed size is capped too (slightly
  above ``max_bytes``, see :func:`compressed_limit`), and a ``Content-Length`` already above the
  cap is refused before reading any body. Too big → :class:`BadReply` ("reply larger than N
  bytes").
- **Content-Encoding** — requests say ``Accept-Encoding: gzip, identity`` (unless the caller's own
  ``headers=`` sets one). gzip is what RabbitMQ's management plugin (cowboy) sends when offered,
  and a 10k-queue listing shrinks ~10x on the wire; since inflation here is capped, accepting it
  costs no safety. ``deflate`` (zlib-wrapped or raw) and ``x-gzip`` are decoded too when a server
  sends them unasked. Anything else (br, zstd, compress, stacked codings) is refused with
  :class:`BadReply` unless the body is empty — the client cannot bound what it cannot decode.
- **No secrets in messages** — every URL in a message or in :attr:`Reply.url` has its userinfo
  removed (:func:`public_url`); exception texts from httpx that get embedded are scrubbed of the
  URL's password and of the request's ``Authorization`` credentials, and shortened. Errors are
  raised ``from None`` so a logged traceback cannot show the original exception (which holds the
  request, URL credentials included).

Failures map onto the probe error hierarchy: :class:`Unreachable` when no complete reply arrived
(refused, DNS, TLS, reset, cut off mid-body, deadline), :class:`BadReply` when the server answered
something unusable (too big, unsupported or corrupt encoding, not HTTP at all, not JSON).
HTTP status codes are *not* errors here: a 404 or 503 comes back as a :class:`Reply`.

Limits the caller owns: redirects are never followed (a 3xx comes back as a Reply: httpx would
read a redirect's body without a cap); auth flows needing a challenge round trip (Digest) and
response event hooks that call ``aread()`` read those bodies without the cap (Basic auth, which
RabbitMQ uses, does not). Response headers are bounded by httpcore (100 KiB).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import httpx

from msgops.probes.errors import BadReply, ProbeError, Unreachable

__all__ = [
    "ACCEPT_ENCODING",
    "DECODE_STEP",
    "Reply",
    "bounded_request",
    "compressed_limit",
    "public_url",
]

ACCEPT_ENCODING = "gzip, identity"
"""What every request offers (unless the caller's per-call ``headers`` name their own)."""

DECODE_STEP = 64 * 1024
"""Most bytes one inflate call may produce (the "one chunk" of slack over ``max_bytes``)."""

_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
_NO_BODY_STATUS = frozenset({204, 304})
_PHASES = {  # httpcore trace steps → how far an exchange that ran out of time got
    "connect_tcp": "DNS lookup and TCP connect did not complete",
    "start_tls": "TLS handshake did not complete",
    "send_request_headers": "connected, but the request could not be sent",
    "send_request_body": "connected, but the request body could not be sent",
    "receive_response_headers": (
        "connected and request sent; the server did not finish its status line and headers"
    ),
}
_MAX_EMBEDDED = 200  # characters of an httpx exception text kept in our messages


# -- the reply ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reply:
    """A complete HTTP reply whose body fitted the cap (decoded: no Content-Encoding left)."""

    status: int
    headers: httpx.Headers
    """As received (``Content-Encoding``/``Content-Length`` describe the wire, not ``content``)."""
    content: bytes
    seconds: float
    """From the call to the last body byte (pool wait and connect included)."""
    url: str
    """The requested URL (base_url and params merged) without userinfo."""
    method: str = "GET"
    """The request's method (for messages)."""

    @property
    def reason(self) -> str:
        """The standard reason phrase of :attr:`status` ("Not Found"), "" if unknown."""
        return httpx.codes.get_reason_phrase(self.status)

    def json(self) -> Any:
        """The body parsed as JSON; :class:`BadReply` (naming the URL and status) if it is not."""
        if not self.content:
            where = f"{self.method} {self.url}"
            raise BadReply(f"{where}: empty reply (HTTP {self.status}), expected JSON", self.status)
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError):  # bad JSON or UTF-8, over-long ints, deep nesting
            raise BadReply(
                f"{self.method} {self.url}: reply is not JSON (HTTP {self.status}, "
                f"{len(self.content)} bytes: {self.content[:60]!r})",
                self.status,
            ) from None


# -- the request -------------------------------------------------------------------------------
async def bounded_request(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL | str,
    *,
    deadline: float,
    max_bytes: int,
    auth: Any = httpx.USE_CLIENT_DEFAULT,
    **request_kwargs: Any,
) -> Reply:
    """Send one request through ``client`` and return the whole reply, or raise a ProbeError.

    ``deadline``: seconds (finite, > 0) for the entire exchange, connect to last body byte.
    ``max_bytes``: most body bytes accepted after decoding gzip/deflate (int > 0).
    ``auth`` goes to ``client.send``; ``request_kwargs`` (params, headers, json, content, data,
    files, cookies, extensions) to ``client.build_request``. ``timeout=`` is refused: the deadline
    replaces it. Redirects are not followed.

    Raises ``ValueError`` for a bad deadline or cap, :class:`Unreachable` when no complete reply
    came (messages say how far it got), :class:`BadReply` for a reply that cannot be used.
    Any status code, 4xx and 5xx included, is returned as a :class:`Reply`.
    """
    _check_limits(deadline, max_bytes)
    if "timeout" in request_kwargs:
        raise TypeError("bounded_request() takes deadline=, not timeout=")
    method = method.upper()
    try:
        request = client.build_request(method, url, timeout=httpx.Timeout(deadline), **request_kwargs)
    except httpx.InvalidURL as exc:
        # httpx's text may quote a piece of a password holding an unescaped "/" or "#".
        reason = "is a character in the user or password not percent-encoded?" if "@" in str(url) else exc
        raise Unreachable(f"{method} {public_url(url)}: not a usable URL ({_scrub(str(reason), [])})") from None
    caller_headers = request_kwargs.get("headers")
    if not (caller_headers and "accept-encoding" in httpx.Headers(caller_headers)):
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
    exchange = _Exchange(request, deadline, max_bytes)
    return await exchange.run(client, auth)


def compressed_limit(max_bytes: int) -> int:
    """Most *wire* bytes accepted for a gzip/deflate body whose decoded size is capped at ``max_bytes``.

    Incompressible data grows a little when deflated (5 bytes per 64 KiB stored block, plus the
    gzip header and trailer), so the wire cap is 0.1 % + 64 KiB above the decoded cap. It stops a
    server streaming endless junk that inflates to nothing (or junk after the gzip trailer).
    """
    return max_bytes + max_bytes // 1024 + 64 * 1024


def public_url(url: httpx.URL | str) -> str:
    """``url`` without userinfo (user and password): ``http://u:p@h:15672/x`` → ``http://h:15672/x``.

    For messages, logs and :attr:`Reply.url`. A string httpx cannot parse loses everything
    between ``://`` and the last ``@`` of each comma-separated host entry (oslo multi-host URLs).
    """
    if isinstance(url, str) and "," in url.partition("://")[2].partition("/")[0]:
        return _strip_userinfo_text(url)  # several hosts: httpx would keep only the last
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return _strip_userinfo_text(str(url))
    if parsed.userinfo:
        parsed = parsed.copy_with(userinfo=b"")
    return str(parsed)


# -- internals ---------------------------------------------------------------------------------
class _Overflow(Exception):
    """The decoded body would pass the cap."""


class _Body:
    """Accumulates decoded bytes, refusing to hold more than ``cap``.

    A BytesIO rather than a list of chunks: ``getvalue()`` hands its buffer over (shrunk in place)
    instead of copying it, so the finished body does not briefly exist twice.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self._buf = BytesIO()

    @property
    def room(self) -> int:
        return self.cap - self.size

    def add(self, data: bytes) -> None:
        if len(data) > self.cap - self.size:
            raise _Overflow
        self._buf.write(data)
        self.size += len(data)

    def value(self) -> bytes:
        return self._buf.getvalue()


class _Inflater:
    """Incremental gzip / deflate decoding that never produces more than the body has room for.

    ``deflate`` may be zlib-wrapped (RFC 9110) or raw (what some servers send): decided from the
    first two bytes, as browsers do. Data after the end of the compressed stream is dropped
    unread (it is still counted against the wire cap by the caller).
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding == "gzip" else None
        self._head = b""  # deflate: bytes seen before the zlib/raw decision
        self._fed = False

    def feed(self, data: bytes, body: _Body) -> None:
        self._fed = True
        if self._z is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            cmf, flg = data[0], data[1]
            zlib_wrapped = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            self._head = b""
        z = self._z
        while not z.eof:
            # At most room+1 bytes: one past the cap is enough to know the cap is passed.
            step = min(DECODE_STEP, body.room + 1)
            out = z.decompress(data, step)
            body.add(out)
            data = z.unconsumed_tail
            if not data and len(out) < step:
                break  # input used up and nothing held back (a full `step` may hide more: loop)

    def complete(self) -> bool:
        """True when the compressed stream ended properly, or no byte of it came (HEAD, 204...)."""
        return not self._fed or (self._z is not None and self._z.eof)


class _Exchange:
    """One request's progress, for the deadline message and the error texts."""

    def __init__(self, request: httpx.Request, deadline: float, max_bytes: int) -> None:
        self.request = request
        self.method = request.method
        self.url = public_url(request.url)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.phase: str | None = None  # last _PHASES step httpcore started
        self.status: int | None = None  # set once the status line and headers are in
        self.received = 0  # wire bytes of body so far
        self._their_trace = request.extensions.get("trace")  # the caller's own, still called
        request.extensions["trace"] = self._trace

    async def _trace(self, name: str, info: dict[str, Any]) -> None:
        prefix, _, step = name.rpartition(".")
        phase = prefix.rpartition(".")[2]
        if step == "started" and phase in _PHASES:  # not response_closed: cleanup after a failure
            self.phase = phase
        if self._their_trace is not None:
            await self._their_trace(name, info)

    async def run(self, client: httpx.AsyncClient, auth: Any) -> Reply:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.deadline):
                response = await client.send(self.request, auth=auth, stream=True, follow_redirects=False)
                try:
                    self.status = response.status_code
                    content = await self._read_body(response)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            progress = self._progress()
            raise Unreachable(f"{self.where}: no complete reply within {self.deadline:g}s; {progress}") from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None
        except httpx.InvalidURL as exc:
            raise Unreachable(f"{self.where}: not a usable URL ({self._scrub(exc)})") from None
        except ProbeError:
            raise
        except (httpx.HTTPError, OSError, ValueError, ExceptionGroup) as exc:
            # anything else the stack under httpx raises (anyio ExceptionGroups, h11 protocol
            # errors, a socket error in an odd place) is still "no usable reply", never a crash
            raise Unreachable(f"{self.where}: {type(exc).__name__}: {self._scrub(exc)}") from None
        return Reply(
            status=response.status_code,
            headers=response.headers,
            content=content,
            seconds=time.perf_counter() - started,
            url=self.url,
            method=self.method,
        )

    @property
    def where(self) -> str:
        return f"{self.method} {self.url}"

    async def _read_body(self, response: httpx.Response) -> bytes:
        codings = [
            c.strip().lower()
            for c in response.headers.get_list("content-encoding", split_commas=True)
            if c.strip().lower() not in ("", "identity")
        ]
        unsupported = ", ".join(codings) if len(codings) > 1 or codings and codings[0] not in _CODINGS else ""
        inflater = _Inflater(_CODINGS[codings[0]]) if codings and not unsupported else None
        wire_cap = compressed_limit(self.max_bytes) if inflater else self.max_bytes
        no_body = self.method == "HEAD" or response.status_code < 200 or response.status_code in _NO_BODY_STATUS
        if not no_body:
            declared = _content_length(response.headers)
            if declared is not None and declared > wire_cap:
                what = "compressed " if inflater else ""
                raise self._too_large(f"Content-Length: {declared} {what}bytes, refused before reading")
        body = _Body(self.max_bytes)
        async for chunk in response.aiter_raw():
            if not chunk:
                continue
            self.received += len(chunk)
            if unsupported:
                raise BadReply(
                    f"{self.where}: reply uses Content-Encoding {unsupported!r}, which msgops does not "
                    f"decode (it asks for {ACCEPT_ENCODING!r})",
                    response.status_code,
                )
            if self.received > wire_cap:
                raise self._too_large(f"more than {wire_cap} bytes on the wire" if inflater else "")
            try:
                if inflater is None:
                    body.add(chunk)
                else:
                    inflater.feed(chunk, body)
            except _Overflow:
                raise self._too_large(f"after {inflater.coding} decoding" if inflater else "") from None
            except zlib.error as exc:
                where, status = self.where, response.status_code
                raise BadReply(f"{where}: corrupt {inflater.coding} body ({exc})", status) from None
        if inflater is not None and not inflater.complete():
            raise BadReply(
                f"{self.where}: {inflater.coding} body ends before its compressed stream does "
                f"({self.received} bytes received)",
                response.status_code,
            )
        return body.value()

    def _too_large(self, detail: str) -> BadReply:
        detail = f" ({detail})" if detail else ""
        return BadReply(f"{self.where}: reply larger than {self.max_bytes} bytes{detail}", self.status)

    def _progress(self) -> str:
        if self.status is not None:
            return f"headers arrived (HTTP {self.status}), body incomplete after {self.received} bytes"
        return f"no headers: {_PHASES.get(self.phase, 'still waiting for a connection')}"

    def _transport_error(self, exc: httpx.TransportError) -> ProbeError:
        text = self._scrub(exc)
        if self.status is not None:  # reset or closed mid-body
            return Unreachable(
                f"{self.where}: reply cut off after its headers (HTTP {self.status}) and "
                f"{self.received} body bytes: {text}"
            )
        if isinstance(exc, httpx.ConnectError):
            reason = _describe_connect(exc, self.request.url, _request_secrets(self.request))
            return Unreachable(f"{self.where}: {reason}")
        if isinstance(exc, httpx.RemoteProtocolError):
            if "without sending a response" in text:
                return Unreachable(
                    f"{self.where}: the server closed the connection without an HTTP reply "
                    "(an AMQP port does this: is this the management port?)"
                )
            return BadReply(
                f"{self.where}: the answer is not HTTP ({text}); is this the HTTP (management) port?", None
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return Unreachable(f"{self.where}: not a usable URL ({text})")
        return Unreachable(f"{self.where}: {text}")

    def _scrub(self, exc: BaseException) -> str:
        return _scrub(str(exc) or type(exc).__name__, _request_secrets(self.request))


def _check_limits(deadline: Any, max_bytes: Any) -> None:
    number = isinstance(deadline, (int, float)) and not isinstance(deadline, bool)
    if not number or not math.isfinite(deadline) or deadline <= 0:
        raise ValueError(f"deadline must be a finite number of seconds > 0, not {deadline!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be an int > 0, not {max_bytes!r}")


def _content_length(headers: httpx.Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def _describe_connect(exc: httpx.ConnectError, url: httpx.URL, secrets: list[str]) -> str:
    """A short human reason for a failed connect, from the OS/ssl error under httpx's wrapper.

    (httpx often says only "All connection attempts failed"; the cause chain says why.)
    """
    address = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
    causes = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = _scrub(cause.verify_message or str(cause), secrets)
            return f"TLS certificate not trusted ({reason}); set ca_file"
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused: nothing listens on {address}"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup of {url.host!r} failed ({_scrub(str(cause), secrets)})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({_scrub(str(cause), secrets)}); is {address} a TLS port?"
    innermost = _scrub(str(causes[-1]) or type(causes[-1]).__name__, secrets)
    return f"connection to {address} failed: {innermost}"


_USERINFO_IN_TEXT = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#@]*@")


def _scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret and any URL userinfo replaced, shortened for a message."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _USERINFO_IN_TEXT.sub(r"\1***@", text)
    return text if len(text) <= _MAX_EMBEDDED else text[: _MAX_EMBEDDED - 1] + "…"


def _request_secrets(request: httpx.Request) -> list[str]:
    """The URL's password (raw and percent-encoded) and the Authorization credentials."""
    found = []
    if request.url.password:
        found.append(request.url.password)
        found.append(request.url.userinfo.decode("ascii", "replace").partition(":")[2])
    for value in request.headers.get_list("authorization"):
        scheme, _, token = value.partition(" ")
        found.append(token.strip())
        if scheme.lower() == "basic":
            try:
                found.append(base64.b64decode(token, validate=True).decode("utf-8").partition(":")[2])
            except (binascii.Error, UnicodeDecodeError):
                pass
    return found


def _strip_userinfo_text(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    before_query = re.split(r"[?#]", rest, maxsplit=1)[0]
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        return f"{scheme}://{','.join(e.rpartition('@')[2] for e in netloc.split(','))}{slash}{tail}"
    if "@" in before_query:  # most likely an unescaped "/" in a password: cut up to the last "@"
        return f"{scheme}://{rest[before_query.rfind('@') + 1:]}"
    return url
