"""Redis tier: one Redis server per target (a Zaqar pool's store), watched with PING and INFO.

``SPEC`` is what the registry sees; redis-py loads only when a probe is made. Across tiers it watches
``redis://`` and ``rediss://`` URIs: a Zaqar pool on ``redis://:pw@10.0.0.7:6379?dbid=2`` is matched
to the target on ``10.0.0.7:6379`` whatever its database (identity = the server, see target.py).
"""

from __future__ import annotations

from msgops.probes.redis.target import EXAMPLE, identities, identity_of_uri, parse_target, target_from_uri
from msgops.probes.tier import TierSpec, lazy


SPEC = TierSpec(
    name="redis",
    title="Redis",
    parse_target=parse_target,
    make_probe=lazy("msgops.probes.redis.collect:RedisProbe"),
    assess=lazy("msgops.probes.redis.assess:assess"),
    report=lazy("msgops.probes.redis.report:report"),
    demo="msgops.sim.redis.demo:demo_targets",
    blocking_workers=1,
    example=EXAMPLE,
    uri_schemes=("redis", "rediss"),
    identity_of_uri=identity_of_uri,
    identities=identities,
    target_from_uri=target_from_uri,
)
