"""Tokens the simulated Zaqar accepts, and a tiny Keystone v3 stand-in that issues them.

Why: clouds run Zaqar with ``auth_strategy = keystone``: every call but ``GET /`` needs an
``X-Auth-Token``; a missing or unknown one gets Keystone's 401 (``ks-ping-no-token.json``), a
member token gets 403 on pools/health/flavors, and the project comes from the token, not from
``X-Project-ID`` (``ks-queues-demo-spoofed-project.json``). ``TokenRegistry`` is the plain part;
``make_keystone_app`` serves ``POST /v3/auth/tokens`` (password auth) with a catalog holding a
``messaging`` endpoint, enough for keystoneauth1 and python-zaqarclient to find the simulator.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from aiohttp import web

UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}
LAB_PROJECTS = {"admin": "eff3cddb302d4879852d7f6b2ee5a290",
                "demo": "432069876053464680715f42b31d21d4"}   # ks-projects.json
DOMAIN = {"id": "default", "name": "Default"}


@dataclass(frozen=True)
class Identity:
    user: str
    project: str          # the project id Zaqar files queues under
    project_name: str
    roles: tuple[str, ...]

    @property
    def admin(self) -> bool:
        return "admin" in self.roles


class TokenRegistry:
    """Tokens and users (thread-safe). ``add_token`` is all a test needs; users are for the
    Keystone stand-in's password logins."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens: dict[str, Identity] = {}
        self.users: dict[str, tuple[str, Identity]] = {}

    def add_token(self, token: str | None = None, *, project: str = "demo", admin: bool = False,
                  user: str | None = None) -> str:
        """Accept ``token`` (a fresh one if None) for ``project``; ``admin`` gives the admin role
        (else member). Returns the token."""
        token = token or uuid.uuid4().hex
        roles = ("admin", "member", "reader") if admin else ("member", "reader")
        with self.lock:
            self.tokens[token] = Identity(user or ("admin" if admin else "demo"), project,
                                          project, roles)
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def check(self, token: str | None) -> Identity | None:
        with self.lock:
            return self.tokens.get(token) if token else None

    def add_user(self, name: str, password: str, *, project: str = "demo",
                 project_id: str | None = None, admin: bool = False) -> None:
        roles = ("admin", "member", "reader") if admin else ("member", "reader")
        with self.lock:
            self.users[name] = (password, Identity(name, project_id or uuid.uuid4().hex, project,
                                                   roles))

    def add_lab_users(self) -> None:
        """admin/admin (project admin, admin role) and demo/demo (project demo, member), with
        the lab's project ids."""
        self.add_user("admin", "admin", project="admin", project_id=LAB_PROJECTS["admin"],
                      admin=True)
        self.add_user("demo", "demo", project="demo", project_id=LAB_PROJECTS["demo"])

    def login(self, name: str, password: str) -> tuple[str, Identity] | None:
        with self.lock:
            entry = self.users.get(name)
            if entry is None or entry[0] != password:
                return None
            token = "gAAAAA" + uuid.uuid4().hex + uuid.uuid4().hex
            self.tokens[token] = entry[1]
            return token, entry[1]


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(ts))


def _endpoints(url: str, service: str) -> list[dict]:
    return [{"id": uuid.uuid5(uuid.NAMESPACE_URL, f"{service}:{i}:{url}").hex, "interface": i,
             "region_id": "RegionOne", "region": "RegionOne", "url": url}
            for i in ("public", "internal", "admin")]


def token_document(ident: Identity, keystone_url: str, messaging_url: str) -> dict:
    now = time.time()
    return {"token": {
        "methods": ["password"],
        "user": {"domain": DOMAIN, "id": uuid.uuid5(uuid.NAMESPACE_DNS, ident.user).hex,
                 "name": ident.user, "password_expires_at": None},
        "audit_ids": [uuid.uuid4().hex[:22]], "expires_at": _iso(now + 3600),
        "issued_at": _iso(now),
        "project": {"domain": DOMAIN, "id": ident.project, "name": ident.project_name},
        "is_domain": False,
        "roles": [{"id": uuid.uuid5(uuid.NAMESPACE_DNS, r).hex, "name": r} for r in ident.roles],
        "catalog": [
            {"endpoints": _endpoints(keystone_url + "/v3", "identity"), "id": "identity",
             "type": "identity", "name": "keystone"},
            {"endpoints": _endpoints(messaging_url, "messaging"), "id": "messaging",
             "type": "messaging", "name": "zaqar"}]}}


def _json(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(text=json.dumps(data), status=status, content_type="application/json",
                        headers=headers)


def make_keystone_app(tokens: TokenRegistry, keystone_url: Callable[[], str],
                      messaging_url: Callable[[], str]) -> web.Application:
    """Keystone v3 just big enough for password auth, token validation and version discovery."""

    def version() -> dict:
        return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": keystone_url() + "/v3/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}]}

    async def root(_r):
        return _json({"versions": {"values": [version()]}}, 300)

    async def v3(_r):
        return _json({"version": version()})

    async def issue(request: web.Request):
        try:
            auth = (await request.json())["auth"]
            user = auth["identity"]["password"]["user"]
            got = tokens.login(user.get("name") or user.get("id", ""), user.get("password", ""))
        except (ValueError, KeyError, TypeError):
            got = None
        if got is None:
            return _json(UNAUTHORIZED, 401)
        token, ident = got
        return _json(token_document(ident, keystone_url(), messaging_url()), 201,
                     {"X-Subject-Token": token})

    async def validate(request: web.Request):
        ident = tokens.check(request.headers.get("X-Subject-Token"))
        if tokens.check(request.headers.get("X-Auth-Token")) is None:
            return _json(UNAUTHORIZED, 401)
        if ident is None:
            return _json({"error": {"code": 404, "title": "Not Found",
                                    "message": "Could not find token."}}, 404)
        return _json(token_document(ident, keystone_url(), messaging_url()),
                     headers={"X-Subject-Token": request.headers["X-Subject-Token"]})

    app = web.Application()
    app.router.add_get("/", root)
    app.router.add_get("/v3", v3)
    app.router.add_get("/v3/", v3)
    app.router.add_post("/v3/auth/tokens", issue)
    app.router.add_get("/v3/auth/tokens", validate)
    return app
