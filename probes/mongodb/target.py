"""A MongoDB replica set as the inventory names it: ``[mongodb.NAME]`` with a ``mongodb://`` URI
written exactly as in zaqar.conf (``[drivers:management_store:mongodb] uri``), and its defaults
written once (here).

The URI's password is wrapped as a ``Secret`` before anything can print it; errors never echo any
part of the URI. Only the options that decide *how to connect* are taken from the URI (TLS, auth
source and mechanism, compressors); Zaqar's ``w=2`` and ``readPreference=secondaryPreferred`` are
about its own writes and reads, not about a monitor's admin commands, and the probe's timeouts are
its own (below).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote

from msgops.probes.inventory import TableContext, TableReader
from msgops.probes.secrets import Secret, mask_url, scrub

SCHEME = "mongodb"
DEFAULT_PORT = 27017
URI_FORM = "mongodb://user@host1:27017,host2:27017,host3:27017/?replicaSet=NAME"
CONNECT_OPTIONS = (
    "tls", "tlsCAFile", "tlsCertificateKeyFile", "tlsCertificateKeyFilePassword", "tlsAllowInvalidCertificates",
    "tlsAllowInvalidHostnames", "tlsInsecure", "tlsCRLFile", "tlsDisableOCSPEndpointCheck",
    "authSource", "authMechanism", "authMechanismProperties", "compressors", "zlibCompressionLevel",
)
"""URI options passed on to pymongo (pymongo's own spellings, after its validation)."""
SECRET_OPTIONS = ("tlsCertificateKeyFilePassword",)


@dataclass(frozen=True, slots=True)
class MongoTarget:
    """One replica set (or a standalone mongod). The field defaults are the inventory's defaults."""

    name: str
    seeds: tuple[str, ...]
    """``host:port`` of every host in the URI, host names lower-cased, the default port written."""
    set_name: str | None
    """``replicaSet=`` of the URI (None: the URI names no set, e.g. a standalone)."""
    username: str | None = None
    password: Secret = field(default_factory=lambda: Secret("", known=False), repr=False)
    options: tuple[tuple[str, Any], ...] = ()
    """Connection options from the URI (TLS, auth), as pymongo keyword arguments."""
    lag_warn: float = 10.0
    """Seconds behind the primary that make a member a warning."""
    lag_crit: float = 60.0
    """Seconds behind the primary that make a member critical."""
    headroom_warn: float = 3600.0
    """Seconds: warn when the oplog window minus the worst member's lag falls below this (how much
    longer the most-behind member may stay behind before it needs a full resync)."""
    connect_timeout: float = 3.0
    """Seconds to reach a member (TCP, TLS, server selection)."""
    call_timeout: float = 5.0
    """Seconds for one command to one member, all of it (pymongo's timeoutMS)."""
    poll_interval: float = 5.0
    cycle_timeout: float = 0.0
    """Deadline of a whole poll cycle; 0 in the dataclass means "derived from call_timeout"."""
    read_only: bool = False
    display_url: str = ""
    """The URI with its password masked, for screens, logs and JSON."""

    tier = "mongodb"

    def __post_init__(self) -> None:
        if not self.cycle_timeout:
            object.__setattr__(self, "cycle_timeout", derived_cycle_timeout(self))

    def client_options(self) -> dict[str, Any]:
        """pymongo keyword arguments shared by every client of this target (credentials, TLS,
        timeouts); the clients add their own (directConnection, replicaSet)."""
        opts: dict[str, Any] = {key: (value.reveal() if isinstance(value, Secret) else value)
                                for key, value in self.options}
        if self.username:
            opts["username"] = self.username
            opts["password"] = self.password.reveal()
        opts.update(
            connectTimeoutMS=int(self.connect_timeout * 1000),
            serverSelectionTimeoutMS=int(self.connect_timeout * 1000),
            timeoutMS=int(self.call_timeout * 1000),
            # The monitor's hello: a member that returns is seen within a poll; never below 500 ms
            # (pymongo's floor); polling mode, so a 4.4+ server does not stream hello replies.
            heartbeatFrequencyMS=max(500, int(min(self.poll_interval, 10.0) * 1000)),
            serverMonitoringMode="poll",
            appname="msgops",
            retryReads=False,
            maxPoolSize=4,
        )
        return opts

    @property
    def tls(self) -> bool:
        return bool(dict(self.options).get("tls"))


def derived_cycle_timeout(t: MongoTarget) -> float:
    """Every member at once (a failed call ends that member's turn), then config and oplog side by
    side, then members the config named that the URI did not: three calls deep at worst."""
    return 3 * t.call_timeout + 1.0


_DEFAULTS = {f.name: f.default for f in fields(MongoTarget)}
_SECONDS = ("connect_timeout", "call_timeout", "poll_interval", "cycle_timeout")


class UriError(ValueError):
    """A URI that cannot be used; the message never quotes the URI or any part of its userinfo."""


@dataclass(frozen=True, slots=True)
class UriParts:
    """What msgops itself reads from a ``mongodb://`` URI (no validation of options, no DNS)."""

    hosts: tuple[str, ...]
    set_name: str | None
    username: str | None
    password: str | None


def split_uri(uri: str) -> UriParts:
    """``mongodb://u:p@H1,h2:27018/db?replicaSet=x`` → hosts (normalised), set name, user, password.

    Normalised: host names lower-cased, IPv6 in brackets, the default port written — so two URIs
    naming the same members in another case or order compare equal (``identity_of_uri``).
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        raise UriError(f"not a URI (expected {URI_FORM})")
    if scheme.lower() == "mongodb+srv":
        raise UriError("mongodb+srv:// is not supported (it needs DNS at load time): list the hosts, "
                       f"{URI_FORM}")
    if scheme.lower() != SCHEME:
        raise UriError(f"scheme {scheme!r} is not MongoDB (expected {URI_FORM})")
    head, _, query = rest.partition("?")
    authority = head.split("/", 1)[0]
    if "@" in head[len(authority):] + query:
        raise UriError("an '@' after the host list: a password holding '/', '?' or '#' must be "
                       "percent-encoded (%2F, %3F, %23)")
    creds, at, hostlist = authority.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = creds.partition(":")
        username, password = unquote(user) or None, unquote(secret) if colon else None
    hosts = tuple(_host(entry, i) for i, entry in enumerate(hostlist.split(","), 1))
    set_name = None
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key.lower() == "replicaset" and value:
            set_name = unquote(value)
    return UriParts(hosts, set_name, username, password)


def _host(entry: str, index: int) -> str:
    if not entry:
        raise UriError(f"host {index} is empty (expected {URI_FORM})")
    if entry.startswith("["):
        end = entry.find("]")
        if end < 0:
            raise UriError(f"host {index}: an IPv6 address without its closing ']'")
        host, port = entry[: end + 1].lower(), entry[end + 2:] if entry[end + 1:end + 2] == ":" else ""
    else:
        host, _, port = entry.partition(":")
        host = host.lower()
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        raise UriError(f"host {index}: the port is not a number from 1 to 65535 (a password holding "
                       "'/', ',', '?' or '#' must be percent-encoded: %2F %2C %3F %23)")
    return f"{host}:{int(port) if port else DEFAULT_PORT}"


def identity_of_uri(uri: str) -> str | None:
    """Same set name and same members (in any order, case, default port written or not) → the same
    identity; None when the URI cannot be read."""
    try:
        parts = split_uri(uri)
    except UriError:
        return None
    return identity(parts.set_name, parts.hosts)


def identity(set_name: str | None, hosts: tuple[str, ...]) -> str:
    return f"mongodb:{set_name or ''}@{','.join(sorted(set(hosts)))}"


def identities(target: MongoTarget) -> tuple[str, ...]:
    return (identity(target.set_name, target.seeds),)


def _validated_options(uri: str) -> dict[str, Any]:
    """pymongo's own validation of the URI's options (unknown names, bad values, unreadable files).

    Imported here, at load time, only when the inventory has a MongoDB target."""
    from pymongo.uri_parser import parse_uri

    try:
        return dict(parse_uri(uri, validate=True, warn=False)["options"])
    except Exception as exc:  # noqa: BLE001 - pymongo raises several kinds; all are a bad URI
        raise UriError(_option_problem(uri, exc)) from None


def _option_problem(uri: str, exc: Exception) -> str:
    """pymongo's complaint, named by option when it did not say which (never the URI's userinfo)."""
    text = str(exc).split("\n")[0]
    if text.startswith("Unknown option"):
        known = {k.lower() for k in _pymongo_option_names()}
        query = uri.partition("?")[2]
        unknown = [p.partition("=")[0] for p in query.split("&") if p and p.partition("=")[0].lower() not in known]
        text = f"unknown option {', '.join(unknown) or '?'} in the URI"
    return scrub(text)[:200]


def _pymongo_option_names() -> list[str]:
    from pymongo.common import URI_OPTIONS_VALIDATOR_MAP, URI_OPTIONS_ALIAS_MAP

    return [*URI_OPTIONS_VALIDATOR_MAP, *URI_OPTIONS_ALIAS_MAP]


def _from_uri(name: str, uri: str, username: str | None = None, password: str | None = None,
              **values: Any) -> MongoTarget:
    """A target from a URI (inventory or a derived dependency); raises UriError."""
    parts = split_uri(uri)
    if parts.password:
        Secret(parts.password)  # remembered before anything else can print it
    options = _validated_options(uri)
    kept: list[tuple[str, Any]] = []
    for key in CONNECT_OPTIONS:
        value = next((v for k, v in options.items() if k.lower() == key.lower()), None)
        if value is not None:
            kept.append((key, Secret(str(value)) if key in SECRET_OPTIONS else value))
    user = username or parts.username
    secret = password if password is not None else parts.password
    return MongoTarget(name=name, seeds=parts.hosts, set_name=parts.set_name, username=user,
                       password=Secret(secret or ""), options=tuple(kept), display_url=mask_url(uri), **values)


def parse_target(name: str, r: TableReader, ctx: TableContext) -> MongoTarget:
    """``[mongodb.NAME]`` → MongoTarget (errors through the reader: one line, no secret)."""
    uri = r.get("uri", str, None, secret=True)
    if not uri:
        raise r.error("uri", "missing", URI_FORM)
    try:
        split_uri(uri)
    except UriError as exc:
        raise r.error("uri", str(exc), URI_FORM) from None
    password = r.secret("password", ctx.env)
    username = r.string("username")
    values: dict[str, Any] = {}
    for key in _SECONDS:
        if key in r.body:
            values[key] = r.seconds(key, _DEFAULTS[key])
        r.used.add(key)
    for key in ("lag_warn", "lag_crit", "headroom_warn"):
        values[key] = r.number(key, _DEFAULTS[key])
    if values["lag_crit"] < values["lag_warn"]:
        raise r.error("lag_crit", f"is {values['lag_crit']:g}, below lag_warn {values['lag_warn']:g}",
                      "lag_crit ≥ lag_warn")
    values["read_only"] = r.get("read_only", bool, False) or ctx.read_only
    try:
        target = _from_uri(name, uri, username, password, **values)
    except UriError as exc:
        raise r.error("uri", str(exc), URI_FORM) from None
    if target.username is None and target.password:
        raise r.error("password", "a password without a user", "a user in the URI (mongodb://user@...) or username")
    r.finish()
    return target


def target_from_uri(name: str, uri: str, ctx: TableContext) -> MongoTarget:
    """A target for a replica set another tier depends on (a Zaqar pool's store) that the inventory
    does not name: the defaults, read-only as ``ctx`` says."""
    return _from_uri(name, uri, read_only=ctx.read_only)


EXAMPLE = """\
[mongodb.catalog]
# as in zaqar.conf [drivers:management_store:mongodb] uri (TLS options honoured, verified by default)
uri = "mongodb://msgops@db0:27017,db1:27017,db2:27017/?replicaSet=catalog&w=2&readPreference=secondaryPreferred"
password_env = "CATALOG_MONGO_PASSWORD"  # or inline in the URI (masked everywhere); username = "..." overrides
# lag_warn = 10.0; lag_crit = 60.0        # seconds behind the primary
# headroom_warn = 3600.0                  # seconds: oplog window minus the worst lag
# connect_timeout = 3.0; call_timeout = 5.0; poll_interval = 5.0
# cycle_timeout = 16.0 (default: derived from call_timeout)
"""
