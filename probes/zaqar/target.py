"""A Zaqar target as the inventory names it: ``[zaqar.NAME]``, with its defaults written once (here).

How msgops authenticates, in the order operators meet it:
- **no auth** (labs, ``auth_strategy =`` empty): ``project_id`` is sent as ``X-Project-ID``; admin
  calls (pools, flavors, health) add ``X-Roles: admin``; ``endpoint`` is required.
- **Keystone via clouds.yaml**: ``cloud = "NAME"`` (the ``OS_CLOUD`` convention), from ``clouds_yaml``
  or openstacksdk's search path (``OS_CLIENT_CONFIG_FILE``, ./clouds.yaml,
  ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml).
- **Keystone with a password here**: ``auth_url`` + ``username`` + ``password`` / ``password_env`` +
  ``project_name`` (+ domains, default ``Default``).
- **Keystone from the environment**: ``auth = "environment"``: ``OS_CLOUD`` or the ``OS_*`` variables
  of msgops' own environment, as every OpenStack client reads them.
With Keystone the endpoint is the catalog's ``messaging`` service unless ``endpoint`` is given.
Nothing heavy is imported here: clouds.yaml is only checked for the cloud's name (PyYAML); the
session is built by the probe, off the UI thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from msgops.probes.inventory import TableContext, TableReader
from msgops.probes.secrets import Secret, mask_url

AUTH_MODES = ("none", "cloud", "password", "environment")
INTERFACES = ("public", "internal", "admin")


@dataclass(frozen=True, slots=True)
class ZaqarTarget:
    """One Zaqar API (one management store). The field defaults are the inventory's defaults."""

    name: str
    auth: str
    """How msgops authenticates: none | cloud | password | environment."""
    endpoint: str | None = None
    """The API base URL without ``/v2``; None: the Keystone catalog's ``messaging`` endpoint."""
    project_id: str | None = None
    """No auth: the ``X-Project-ID`` header (flavors are listed for this project)."""
    client_id: str = ""
    """The ``Client-ID`` header (a UUID; one per target and process unless given)."""
    cloud: str | None = None
    clouds_yaml: str | None = None
    auth_url: str | None = None
    username: str | None = None
    password: Secret = field(default=Secret(""), repr=False)
    project_name: str | None = None
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    interface: str | None = None
    """Catalog interface (public | internal | admin); None: the cloud's, else public."""
    region_name: str | None = None
    verify_tls: bool = True
    ca_file: str | None = None
    management_store: str | None = None
    """``sqlite:///PATH`` of Zaqar's management store, read read-only for placement (queues per pool)."""
    call_timeout: float = 10.0
    """Seconds for one ping / pools page / flavors page / pool GET or PATCH, all of it. A dead Redis
    pool makes ping answer 503 after ~4-5 s in the lab, hence 10."""
    health_timeout: float = 45.0
    """Seconds for one ``GET /v2/health``: 12-18 s in the lab while one Redis pool is down."""
    health_interval: float = 30.0
    """Seconds between health calls (sooner when ping or the pool list changes)."""
    poll_interval: float = 10.0
    """Seconds between polls of ping, pools, flavors and placement."""
    cycle_timeout: float = 0.0
    """Deadline of a whole poll cycle; 0 in the dataclass means "derived from the others"."""
    max_reply_bytes: int = 16 * 1024 * 1024
    """Largest reply accepted (after decompression) from Zaqar or Keystone."""
    read_only: bool = False
    display_url: str = ""

    tier = "zaqar"

    def __post_init__(self) -> None:
        if not self.cycle_timeout:
            object.__setattr__(self, "cycle_timeout", derived_cycle_timeout(self))

    @property
    def keystone(self) -> bool:
        return self.auth != "none"


def derived_cycle_timeout(t: ZaqarTarget) -> float:
    """Pools, flavors and ping one after the other (each bounded), plus a health call when a poll
    waits for one (``status``, refresh): the longest a cycle can legitimately take."""
    return 3 * t.call_timeout + t.health_timeout + 5.0


_DEFAULTS = {f.name: f.default for f in fields(ZaqarTarget)}
_SECONDS = ("call_timeout", "health_timeout", "health_interval", "poll_interval", "cycle_timeout")
ENDPOINT_FORM = "http(s)://zaqar-host:8888 (without /v2)"


