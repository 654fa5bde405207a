"""A RabbitMQ target as the inventory names it: ``[rabbitmq.NAME]`` with an oslo.messaging
``transport_url``, parsed exactly as oslo.messaging parses it, with its defaults written once (here).

Operators paste ``transport_url`` from nova.conf. oslo splits it with ``urlparse`` (the host list ends
at the first ``/``, ``?`` or ``#``), then on ``,``, then each entry at its last ``@`` and the first
``:``. A password holding a raw ``/``, ``,``, ``?`` or ``#`` therefore turns into a host name (and
would be looked up in DNS); such URLs are refused with a line that says how to encode them and never
echoes any part of the URL.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field, fields, replace
from urllib.parse import quote, unquote, urlsplit

from msgops.probes.inventory import TableContext, TableReader
from msgops.probes.secrets import Secret, mask_url, strip_userinfo

SCHEMES = ("rabbit", "amqp", "amqps", "rabbit+ssl")
URL_FORM = "rabbit://<user>:<password>@host1:5672,host2:5672/vhost"
"""The expected form, as error lines show it (the <...> keep scrub() from masking it as a real URL)."""


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
    """A RabbitMQ cluster. The field defaults are the inventory's defaults."""

    name: str
    hosts: tuple[AmqpHost, ...]
    vhost: str
    management_urls: tuple[str, ...]
    """Each node's management API base URL, without userinfo."""
    management_user: str
    management_password: Secret = field(repr=False)
    amqp_ssl: bool = False
    ca_file: str | None = None
    verify_tls: bool = True
    health_timeout: float = 5.0
    """Seconds for one overview, nodes or health-check request, all of it (connect to last byte)."""
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
    cycle_timeout: float = 0.0
    """Deadline of a whole poll cycle; 0 in the dataclass means "derived from the others"."""
    max_reply_bytes: int = 64 * 1024 * 1024
    """Largest management API reply accepted, counted after decompression."""
    read_only: bool = False
    display_url: str = ""
    """The transport_url with its passwords masked, for screens and logs."""

    tier = "rabbitmq"

    def __post_init__(self) -> None:
        if not self.cycle_timeout:
            object.__setattr__(self, "cycle_timeout", derived_cycle_timeout(self))


def derived_cycle_timeout(t: RabbitTarget) -> float:
    """Views first (health_timeout), then queue list, health checks and canaries side by side."""
    return t.health_timeout + max(t.queue_timeout, t.health_timeout, 2 * t.canary_timeout + 1) + 2.0


_DEFAULTS = {f.name: f.default for f in fields(RabbitTarget)}
MAX_REPLY_MB = 1024 * 1024
"""The largest max_reply_mb accepted (a terabyte: far above any real queue listing)."""
_SECONDS = ("health_timeout", "queue_timeout", "poll_interval", "queue_interval", "canary_interval",
            "canary_timeout", "canary_slow", "cycle_timeout")


class UrlError(ValueError):
    """A transport_url that cannot be used; the message never quotes the URL."""


