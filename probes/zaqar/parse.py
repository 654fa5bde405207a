"""Zaqar v2 documents → the tier's model. Tolerant: a malformed entry is skipped, never a crash.

Pool URIs may carry credentials (``redis://:pw@h``, ``mongodb://u:pw@h1,h2/?replicaSet=rs``,
``redis://h?password=pw``): each password is registered for ``scrub`` the moment it is read, the
URI shown is masked, and the raw one is kept only as a ``Secret``.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qsl, unquote

from msgops.probes.secrets import Secret, mask_url, remember
from msgops.probes.zaqar.model import Flavor, Health, Pool, PoolHealth

_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd)=)([^&#]*)")


def masked_uri(uri: str) -> str:
    """Passwords in userinfo and in ``password=`` query parameters masked."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + "***", mask_url(uri))


def remember_uri_secrets(uri: str) -> None:
    """Register the URI's passwords (userinfo and ``password=``) so ``scrub`` removes them anywhere."""
    rest = uri.partition("://")[2]
    at = rest.rfind("@")
    if at > 0:
        _, colon, password = rest[:at].partition(":")
        if colon and password:
            remember(password)
            remember(unquote(password))
    for key, value in parse_qsl(uri.partition("?")[2]):
        if key.lower() in ("password", "passwd", "pwd") and value:
            remember(value)


def parse_pools(items: list[dict]) -> tuple[Pool, ...]:
    pools = []
    for item in items:
        name, uri, weight = item.get("name"), item.get("uri"), item.get("weight")
        if not isinstance(name, str) or not isinstance(uri, str):
            continue
        if isinstance(weight, bool) or not isinstance(weight, int):
            weight = 0 if weight is None else int(weight) if isinstance(weight, float) else 0
        flavor = item.get("flavor")
        remember_uri_secrets(uri)
        pools.append(Pool(name, weight, masked_uri(uri), flavor if isinstance(flavor, str) else None,
                          Secret(uri, known=False)))
    return tuple(sorted(pools, key=lambda p: p.name))


def parse_flavors(items: list[dict]) -> tuple[Flavor, ...]:
    flavors = []
    for item in items:
        name = item.get("name")
        if not isinstance(name, str):
            continue
        pools = item.get("pool_list") or item.get("pools") or ()
        caps = item.get("capabilities") or ()
        flavors.append(Flavor(name, tuple(p for p in pools if isinstance(p, str)),
                              tuple(c for c in caps if isinstance(c, str))))
    return tuple(sorted(flavors, key=lambda f: f.name))


def parse_health(doc: dict[str, Any], seconds: float) -> Health:
    """``GET /v2/health``: ``catalog_reachable`` and one object per pool (``storage_reachable``,
    ``operation_status`` {operation: {succeeded, seconds, ref}})."""
    pools = []
    for name, body in doc.items():
        if name == "catalog_reachable" or not isinstance(body, dict):
            continue
        reachable = body.get("storage_reachable")
        ops = body.get("operation_status") if isinstance(body.get("operation_status"), dict) else {}
        failed = tuple(op for op, r in ops.items() if isinstance(r, dict) and r.get("succeeded") is False)
        times = [r.get("seconds") for r in ops.values() if isinstance(r, dict)
                 and isinstance(r.get("seconds"), (int, float))]
        pools.append(PoolHealth(name, reachable if isinstance(reachable, bool) else None, failed,
                                max(times) if times else None))
    catalog = doc.get("catalog_reachable")
    return Health(time.time(), seconds, catalog if isinstance(catalog, bool) else None,
                  tuple(sorted(pools, key=lambda p: p.name)))
