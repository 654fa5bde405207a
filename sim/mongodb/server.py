"""``MemberServer``: one member's listening port on 127.0.0.1, speaking the wire protocol.

Why: pymongo must reach each member over real TCP. The port is chosen once (ephemeral by
default) and reused when the member comes back, so the URI stays valid. Faults act here: a down
member's port is closed and its connections dropped (connection refused); a hung member accepts
connections and reads requests but never answers; a slow member answers after a delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from msgops.sim.mongodb import commands, wire
from msgops.sim.mongodb.model import Member, ReplicaSetModel
from msgops.sim.mongodb.scram import Credentials

log = logging.getLogger(__name__)
_connection_ids = itertools.count(1)
DRAIN_TIMEOUT = 10.0
"""Seconds a reply may wait for a client that does not read; then the connection is dropped.
Reads have no deadline, as on a real server: an idle pooled connection stays open until the
client closes it or the member goes down / the simulator stops (``stop`` waits at most 2 s)."""


class MemberServer:
    """Serves ``member`` from ``model`` on ``host:port`` (port 0 = pick one, then keep it)."""

    def __init__(self, model: ReplicaSetModel, member: Member, host: str = "127.0.0.1",
                 port: int = 0, credentials: Credentials | None = None,
                 close_on_step_down: bool = False):
        self.model, self.member, self.host, self.port = model, member, host, port
        self.credentials = credentials
        self.close_on_step_down = close_on_step_down
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()
        self.stats = {"current": 0, "total": 0, "active": 0}

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    def close_now(self) -> None:
        """Stop listening and drop every client connection (like a killed process)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.drop_connections()

    def drop_connections(self) -> None:
        for w in list(self._writers):
            with contextlib.suppress(Exception):
                w.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        self.close_now()
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        self._writers.add(writer)
        self.stats["current"] += 1
        self.stats["total"] += 1
        conn = commands.Connection(next(_connection_ids))
        try:
            await self._loop(reader, writer, conn)
        except (asyncio.IncompleteReadError, ConnectionError, wire.ProtocolError,
                asyncio.TimeoutError) as e:
            log.debug("member %s connection %s ends: %s", self.member.host, conn.id, e)
        except asyncio.CancelledError:
            pass
        finally:
            self.stats["current"] -= 1
            self._writers.discard(writer)
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.transport.abort()

    async def _loop(self, reader, writer, conn) -> None:
        while True:
            request_id, opcode, payload = await wire.read_message(reader)
            if self.member.hung:
                continue  # read and ignore: the client waits until its own timeout
            req = wire.decode(request_id, opcode, payload)
            if self.member.reply_delay > 0:
                await asyncio.sleep(self.member.reply_delay)
            if self.member.hung or not self.member.running:
                continue
            if req.opcode == wire.OP_QUERY and req.name not in commands.HELLO_NAMES:
                reply = _op_query_refusal(req)
            else:
                ctx = commands.Context(self.model, self.member, conn, self.credentials,
                                       self.stats, close_on_step_down=self.close_on_step_down)
                self.stats["active"] += 1
                try:
                    reply = await commands.run(ctx, req)
                finally:
                    self.stats["active"] -= 1
                if req.more_to_come:
                    if reply.get("ok") != 1.0:
                        return  # an unacknowledged write that failed: the server hangs up
                    continue
                if "close_all" in ctx.after_reply:
                    writer.write(wire.encode_reply(req, reply))
                    with contextlib.suppress(ConnectionError):
                        await asyncio.wait_for(writer.drain(), 2.0)
                    self.drop_connections()
                    return
            writer.write(wire.encode_reply(req, reply))
            await asyncio.wait_for(writer.drain(), DRAIN_TIMEOUT)


def _op_query_refusal(req: wire.Request) -> dict:
    """What a 6.0/7.0 server answers to an OP_QUERY command other than hello/isMaster."""
    return {"ok": 0.0, "errmsg": f"Unsupported OP_QUERY command: {req.name}. The client driver "
            "may require an upgrade. For more details see "
            "https://dochub.mongodb.org/core/legacy-opcode-removal",
            "code": 352, "codeName": "UnsupportedOpQueryCommand"}
