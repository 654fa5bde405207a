"""From whatever zaqarclient, keystoneauth1, openstacksdk or requests raised to one ``Problem``.

The auth cases an operator must tell apart (and what to do about each):
- ``auth_no_token``: Zaqar wants a Keystone token and the target has no Keystone settings;
- ``auth_bad_credentials``: Keystone refused the user/password/project (401 when issuing a token);
- ``auth_token_expired``: Zaqar refused a token it accepted before (expired or revoked); the
  session was told to re-authenticate, so the next poll gets a fresh one;
- ``auth_token_rejected``: Zaqar refused a fresh token (its keystone_authtoken cannot validate
  tokens: every client of this Zaqar is failing);
- ``auth_role_missing``: 403 on an admin call (pools, flavors and health need the admin role);
- ``keystone_unreachable`` and ``auth_config`` (the cloud's settings cannot be used).
"""

from __future__ import annotations

from typing import Any

import requests

from msgops.probes.secrets import scrub
from msgops.probes.zaqar.model import Problem


def classify(exc: BaseException, client: Any, expired: bool, seconds: float) -> Problem:
    """``exc`` raised by a call of ``client`` (a ZaqarClient) → the Problem it means."""
    from keystoneauth1 import exceptions as ks
    from zaqarclient.transport import errors as zq

    from msgops.probes.zaqar.session import ConfigProblem, UnexpectedStatus
    from msgops.probes.zaqar.transport import DeadlinePassed, ReplyTooLarge

    where = client.where
    target = client.target
    if isinstance(exc, ConfigProblem):
        return Problem("auth_config", scrub(str(exc)))
    if isinstance(exc, zq.UnauthorizedError):
        return _unauthorized(client)
    if isinstance(exc, zq.ForbiddenError):
        roles = client.roles()
        held = f"the token's roles are {', '.join(roles)}" if roles else (
            "X-Roles: admin was sent" if not target.keystone else "the token lacks the admin role")
        return Problem("auth_role_missing", f"Zaqar refused an admin call (403): pools, flavors and health need "
                                            f"the admin role; {held}", 403)
    if isinstance(exc, zq.TransportError):
        status = getattr(exc, "code", None)
        return Problem("http_error", f"HTTP {status} from {where}: {_short(exc)}", status)
    if isinstance(exc, UnexpectedStatus):
        return Problem("http_error", f"HTTP {exc.status} from {where}: {scrub(exc.text)[:120]}", exc.status)
    if isinstance(exc, ks.http.Unauthorized):
        return Problem("auth_bad_credentials", f"Keystone refused the credentials (401 issuing a token): wrong "
                                               f"user, password or project for {_who(target)}", 401)
    if isinstance(exc, (ks.EndpointNotFound, ks.EmptyCatalog)):
        return Problem("auth_config", f"no 'messaging' endpoint (interface {target.interface or 'public'}"
                                      f"{', region ' + target.region_name if target.region_name else ''}) in "
                                      "the Keystone catalog: set endpoint in the inventory")
    if isinstance(exc, (ks.ConnectionError, ks.DiscoveryFailure)):
        why = f"no answer within {seconds:g}s" if expired or isinstance(exc, ks.ConnectTimeout) else _short(exc)
        return Problem("keystone_unreachable", f"Keystone unreachable for {_who(target)}: {why}")
    if isinstance(exc, ks.http.HttpError):
        return Problem("keystone_unreachable", f"Keystone answered HTTP {exc.http_status} for {_who(target)}: "
                                               f"{_short(exc)}", exc.http_status)
    if isinstance(exc, ks.ClientException):
        return Problem("auth_config", f"{_who(target)} cannot authenticate: {_short(exc)}")
    if isinstance(exc, ReplyTooLarge):
        return Problem("bad_reply", f"{where}: {exc}")
    if isinstance(exc, DeadlinePassed) or expired or isinstance(exc, requests.exceptions.Timeout):
        return Problem("api_timeout", f"no answer from {where} within {seconds:g}s")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return Problem("api_down", f"{where} refused or dropped the connection ({_cause(exc)})")
    if isinstance(exc, requests.exceptions.RequestException):
        return Problem("api_down", f"{where}: {_short(exc)}")
    return Problem("bad_reply", f"{where}: {type(exc).__name__}: {_short(exc)}")


def _unauthorized(client: Any) -> Problem:
    target = client.target
    connection = client._connection  # noqa: SLF001 - the probe's own client
    if not target.keystone:
        return Problem("auth_no_token", "Zaqar wants a Keystone token (401) but this target has no auth: set "
                                        "cloud, auth_url or auth = \"environment\" in the inventory", 401)
    used = getattr(connection.client.admin_call, "token", None) if connection else None
    if used and used == connection.good_token:
        try:
            connection.session.invalidate()
        except Exception:  # noqa: BLE001 - the next call re-authenticates either way
            pass
        connection.good_token = None
        return Problem("auth_token_expired", "Zaqar refused a token that worked before (401: expired or "
                                             "revoked); re-authenticating on the next poll", 401)
    return Problem("auth_token_rejected", "Zaqar refused a freshly issued token (401): its keystone_authtoken "
                                          "cannot validate tokens (service user, auth_url?) — every client of "
                                          "this Zaqar fails", 401)


def _who(target: Any) -> str:
    if target.auth == "cloud":
        return f"cloud {target.cloud}"
    if target.auth == "password":
        return f"user {target.username} on {scrub(target.auth_url or '')}"
    return "the OS_* environment"


def _short(exc: BaseException) -> str:
    text = scrub(str(exc)).replace("\n", " ")
    return (text[:157] + "...") if len(text) > 160 else text or type(exc).__name__


def _cause(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Connection reset", "Remote end closed", "timed out"):
        if marker in text:
            return marker.lower()
    return _short(exc)
