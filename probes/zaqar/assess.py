"""From a ZaqarSnapshot to findings. Pool findings use the pool's name as subject, so a cross-tier
cause (its store's replica set without a primary, its Redis down) is appended by ``probes.relate``.

Codes: api_down, api_unresponsive, api_error; auth_no_token, auth_bad_credentials,
auth_token_expired, auth_token_rejected, auth_role_missing, keystone_unreachable, auth_config;
no_pools, all_weights_zero, flavor_weights_zero, flavor_without_pools, flavor_pool_missing,
shared_store, catalog_unreachable, pool_unreachable, dead_pool_weighted, health_unavailable,
health_timeout, health_stale, ping_failed, pools_unreadable, flavors_unreadable,
placement_unreadable, healthy.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

from msgops.probes.findings import Finding, Severity
from msgops.probes.zaqar.model import Pool, ZaqarSnapshot
from msgops.probes.zaqar.shares import ALL, group_label, groups, percent, shares

AUTH_SEVERITY = {
    "auth_no_token": Severity.UNKNOWN, "auth_bad_credentials": Severity.UNKNOWN,
    "auth_role_missing": Severity.UNKNOWN, "auth_config": Severity.UNKNOWN,
    "auth_token_expired": Severity.WARNING, "auth_token_rejected": Severity.CRITICAL,
    "keystone_unreachable": Severity.CRITICAL,
}
"""Monitoring that cannot authenticate cannot tell (UNKNOWN); Zaqar refusing fresh tokens or
Keystone down breaks every client (CRITICAL)."""
STALE_HEALTH_FACTOR = 3
API, AUTH, ALL_POOLS, CATALOG, HEALTH, STORE = ("Zaqar API", "Zaqar auth", "all pools", "Zaqar catalog",
                                                "Zaqar health", "management store")
"""Subjects of the findings that are not about one pool: each holds a space, which no pool name can
(Zaqar's pool names are letters, digits, '_' and '-'), so ``probes.relate`` never mistakes them for a
pool and appends a pool store's cause to them."""


def reweight_advice(target: str, pool: str) -> str:
    return (f"drain it so new queues avoid it: msgops runbook run pool-reweight --param target={target} "
            f"--param pool={pool} --param weight=0 (existing queues stay until its store is back)")


def assess(s: ZaqarSnapshot, previous: ZaqarSnapshot | None = None) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    if s.problem is not None:
        findings.append(_api_finding(s))
        if s.problem.code in ("api_down", "api_timeout") or s.pools is None:
            return tuple(findings)
    for kind, problem in (("pools", s.pools_problem), ("flavors", s.flavors_problem)):
        if problem is not None:
            severity = Severity.UNKNOWN if problem.code in AUTH_SEVERITY or problem.code == "bad_reply" else Severity.CRITICAL
            code = problem.code if problem.code in AUTH_SEVERITY else f"{kind}_unreadable"
            findings.append(Finding(AUTH_SEVERITY.get(code, severity), code, AUTH if code in AUTH_SEVERITY else f"{kind[:-1]} list",
                                    f"{kind} not read: {problem.reason}"))
    findings += _ping_findings(s)
    if s.pools is not None:
        findings += _weight_findings(s)
        findings += _flavor_findings(s)
        findings += _shared_store_findings(s.pools)
    findings += _health_findings(s)
    if s.placement is not None and s.placement.problem:
        findings.append(Finding(Severity.WARNING, "placement_unreadable", STORE,
                                f"management store {s.placement.source} not read: {s.placement.problem}"))
    findings = _dedupe(findings)
    if not any(f.severity is not Severity.OK for f in findings):
        findings.append(_healthy(s))
    return tuple(findings)


def _api_finding(s: ZaqarSnapshot) -> Finding:
    p = s.problem
    assert p is not None
    if p.code in AUTH_SEVERITY:
        return Finding(AUTH_SEVERITY[p.code], p.code, AUTH, p.reason)
    if p.code == "api_down":
        return Finding(Severity.CRITICAL, "api_down", API, f"Zaqar API down: {p.reason}")
    if p.code == "api_timeout":
        return Finding(Severity.CRITICAL, "api_unresponsive", API, f"Zaqar API not answering: {p.reason}")
    return Finding(Severity.CRITICAL, "api_error", API, p.reason)


def _ping_findings(s: ZaqarSnapshot) -> list[Finding]:
    if s.ping in (None, 204, 200):
        return []
    took = f" in {s.ping_seconds:.1f}s" if s.ping_seconds is not None else ""
    if s.ping == 503:
        return [Finding(Severity.WARNING, "ping_failed", API,
                        f"ping answered 503{took}: Zaqar cannot reach a pool's store (health names which)")]
    return [Finding(Severity.CRITICAL, "ping_failed", API,
                    f"ping answered {s.ping}{took}: Zaqar cannot build a pool's driver (restarted while a "
                    "store was down?); queues on that pool fail")]


def _weight_findings(s: ZaqarSnapshot) -> list[Finding]:
    pools = s.pools or ()
    if not pools:
        return [Finding(Severity.CRITICAL, "no_pools", ALL_POOLS, "no pool registered: creating a queue fails (503)")]
    weights = {p.name: p.weight for p in pools}
    out = []
    for group, members in groups({p.name: p.flavor for p in pools}).items():
        if sum(max(0, weights[m]) for m in members):
            continue
        if group is ALL:
            out.append(Finding(Severity.CRITICAL, "all_weights_zero", ALL_POOLS,
                               f"every pool is at weight 0: {group_label(group)} fail (503 NoPoolFound)",
                               "raise a pool whose store is reachable: msgops runbook run pool-reweight "
                               f"--param target={s.target} --param pool=NAME --param weight=100"))
        else:
            out.append(Finding(Severity.CRITICAL, "flavor_weights_zero", f"flavor {group}",
                               f"every pool of flavor {group} ({', '.join(members)}) is at weight 0: "
                               f"{group_label(group)} fail"))
    return out


def _flavor_findings(s: ZaqarSnapshot) -> list[Finding]:
    names = {p.name for p in s.pools or ()}
    out = []
    for flavor in s.flavors or ():
        missing = [p for p in flavor.pools if p not in names]
        if missing:
            out.append(Finding(Severity.CRITICAL, "flavor_pool_missing", f"flavor {flavor.name}",
                               f"names pool(s) {', '.join(missing)} that do not exist: queues of this flavor "
                               "cannot land there"))
        if not flavor.pools and not any(p.flavor == flavor.name for p in s.pools or ()):
            out.append(Finding(Severity.CRITICAL, "flavor_without_pools", f"flavor {flavor.name}",
                               f"flavor {flavor.name} has no pool (its pools were deleted): creating a queue of "
                               "this flavor fails"))
    return out


def store_identity(uri: str) -> str:
    """What a pool URI's store *is*: scheme, hosts and (MongoDB) replica set; not the database."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    hosts = parts.netloc.rpartition("@")[2].lower()
    hosts = ",".join(sorted(h if ":" in h else f"{h}:{_default_port(parts.scheme)}" for h in hosts.split(",") if h))
    if parts.scheme.startswith("redis") and "unix" in dict(parse_qsl(parts.query)):
        hosts = dict(parse_qsl(parts.query))["unix"]
    rs = dict(parse_qsl(parts.query)).get("replicaSet", "")
    return f"{parts.scheme}://{hosts}" + (f"/?replicaSet={rs}" if rs else "")


def _default_port(scheme: str) -> int:
    return {"mongodb": 27017, "redis": 6379, "rediss": 6379}.get(scheme, 0)


def _shared_store_findings(pools: tuple[Pool, ...]) -> list[Finding]:
    by_store: dict[str, list[Pool]] = {}
    for pool in pools:
        by_store.setdefault(store_identity(pool.store.reveal() or pool.uri), []).append(pool)
    out = []
    for sharing in by_store.values():
        if len(sharing) > 1:
            names = ", ".join(p.name for p in sharing)
            out.append(Finding(Severity.WARNING, "shared_store", sharing[0].name,
                               f"pools {names} are on one store ({sharing[0].uri}): they fail together, and "
                               "draining one onto the other protects nothing"))
    return out


def _health_findings(s: ZaqarSnapshot) -> list[Finding]:
    out: list[Finding] = []
    now = time.time()
    failed = s.health_failed
    if failed is not None:
        code, severity = {"api_timeout": ("health_timeout", Severity.WARNING),
                          "http_error": ("health_unavailable", Severity.CRITICAL)}.get(
            failed.problem.code, (failed.problem.code, Severity.UNKNOWN))
        if failed.problem.code in AUTH_SEVERITY:
            severity = AUTH_SEVERITY[failed.problem.code]
        shown = f" (showing health from {_age(now - s.health.taken_at)} ago)" if s.health else ""
        if failed.problem.status == 503:
            reason = (f"GET /v2/health answered 503 after {failed.seconds:.1f}s: Zaqar cannot read a pool's store "
                      "(restarted while it was down?)")
        else:
            reason = f"health not read: {failed.problem.reason}"
        out.append(Finding(severity, code, AUTH if code in AUTH_SEVERITY else HEALTH, reason + shown))
    health = s.health
    if health is None:
        return out
    age = now - health.taken_at
    when = f"health {_age(age)} ago"
    limit = STALE_HEALTH_FACTOR * s.health_interval + s.health_timeout
    if age > limit and s.health_pending is None:
        out.append(Finding(Severity.WARNING, "health_stale", HEALTH,
                           f"the last health that answered is {_age(age)} old (expected every {s.health_interval:g}s)"))
    unreachable = [p for p in health.pools if p.storage_reachable is False]
    if health.catalog_reachable is False:
        if unreachable:
            out.append(Finding(Severity.WARNING, "catalog_unreachable", CATALOG,
                               f"Zaqar reports its catalog unreachable ({when}): Zaqar 23 says so whenever a pool's "
                               "store is down"))
        else:
            out.append(Finding(Severity.CRITICAL, "catalog_unreachable", CATALOG,
                               f"Zaqar cannot reach its catalog (management store) ({when}): queue lookups and "
                               "creation fail"))
    pools = {p.name: p for p in s.pools or ()}
    weights = {name: p.weight for name, p in pools.items()}
    everyone = shares(weights, sorted(pools))
    for ph in unreachable:
        placed = s.placement.of(ph.name) if s.placement is not None else None
        queues = f"its {placed} queue(s) fail" if placed is not None else "queues placed on it fail"
        ops = f"; failed: {', '.join(ph.failed_operations)}" if ph.failed_operations else ""
        out.append(Finding(Severity.CRITICAL, "pool_unreachable", ph.name,
                           f"storage unreachable ({when}): {queues}{ops}"))
        pool = pools.get(ph.name)
        if pool is not None and pool.weight > 0:
            out.append(Finding(Severity.CRITICAL, "dead_pool_weighted", ph.name,
                               f"new queues land on a dead pool: weight {pool.weight} "
                               f"({percent(everyone.get(ph.name))} of new queues) with its store unreachable",
                               reweight_advice(s.target, ph.name)))
    return out


def _healthy(s: ZaqarSnapshot) -> Finding:
    pools = s.pools or ()
    reachable = ""
    if s.health is not None:
        up = sum(1 for p in s.health.pools if p.storage_reachable)
        reachable = f" ({up} reachable, health {_age(time.time() - s.health.taken_at)} ago)"
    elif s.health_pending is not None:
        reachable = f" (health pending {_age(s.health_pending)})"
    flavors = f", {len(s.flavors)} flavor(s)" if s.flavors else ""
    ping = f", ping {s.ping}" if s.ping else ""
    return Finding(Severity.OK, "healthy", "Zaqar", f"{len(pools)} pool(s){reachable}{flavors}{ping}")


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.subject)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
