"""msgops.sim.mongodb: a wire-level MongoDB replica-set simulator (one asyncio process, one port
per member) that pymongo discovers and monitors as a real 6.0/7.0 replica set.

``from msgops.sim.mongodb import SimReplicaSet, Timing`` — see ``replset.py`` for the API,
``faults.py`` for fault controls, ``model.py`` for the shared state.

Why not MongoDB Inc.'s ``mockupdb`` (PyPI 1.8.1, last release 2021) as the wire layer: it still
speaks to pymongo 4.20 (a quick check answered ``ping``), but it is built for scripted
request/reply tests — one blocking thread per connection plus an accept thread, and any request
without an auto-responder blocks the client until a test replies by hand. It has no asyncio
integration, no notion of several members sharing one state, no SCRAM, no per-member faults
(hung, slow, down with the port kept), its auto-``ismaster`` defaults to wire version 6 and does
not match ``hello``, and its Python 2 era code is unmaintained. Framing OP_MSG/OP_QUERY with
pymongo's own ``bson`` takes ~150 lines here (``wire.py``), so nothing is gained by depending
on it. No other maintained Python library serves the MongoDB wire protocol as a server.
"""

from msgops.sim.mongodb.model import (ARBITER, DOWN, PRIMARY, RECOVERING, ROLLBACK, SECONDARY,
                                      STARTUP2, STATE_STR, ReplicaSetModel, Timing)
from msgops.sim.mongodb.replset import SimReplicaSet

__all__ = ["SimReplicaSet", "ReplicaSetModel", "Timing", "PRIMARY", "SECONDARY", "RECOVERING",
           "STARTUP2", "ARBITER", "DOWN", "ROLLBACK", "STATE_STR"]
