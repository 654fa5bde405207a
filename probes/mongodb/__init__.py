"""MongoDB tier (replica sets, 4.4 to 8.0): pymongo async client, collector, assessment, headless
report, the failover runbook and the simulated demo set.

``SPEC`` is what the registry sees; pymongo loads only when a probe (or the inventory's URI
validation) needs it.
"""

from __future__ import annotations

from msgops.probes.mongodb.target import EXAMPLE, identities, identity_of_uri, parse_target, target_from_uri
from msgops.probes.tier import TierSpec, lazy


SPEC = TierSpec(
    name="mongodb",
    title="MongoDB",
    parse_target=parse_target,
    make_probe=lazy("msgops.probes.mongodb.collect:MongoProbe"),
    assess=lazy("msgops.probes.mongodb.assess:assess"),
    report=lazy("msgops.probes.mongodb.report:report"),
    runbooks=("msgops.runbooks.mongodb.failover:Failover",),
    demo="msgops.sim.mongodb.demo:demo_targets",
    blocking_workers=1,
    example=EXAMPLE,
    uri_schemes=("mongodb",),
    identity_of_uri=identity_of_uri,
    identities=identities,
    target_from_uri=target_from_uri,
)