def parse_transport_url(url: str, default_port: int = 5672) -> tuple[str, tuple[AmqpHost, ...], str, bool]:
    """``rabbit://u:p@h1:5672,u2:p2@h2:5672/vhost`` → (scheme, hosts, vhost, ssl), as oslo parses it.

    Credentials missing on a later host carry over from the previous host, as operators write
    ``rabbit://u:p@h1,h2,h3/``. ``?ssl=1`` (oslo's rabbit driver option) or ``amqps`` turns TLS on.
    """
    if _CONTROL.search(url):  # urlsplit would drop a tab or newline silently (a different password)
        raise UrlError("holds a control character (a tab, a newline...): percent-encode it")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UrlError("not a URL") from None
    if not parts.scheme or "://" not in url:
        raise UrlError("not a URL")
    if parts.scheme not in SCHEMES:
        raise UrlError(f"scheme {parts.scheme!r} is not RabbitMQ (expected rabbit://)")
    if "@" in parts.path + parts.query + parts.fragment:
        raise UrlError("an '@' after the host list: a password holding '/', '?' or '#' must be "
                       "percent-encoded (%2F, %3F, %23)")
    entries = [e for e in parts.netloc.split(",") if e]
    if not entries:
        raise UrlError("no host in the URL")
    with_creds = ["@" in e for e in entries]
    if any(with_creds) and not with_creds[0]:
        first = with_creds.index(True) + 1
        raise UrlError(f"host 1 has no user:password but host {first} has: a ',' in a password "
                       "must be percent-encoded (%2C)")
    ssl_on = parts.scheme in ("amqps", "rabbit+ssl") or any(
        p.split("=", 1)[0] == "ssl" and p.split("=", 1)[-1].lower() in ("1", "true", "yes")
        for p in parts.query.split("&") if p)
    hosts: list[AmqpHost] = []
    user, password = "guest", "guest"
    for i, entry in enumerate(entries, 1):
        creds, at, hostport = entry.rpartition("@")
        if at:
            u, colon, p = creds.partition(":")
            user, password = unquote(u), unquote(p) if colon else ""
        host, port = _host_port(hostport, i, default_port)
        hosts.append(AmqpHost(host, port, user, Secret(password)))
    return parts.scheme, tuple(hosts), unquote(parts.path[1:]) or "/", ssl_on


def _host_port(text: str, index: int, default_port: int) -> tuple[str, int]:
    """oslo's split of one host entry; errors name the entry's position, never its text."""
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UrlError(f"host {index}: an IPv6 address without its closing ']'")
        host, rest = text[1:end], text[end + 1:]
        if rest.startswith(":"):
            port_text = rest[1:]
        elif rest:
            raise UrlError(f"host {index}: text after the IPv6 address")
    else:
        host, colon, port_text = text.partition(":")
        port_text = port_text if colon else None
    if not host:
        raise UrlError(f"host {index} is empty")
    if port_text in (None, ""):
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UrlError(f"host {index}: the port is not a number from 1 to 65535 (a password holding "
                       "'/', ',', '?' or '#' must be percent-encoded: %2F %2C %3F %23)")
    return host, int(port_text)


def default_management_urls(hosts: tuple[AmqpHost, ...], tls: bool) -> tuple[str, ...]:
    """Each broker host on the management plugin's default port (15672, or 15671 with TLS)."""
    scheme, port = ("https", 15671) if tls else ("http", 15672)
    seen: dict[str, None] = {}
    for h in hosts:
        host = f"[{h.host}]" if ":" in h.host else h.host
        seen[f"{scheme}://{host}:{port}"] = None
    return tuple(seen)


def _not_http(raw: object) -> str:
    """What a management URL that is not http(s) is, in words that quote none of it (it may hold a
    password: ``user:pass@host`` written without a scheme is not a URL any parser would mask)."""
    if not isinstance(raw, str):
        return f"a {type(raw).__name__}"
    scheme, sep, _ = raw.partition("://")
    if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme):
        return repr(mask_url(raw))
    return "not a URL (no http:// or https://)"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad_http_url(url: str) -> str | None:
    """Why a management URL (userinfo already stripped) cannot be requested, in words that quote none
    of it; None when it can."""
    if _CONTROL.search(url) or " " in url:
        return "holds a space or control character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the port is not a number from 1 to 65535"
    if not parts.hostname:
        return "has no host"
    if port == 0:
        return "the port is not a number from 1 to 65535"
    return None


def quote_vhost(vhost: str) -> str:
    """vhost (or a queue name) as it appears in a management API path (``/`` → ``%2F``)."""
    return quote(vhost, safe="")


