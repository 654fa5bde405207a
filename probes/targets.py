"""Typed targets the probes talk to, parsed from operators' own notation (oslo.messaging URLs).

Lives in probes/ (not console/) because probes and runbooks need it without the console.
Secrets are wrapped so that repr/str never show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit


class Secret:
    """A password that never prints: repr/str give ``***``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class AmqpHost:
    """One broker endpoint from a transport_url."""

    host: str
    port: int
    username: str
    password: Secret = field(repr=False)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class RabbitTarget:
    """A RabbitMQ cluster as the inventory names it."""

    name: str
    hosts: tuple[AmqpHost, ...]
    vhost: str
    management_urls: tuple[str, ...]
    management_user: str
    management_password: Secret = field(repr=False)
    amqp_ssl: bool = False
    ca_file: str | None = None
    verify_tls: bool = True
    health_timeout: float = 5.0
    """Seconds for overview, nodes and health checks (cheap calls)."""
    queue_timeout: float = 20.0
    """Seconds for the queue listing (4-8 s on a partitioned 10k-queue cluster)."""
    poll_interval: float = 5.0
    """Seconds between node-health polls."""
    queue_interval: float = 30.0
    """Minimum seconds between full queue listings (stretched to 40x a listing's duration on big
    clusters); also how often the node health checks and policies are read."""
    canary: bool = True
    canary_interval: float = 30.0
    canary_timeout: float = 5.0
    canary_slow: float = 1.0
    """A canary round trip slower than this (seconds) is a warning."""
    read_only: bool = False
    display_url: str = ""
    """The transport_url with its passwords masked, for screens and logs."""

    tier = "rabbitmq"


def mask_url(url: str) -> str:
    """Replace every password in a URL (also multi-host oslo URLs) with ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    masked = []
    for entry in netloc.split(","):
        creds, at, hostport = entry.rpartition("@")
        if at and ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        masked.append(f"{creds}{at}{hostport}")
    return f"{scheme}://{','.join(masked)}{slash}{tail}"


class UrlError(ValueError):
    """A transport_url that cannot be understood; the message says what and why."""


def parse_transport_url(url: str, default_port: int = 5672) -> tuple[str, tuple[AmqpHost, ...], str, bool]:
    """Parse ``rabbit://u:p@h1:5672,u2:p2@h2:5672/vhost`` → (scheme, hosts, vhost, ssl).

    Credentials missing on a later host carry over from the previous host, as operators write
    ``rabbit://u:p@h1,h2,h3/``. ``?ssl=1`` (oslo's rabbit driver option) or ``amqps`` turns TLS on.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise UrlError("not a URL (expected rabbit://user:pass@host:5672/vhost)")
    if scheme not in ("rabbit", "amqp", "amqps", "rabbit+ssl"):
        raise UrlError(f"scheme {scheme!r} is not RabbitMQ (expected rabbit://)")
    netloc, _, tail = rest.partition("/")
    vhost_part, _, query = tail.partition("?")
    ssl = scheme in ("amqps", "rabbit+ssl") or any(
        p.split("=", 1)[0] == "ssl" and p.split("=", 1)[-1].lower() in ("1", "true", "yes")
        for p in query.split("&") if p
    )
    vhost = unquote(vhost_part) or "/"
    if not netloc:
        raise UrlError("no host in the URL (expected rabbit://user:pass@host:5672/)")
    hosts: list[AmqpHost] = []
    user, password = "guest", "guest"
    for entry in netloc.split(","):
        creds, at, hostport = entry.rpartition("@")
        if at:
            u, colon, p = creds.partition(":")
            user, password = unquote(u), unquote(p) if colon else ""
        host, port = _split_hostport(hostport, default_port)
        hosts.append(AmqpHost(host, port, user, Secret(password)))
    return scheme, tuple(hosts), vhost, ssl


def _split_hostport(hostport: str, default_port: int) -> tuple[str, int]:
    try:
        parts = urlsplit(f"//{hostport}")
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"bad host:port {hostport!r}: {exc}") from None
    if not parts.hostname:
        raise UrlError(f"empty host in {hostport!r}")
    return parts.hostname, port or default_port


def default_management_urls(hosts: tuple[AmqpHost, ...], ssl: bool) -> tuple[str, ...]:
    """Each broker host on the management plugin's default port (15672, or 15671 with TLS)."""
    scheme, port = ("https", 15671) if ssl else ("http", 15672)
    seen: dict[str, None] = {}
    for h in hosts:
        host = f"[{h.host}]" if ":" in h.host else h.host
        seen[f"{scheme}://{host}:{port}"] = None
    return tuple(seen)


def quote_vhost(vhost: str) -> str:
    """vhost as it appears in a management API path (``/`` → ``%2F``)."""
    return quote(vhost, safe="")
