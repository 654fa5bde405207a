"""A Redis target as the inventory names it: ``[redis.NAME] url = "redis://:password@host:6379/0"``,
and the same URL read the way Zaqar writes its pool URIs (``redis://:pw@host:6379?dbid=2``).

What a target watches is one Redis *server* (host and port): a Zaqar pool keeps its messages in one
numbered database of it, but a server that is down, loading or out of memory is so for every
database at once. So the identity other tiers are matched by is ``redis:host:port`` (host in lower
case, no name resolution); the database number only says which keyspace line to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from urllib.parse import parse_qsl, unquote

from msgops.probes.inventory import TableContext, TableReader
from msgops.probes.secrets import Secret, mask_url

SCHEMES = ("redis", "rediss")
DEFAULT_PORT = 6379
URL_FORM = "redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)"
KNOWN_QUERY = ("db", "dbid", "socket_timeout")
"""Query parameters accepted: ``db`` (redis-py), ``dbid`` and ``socket_timeout`` (Zaqar's pool
URIs; Zaqar's socket timeout is for Zaqar, msgops keeps its own)."""


class UrlError(ValueError):
    """A Redis URL that cannot be used; the message never quotes the URL (it may hold a password)."""


@dataclass(frozen=True, slots=True)
class RedisUrl:
    """The parts of a Redis URL msgops uses."""

    tls: bool
    host: str
    port: int
    db: int
    username: str | None
    password: str | None = field(repr=False)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def identity(self) -> str:
        return f"redis:{self.address}"


def parse_redis_url(url: str) -> RedisUrl:
    """``redis://user:pw@host:6379/2`` (or Zaqar's ``?dbid=2``) → RedisUrl; UrlError otherwise.

    Refused, each with a line saying why: other schemes, unix sockets (``redis:/path``: a socket
    on the Zaqar host is not reachable from here), Sentinel (``?master=`` or several hosts), a user
    without a password, and a password holding a raw ``/``, ``?`` or ``#``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        if url.lower().startswith(("redis:", "rediss:")):
            raise UrlError("a unix socket path: msgops watches Redis over TCP (host:port)")
        raise UrlError(f"not a URL (expected {URL_FORM})")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise UrlError(f"scheme {scheme!r} is not Redis (expected redis:// or rediss://)")
    netloc, tail = _split_authority(rest)
    path, _, query = tail.partition("?")
    query = query.partition("#")[0]
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "master" in params or "," in netloc:
        raise UrlError("a Redis Sentinel URI (several hosts or ?master=): watch each Redis server "
                       "with its own redis://host:port target")
    unknown = sorted(set(params) - set(KNOWN_QUERY))
    if unknown:
        raise UrlError(f"query parameter {unknown[0]!r} is not understood (known: {', '.join(KNOWN_QUERY)})")
    creds, at, hostport = netloc.rpartition("@")
    username = password = None
    if at:
        if re.search(r"[/?#]", creds):
            raise UrlError("its user:password holds a raw '/', '?' or '#': percent-encode them (%2F, %3F, %23)")
        user, colon, secret = creds.partition(":")
        if not colon:
            raise UrlError("a user without a password: write redis://:PASSWORD@host or redis://USER:PASSWORD@host")
        username, password = unquote(user) or None, unquote(secret)
    if not hostport:
        raise UrlError("a unix socket path or no host: msgops watches Redis over TCP (host:port)")
    host, port = _host_port(hostport)
    return RedisUrl(scheme == "rediss", host, port, _db(path, params), username, password)


def _split_authority(rest: str) -> tuple[str, str]:
    """(authority, path+query): the authority runs to the first '/', '?' or '#' after its last '@',
    so a raw separator in a password is caught as such instead of cutting the host list there."""
    at = rest.rfind("@")
    cut = re.search(r"[/?#]", rest[at + 1:])
    end = len(rest) if cut is None else at + 1 + cut.start()
    return rest[:end], rest[end:]


def _host_port(text: str) -> tuple[str, int]:
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UrlError("an IPv6 address without its closing ']'")
        host, after = text[1:end], text[end + 1:]
        if after.startswith(":"):
            port_text = after[1:]
        elif after:
            raise UrlError("text after the IPv6 address")
    else:
        host, colon, port_text = text.partition(":")
        port_text = port_text if colon else None
    if not host:
        raise UrlError("no host")
    if port_text in (None, ""):
        return host.lower(), DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UrlError("the port is not a number from 1 to 65535")
    return host.lower(), int(port_text)


def _db(path: str, params: dict[str, str]) -> int:
    texts = [t for t in (path.strip("/"), params.get("db", ""), params.get("dbid", "")) if t]
    if not texts:
        return 0
    if any(not t.isdigit() for t in texts):
        raise UrlError("the database (path /N, ?db=N or ?dbid=N) is not a number")
    if len({int(t) for t in texts}) > 1:
        raise UrlError("two different database numbers (path and ?db=/?dbid=)")
    return int(texts[0])


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """One Redis server. The field defaults are the inventory's defaults."""

    name: str
    host: str
    port: int = DEFAULT_PORT
    db: int = 0
    """The database the probe selects (a Zaqar pool's ``dbid``): its keyspace line is shown."""
    username: str | None = None
    """ACL user (Redis 6+); None = the ``default`` user (``requirepass``)."""
    password: Secret = field(default_factory=lambda: Secret(""), repr=False)
    tls: bool = False
    ca_file: str | None = None
    verify_tls: bool = True
    connect_timeout: float = 2.0
    """Seconds for the TCP (and TLS) connection."""
    call_timeout: float = 2.0
    """Seconds for one command's answer: the handshake (AUTH, SELECT), PING, INFO."""
    poll_interval: float = 5.0
    cycle_timeout: float = 0.0
    """Deadline of a whole poll cycle; 0 in the dataclass means "derived from the timeouts"."""
    memory_warn: float = 0.9
    """Used memory at or above this fraction of ``maxmemory`` is a warning (no limit: no warning)."""
    latency_warn: float = 0.1
    """A PING round trip slower than this many seconds is a warning."""
    read_only: bool = False
    display_url: str = ""
    """The URL with its password masked, for screens and logs."""

    tier = "redis"

    def __post_init__(self) -> None:
        if not self.cycle_timeout:
            object.__setattr__(self, "cycle_timeout", derived_cycle_timeout(self))

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def identity(self) -> str:
        return f"redis:{self.address}"


def derived_cycle_timeout(t: RedisTarget) -> float:
    """Connect, then the handshake, PING and INFO one after the other, plus a second of slack."""
    return t.connect_timeout + 3 * t.call_timeout + 1.0


_DEFAULTS = {f.name: f.default for f in fields(RedisTarget)}
_SECONDS = ("connect_timeout", "call_timeout", "poll_interval", "cycle_timeout", "latency_warn")


def parse_target(name: str, r: TableReader, ctx: TableContext) -> RedisTarget:
    """``[redis.NAME]`` → RedisTarget (errors through the reader: one line, no secret)."""
    url = r.get("url", str, None, secret=True)
    if not url:
        raise r.error("url", "missing", URL_FORM)
    try:
        parts = parse_redis_url(url)
    except UrlError as exc:
        raise r.error("url", str(exc), URL_FORM) from None
    password = r.secret("password", ctx.env)
    username = r.get("username", str, None)
    values = {}
    for key in _SECONDS:
        if key in r.body:
            values[key] = r.seconds(key, _DEFAULTS[key])
        r.used.add(key)
    memory_warn = r.number("memory_warn", _DEFAULTS["memory_warn"], minimum=0.0)
    if not 0 < memory_warn <= 1:
        raise r.error("memory_warn", f"is {memory_warn}", "a fraction of maxmemory, above 0 and at most 1")
    ca_file = r.file("ca_file")
    target = RedisTarget(
        name=name, host=parts.host, port=parts.port, db=parts.db, username=username or parts.username,
        password=Secret(password if password is not None else parts.password or ""), tls=parts.tls,
        ca_file=ca_file, verify_tls=r.get("verify_tls", bool, True), memory_warn=memory_warn,
        read_only=r.get("read_only", bool, False) or ctx.read_only, display_url=mask_url(url), **values)
    r.finish()
    return target


def identity_of_uri(uri: str) -> str | None:
    """A pool URI → ``redis:host:port`` of the server it names (any db), or None when it names none
    msgops can watch (Sentinel, unix socket, unreadable)."""
    try:
        return parse_redis_url(uri).identity
    except UrlError:
        return None


def identities(target: RedisTarget) -> tuple[str, ...]:
    return (target.identity,)


def target_from_uri(name: str, uri: str, ctx: TableContext) -> RedisTarget:
    """A read-only target for a Redis server a dependency names and the inventory lacks (raises
    UrlError for a URI that names no watchable server)."""
    parts = parse_redis_url(uri)
    return RedisTarget(name=name, host=parts.host, port=parts.port, db=parts.db, username=parts.username,
                       password=Secret(parts.password or ""), tls=parts.tls, read_only=True,
                       display_url=mask_url(uri))


EXAMPLE = """\
[redis.pool1]
url = "redis://:PASSWORD@redis1:6379/0"   # or a Zaqar pool URI: redis://:PASSWORD@redis1:6379?dbid=2
# password_env = "POOL1_REDIS_PASSWORD"   # instead of the password in the URL; username = "msgops" for an ACL user
# rediss:// for TLS (verified; ca_file = "/etc/ssl/certs/cloud-ca.pem"; verify_tls = true)
# connect_timeout = 2.0; call_timeout = 2.0; poll_interval = 5.0; cycle_timeout = 9.0 (derived)
# memory_warn = 0.9 (fraction of maxmemory); latency_warn = 0.1 (seconds of PING)
"""