def parse_target(name: str, r: TableReader, ctx: TableContext) -> ZaqarTarget:
    """``[zaqar.NAME]`` → ZaqarTarget (errors through the reader: one line, no secret)."""
    endpoint = _endpoint(r)
    auth = _auth_mode(r, ctx)
    values: dict = {}
    if auth == "none":
        if not endpoint:
            raise r.error("endpoint", "missing", f"{ENDPOINT_FORM}: without Keystone there is no catalog to find it in")
        values["project_id"] = r.string("project_id", required="the project the X-Project-ID header names")
    elif r.get("project_id", str, None):
        raise r.error("project_id", "is only for targets without auth",
                      "no project_id with Keystone: the project comes from the token (project_name)")
    if auth == "cloud":
        values["cloud"] = r.string("cloud", required="the cloud's name in clouds.yaml")
        values["clouds_yaml"] = r.file("clouds_yaml")
        if values["clouds_yaml"]:
            _check_cloud_listed(r, values["clouds_yaml"], values["cloud"])
    elif auth == "password":
        values["auth_url"] = _url(r, "auth_url", "https://keystone:5000/v3")
        values["username"] = r.string("username", required="the Keystone user msgops logs in as")
        password = r.secret("password", ctx.env)
        if not password:
            raise r.error("password", "missing", "password or password_env (the variable holding it)")
        values["password"] = Secret(password)
        values["project_name"] = r.string("project_name", required="the project to scope the token to")
        values["user_domain_name"] = r.string("user_domain_name", _DEFAULTS["user_domain_name"])
        values["project_domain_name"] = r.string("project_domain_name", _DEFAULTS["project_domain_name"])
    elif auth == "environment" and not (ctx.env.get("OS_CLOUD") or ctx.env.get("OS_AUTH_URL")):
        raise r.error("auth", "is 'environment' but neither OS_CLOUD nor OS_AUTH_URL is set",
                      "the OS_* variables of an openrc file, or OS_CLOUD")
    client_id = r.string("client_id", None)
    if client_id:
        try:
            uuid.UUID(client_id)
        except ValueError:
            raise r.error("client_id", f"{client_id!r} is not a UUID", "a UUID (Zaqar refuses others)") from None
    interface = r.string("interface", None)
    if interface is not None and interface.removesuffix("URL") not in INTERFACES:
        raise r.error("interface", f"is {interface!r}", f"one of {', '.join(INTERFACES)}")
    for key in _SECONDS:
        if key in r.body:
            values[key] = r.seconds(key, _DEFAULTS[key])
        r.used.add(key)
    max_mb = r.number("max_reply_mb", _DEFAULTS["max_reply_bytes"] / 2**20, minimum=0.001)
    store = r.get("management_store", str, None, secret=True)
    if store:
        from msgops.probes.zaqar.placement import store_path

        try:
            store = f"sqlite:///{store_path(store, Path(ctx.path).parent).absolute()}"  # relative: to this file
        except ValueError as exc:
            raise r.error("management_store", str(exc), "sqlite:////absolute/path/to/catalog.sqlite") from None
    shown = mask_url(endpoint) if endpoint else f"(messaging endpoint of {_where(auth, values)})"
    target = ZaqarTarget(
        name=name, auth=auth, endpoint=endpoint, client_id=client_id or str(uuid.uuid4()),
        interface=interface.removesuffix("URL") if interface else None,
        region_name=r.string("region_name", None), verify_tls=r.get("verify_tls", bool, True),
        ca_file=r.file("ca_file"), management_store=store or None, max_reply_bytes=int(max_mb * 2**20),
        read_only=r.get("read_only", bool, False) or ctx.read_only, display_url=shown, **values)
    r.finish()
    return target


def _endpoint(r: TableReader) -> str | None:
    url = _url(r, "endpoint", ENDPOINT_FORM, required=False)
    if not url:
        return None
    url = url.rstrip("/")
    return url[: -len("/v2")] if url.endswith("/v2") else url


def _url(r: TableReader, key: str, form: str, *, required: bool = True) -> str | None:
    value = r.get(key, str, None, secret=True)
    if not value:
        if required:
            raise r.error(key, "missing", form)
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise r.error(key, f"is {mask_url(value)!r}", form)
    return value


def _auth_mode(r: TableReader, ctx: TableContext) -> str:
    explicit = r.get("auth", str, None)
    if explicit is not None:
        if explicit not in AUTH_MODES:
            raise r.error("auth", f"is {explicit!r}", f"one of {', '.join(AUTH_MODES)}")
        return explicit
    if r.get("cloud", str, None):
        return "cloud"
    if r.get("auth_url", str, None):
        return "password"
    if r.get("project_id", str, None):
        return "none"
    raise r.error("", "says nothing about authentication",
                  'project_id = "..." (no auth), cloud = "NAME" (clouds.yaml), auth_url + username + '
                  'password_env + project_name, or auth = "environment" (OS_* variables)')


def _check_cloud_listed(r: TableReader, path: str, cloud: str) -> None:
    """The cloud must be in the clouds.yaml named (its passwords are never read into any message)."""
    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise r.error("clouds_yaml", f"{path} is not readable YAML ({type(exc).__name__})", "a clouds.yaml") from None
    clouds = doc.get("clouds") if isinstance(doc, dict) else None
    if not isinstance(clouds, dict):
        raise r.error("clouds_yaml", f"{path} has no 'clouds:' mapping", "a clouds.yaml")
    if cloud not in clouds:
        listed = ", ".join(sorted(map(str, clouds))) or "none"
        raise r.error("cloud", f"{cloud!r} is not in {path}", f"one of its clouds: {listed}")


def _where(auth: str, values: dict) -> str:
    if auth == "cloud":
        return f"cloud {values['cloud']}"
    if auth == "password":
        return mask_url(values["auth_url"])
    return "the OS_* environment"


EXAMPLE = """\
[zaqar.messaging]                       # Keystone through clouds.yaml (the OS_CLOUD convention)
cloud = "overcloud-admin"
# clouds_yaml = "/etc/openstack/clouds.yaml"  # default: OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/, /etc/openstack/
# endpoint = "https://zaqar:8888"       # default: the catalog's messaging endpoint (interface, region_name)
# management_store = "sqlite:////var/lib/zaqar/catalog.sqlite"   # read-only: queues per pool
# call_timeout = 10.0; health_timeout = 45.0; health_interval = 30.0; poll_interval = 10.0

[zaqar.lab]                             # no auth (labs): X-Project-ID, X-Roles: admin on admin calls
endpoint = "http://127.0.0.1:18888"
project_id = "msgops-lab"
# or: auth_url = "https://keystone:5000/v3"; username = "msgops"; password_env = "ZAQAR_PASSWORD"
#     project_name = "admin"; user_domain_name = "Default"; project_domain_name = "Default"
# or: auth = "environment"              # OS_CLOUD or OS_AUTH_URL... from msgops' environment
# verify_tls = true; ca_file = "/etc/ssl/certs/cloud-ca.pem"; max_reply_mb = 16; read_only = false
"""
