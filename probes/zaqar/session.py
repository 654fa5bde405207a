"""Building a target's python-zaqarclient client over a keystoneauth1 session (blocking; worker thread).

One ``Connection`` per probe or runbook client, kept for its lifetime: the keystoneauth1 session
caches its token until it is about to expire (tokens are reused for their lifetime), the catalog
lookup of the ``messaging`` endpoint comes from that token, and every HTTP request — to Keystone
and to Zaqar — goes through the target's ``BoundedSession``. Tokens and passwords are registered
with ``probes.secrets`` as soon as they are seen, so ``scrub`` removes them from any text.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from msgops.probes.secrets import remember
from msgops.probes.zaqar.target import ZaqarTarget
from msgops.probes.zaqar.transport import BoundedSession


class ConfigProblem(Exception):
    """The target's Keystone settings cannot be used (cloud unknown, plugin options missing)."""


@dataclass
class Connection:
    """A zaqarclient client and what it authenticates with."""

    client: Any
    session: Any | None
    """The keystoneauth1 session (None without auth)."""
    http: BoundedSession
    endpoint: str | None
    """The endpoint as configured (None: found in the catalog per request)."""
    good_token: str | None = None
    """The last token a call succeeded with (a 401 for it means expired or revoked)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def roles(self) -> tuple[str, ...]:
        if self.session is None:
            return ()
        try:
            return tuple(self.session.auth.get_access(self.session).role_names or ())
        except Exception:  # noqa: BLE001 - roles only decorate a finding
            return ()

    def close(self) -> None:
        self.http.close()


def connect(target: ZaqarTarget) -> Connection:
    """A ready client for ``target`` (no request made yet; the first call authenticates)."""
    from zaqarclient.queues.v2 import client as zclient

    verify: Any = target.ca_file or target.verify_tls
    if target.auth == "none":
        http = BoundedSession(verify=verify, max_bytes=target.max_reply_bytes)
        conf = {"auth_opts": {"backend": "noauth", "options": {"os_project_id": target.project_id}},
                "client_uuid": target.client_id}
        client = _client_class(zclient)(target.endpoint, version=2, conf=conf)
        client.msgops_http, client.msgops_noauth = http, True
        return Connection(client, None, http, target.endpoint)
    auth, verify, interface, region = _keystone_auth(target, verify)
    from keystoneauth1 import session as ks_session

    http = BoundedSession(verify=verify, max_bytes=target.max_reply_bytes)
    session = ks_session.Session(auth=auth, session=http, verify=verify, user_agent="msgops")
    options = {"endpoint_type": interface, "region_name": region, "insecure": verify is False,
               "cacert": verify if isinstance(verify, str) else None}
    conf = {"auth_opts": {"backend": "keystone", "options": options}, "client_uuid": target.client_id}
    client = _client_class(zclient)(target.endpoint, version=2, conf=conf, session=session)
    client.msgops_http, client.msgops_noauth = http, False
    return Connection(client, session, http, target.endpoint)


def _keystone_auth(target: ZaqarTarget, verify: Any) -> tuple[Any, Any, str, str | None]:
    """(auth plugin, TLS verify, interface, region) for a Keystone target."""
    if target.auth == "password":
        from keystoneauth1.identity import generic

        auth = generic.Password(auth_url=target.auth_url, username=target.username,
                                password=target.password.reveal(), project_name=target.project_name,
                                user_domain_name=target.user_domain_name,
                                project_domain_name=target.project_domain_name)
        return auth, verify, target.interface or "public", target.region_name
    import warnings

    from openstack import config as os_config
    from openstack import exceptions as os_exceptions

    # openstacksdk warns about its InfluxDB metrics support on every cloud it loads: not ours to show
    # (on a terminal it would print over the console's screen).
    warnings.filterwarnings("ignore", message="Support for InfluxDB", module="openstack")

    try:
        loader = os_config.OpenStackConfig(config_files=[target.clouds_yaml] if target.clouds_yaml else None,
                                           load_envvars=target.auth == "environment")
        region_cfg = loader.get_one(cloud=target.cloud if target.auth == "cloud" else
                                    os.environ.get("OS_CLOUD") or None)
        auth = region_cfg.get_auth()
    except (os_exceptions.SDKException, KeyError, ValueError) as exc:
        raise ConfigProblem(_config_text(target, exc)) from None
    except Exception as exc:  # noqa: BLE001 - keystoneauth loading errors (missing options, bad plugin)
        raise ConfigProblem(_config_text(target, exc)) from None
    secret = (region_cfg.config.get("auth") or {}).get("password")
    if isinstance(secret, str):
        remember(secret)
    if target.ca_file or not target.verify_tls:
        tls = verify
    else:
        tls = region_cfg.config.get("cacert") or bool(region_cfg.config.get("verify", True))
    interface = target.interface or region_cfg.get_interface("messaging") or "public"
    region = target.region_name or region_cfg.get_region_name("messaging") or None
    return auth, tls, str(interface).removesuffix("URL"), region


def _config_text(target: ZaqarTarget, exc: Exception) -> str:
    where = f"cloud {target.cloud!r}" if target.auth == "cloud" else "the OS_* environment"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{where} cannot be used: {text[:200]}"


_CLASS: list[type] = []


def _client_class(zclient: Any) -> type:
    """zaqarclient's v2 Client with one transport (our bounded session) instead of one per call,
    ``X-Roles: admin`` on admin calls without auth, and every token registered as a secret."""
    if _CLASS:
        return _CLASS[0]
    from zaqarclient.transport.http import HttpTransport

    class _Transport(HttpTransport):
        def __init__(self, options: Any, http: BoundedSession) -> None:
            super().__init__(options)
            self.client.session = http

        def send(self, request: Any) -> Any:
            response = super().send(request)  # raises zaqarclient's errors for 400-409, 500, 503
            if response.status_code >= 400:
                raise UnexpectedStatus(response.status_code, str(response.content or "")[:200])
            return response

    class MsgopsClient(zclient.Client):
        msgops_http: BoundedSession
        msgops_noauth: bool
        admin_call = threading.local()

        def _get_transport(self, request: Any) -> Any:
            transport = getattr(self, "_msgops_transport", None)
            if transport is None:
                transport = self._msgops_transport = _Transport(self.conf, self.msgops_http)
            return transport

        def _request_and_transport(self) -> Any:
            req, trans = super()._request_and_transport()
            if self.msgops_noauth and getattr(self.admin_call, "on", False):
                req.headers["X-Roles"] = "admin"
            token = req.headers.get("X-Auth-Token")
            if token:
                remember(token)
                self.admin_call.token = token
            return req, trans

    _CLASS.append(MsgopsClient)
    return MsgopsClient


class UnexpectedStatus(Exception):
    """A status zaqarclient does not map to one of its errors (502, 504 from a proxy...)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.text = status, text