def parse_target(name: str, r: TableReader, ctx: TableContext) -> RabbitTarget:
    """``[rabbitmq.NAME]`` → RabbitTarget (errors through the reader: one line, no secret)."""
    url = r.get("transport_url", str, None, secret=True)
    if not url:
        raise r.error("transport_url", "missing", URL_FORM)
    try:
        _, hosts, vhost, tls = parse_transport_url(url)
    except UrlError as exc:
        raise r.error("transport_url", str(exc), URL_FORM) from None
    password = r.secret("password", ctx.env)
    if password is not None:  # overrides the URL's passwords (keeps them out of the file)
        hosts = tuple(replace(h, password=Secret(password)) for h in hosts)
    mgmt_user = r.get("management_user", str, None)
    mgmt_password = r.secret("management_password", ctx.env)
    urls = []
    for i, raw in enumerate(r.get("management_urls", list, None) or default_management_urls(hosts, tls)):
        key = f"management_urls[{i}]"
        if not isinstance(raw, str) or not raw.startswith(("http://", "https://")):
            raise r.error(key, f"is {_not_http(raw)}", "http(s)://host:15672")
        try:
            bare, user, secret = strip_userinfo(raw)
        except ValueError as exc:
            raise r.error(key, str(exc)) from None
        problem = _bad_http_url(bare)
        if problem:  # refused here, in one line, rather than as a failure of every poll
            raise r.error(key, problem, "http(s)://host:15672")
        if user is not None:  # credentials in the URL: used as the API's, then kept out of it
            mgmt_user = mgmt_user or user
            if secret is not None:
                Secret(secret)  # remembered, so it is scrubbed from any text
                mgmt_password = mgmt_password if mgmt_password is not None else secret
        urls.append(bare.rstrip("/"))
    ca_file = r.file("ca_file")
    if ca_file:
        try:
            ssl.create_default_context(cafile=ca_file)
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise r.error("ca_file", f"{ca_file} is not a usable CA bundle ({type(exc).__name__})",
                          "a PEM file of CA certificates") from None
    values = {}
    for key in _SECONDS:
        if key in r.body:
            values[key] = r.seconds(key, _DEFAULTS[key])
        r.used.add(key)
    for key in ("verify_tls", "canary"):
        values[key] = r.get(key, bool, _DEFAULTS[key])
    max_mb = r.number("max_reply_mb", _DEFAULTS["max_reply_bytes"] / 2**20, minimum=0.001)
    if max_mb > MAX_REPLY_MB:  # 1e308 MB would overflow to inf bytes (an internal error, not a line)
        raise r.error("max_reply_mb", f"is {max_mb:g}", f"at most {MAX_REPLY_MB:,} (MB of one API reply)")
    target = RabbitTarget(
        name=name, hosts=hosts, vhost=vhost, management_urls=tuple(urls),
        management_user=mgmt_user or hosts[0].username,
        management_password=Secret(mgmt_password if mgmt_password is not None else hosts[0].password.reveal()),
        amqp_ssl=tls, ca_file=ca_file, max_reply_bytes=int(max_mb * 2**20),
        read_only=r.get("read_only", bool, False) or ctx.read_only, display_url=mask_url(url), **values)
    r.finish()
    return target


EXAMPLE = """\
[rabbitmq.rpc]
transport_url = "rabbit://nova@ctl1:5672,ctl2:5672,ctl3:5672/"
password_env = "RPC_RABBIT_PASSWORD"   # secret from the environment (or inline in the URL)
# management_urls = ["https://ctl1:15671", ...]  # default: each host on 15672 (15671 with ?ssl=1)
# management_user = "monitor"; management_password_env = "RPC_MGMT_PASSWORD"
# ca_file = "/etc/ssl/certs/cloud-ca.pem"; verify_tls = true (the default)
# health_timeout = 5.0; queue_timeout = 20.0; poll_interval = 5.0; queue_interval = 30.0
# canary = true; canary_interval = 30.0; canary_timeout = 5.0; canary_slow = 1.0
# cycle_timeout = 27.0 (default: derived from the timeouts); max_reply_mb = 64
"""
