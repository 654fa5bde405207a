"""msgops.sim.redis: a wire-level Redis 7.0 simulator (one asyncio server per simulated Redis) that
redis-py talks to exactly as to a real server, RESP2 or RESP3.

``from msgops.sim.redis import SimRedis`` — see ``server.py`` for the API and faults, ``commands.py``
for what it answers, ``info.py`` for INFO. It is held to a real redis-server 7.0.15's replies
(tests/data/redis, and a live server in tests/redis when one is installed).

Why not fakeredis's ``TcpFakeServer``: it is built to emulate Redis's *data* commands for
applications under test (a threading TCP server around an in-memory keyspace). msgops needs the
opposite: almost no data commands, but the server's own state as INFO reports it field for field,
and the faults an operator meets (port closed, hung, slow, loading, out of memory, rejecting,
replica link down), which its documentation does not offer. The wire layer here is ~100 lines.
"""

from msgops.sim.redis.model import RedisState
from msgops.sim.redis.server import SimRedis

__all__ = ["SimRedis", "RedisState"]
