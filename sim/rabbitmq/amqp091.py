"""Minimal AMQP 0-9-1 server on asyncio, one per simulated node, using pika's own codec.

Why: the console's canary publishes and fetches one message per node with pika; this answers
enough of the protocol for that (PLAIN login, channels, queue declare/delete/purge, publish to
the default exchange, get/ack, consume, confirms) against the shared cluster model. Frames are
encoded and decoded by ``pika.frame``/``pika.spec``; nothing here hand-writes the wire format.
"""

from __future__ import annotations

import asyncio
import base64
import os

from pika import frame, spec

from msgops.sim.rabbitmq.amqp_channel import ChannelError, SimChannel

SERVER_PROPERTIES = {
    "product": "RabbitMQ", "platform": "Erlang/OTP 25.2.3", "copyright": "simulated",
    "information": "msgops.sim", "cluster_name": "",
    "capabilities": {"publisher_confirms": True, "exchange_exchange_bindings": True,
                     "basic.nack": True, "consumer_cancel_notify": True,
                     "connection.blocked": True, "authentication_failure_close": True,
                     "per_consumer_qos": True, "direct_reply_to": True},
}
FRAME_MAX = 131072


class ConnectionError_(Exception):
    """Closes the connection with ``code``/``text``."""

    def __init__(self, code: int, text: str, method=None):
        super().__init__(text)
        self.code, self.text = code, text
        self.class_id, self.method_id = (method.INDEX >> 16, method.INDEX & 0xFFFF) if method \
            else (0, 0)


class AmqpConnection:
    """One client connection: handshake, then dispatches frames to its channels."""

    def __init__(self, server: AmqpServer, reader, writer):
        self.server, self.model, self.node = server, server.model, server.node
        self.reader, self.writer = reader, writer
        self.vhost = "/"
        self.channels: dict[int, SimChannel] = {}
        self.frame_max = FRAME_MAX
        self.heartbeat = 0
        self.loop = asyncio.get_running_loop()
        self.open = False
        self.tag = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")

    def send(self, channel: int, method, props=None, body: bytes | None = None) -> None:
        if self.writer.is_closing():
            return
        out = [frame.Method(channel, method).marshal()]
        if body is not None:
            out.append(frame.Header(channel, len(body), props or spec.BasicProperties()).marshal())
            step = self.frame_max - 8
            for i in range(0, len(body), step):
                out.append(frame.Body(channel, body[i:i + step]).marshal())
        self.writer.write(b"".join(out))

    async def run(self) -> None:
        buf = b""
        beat = None
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                buf += data
                while True:
                    used, fr = frame.decode_frame(buf)
                    if not used:
                        break
                    buf = buf[used:]
                    if await self.handle(fr) is False:
                        return
                    if self.heartbeat and beat is None:
                        beat = asyncio.ensure_future(self._beat())
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        except ConnectionError_ as e:
            self.send(0, spec.Connection.Close(e.code, e.text, e.class_id, e.method_id))
        except Exception as e:  # noqa: BLE001 - a broker answers 541, it does not crash
            self.send(0, spec.Connection.Close(541, f"INTERNAL_ERROR - {e!r}", 0, 0))
        finally:
            if beat:
                beat.cancel()
            self.cleanup()

    async def _beat(self) -> None:
        while not self.writer.is_closing():
            await asyncio.sleep(max(self.heartbeat / 2, 0.5))
            self.writer.write(frame.Heartbeat().marshal())

    async def handle(self, fr):
        if isinstance(fr, frame.ProtocolHeader):
            self.send(0, spec.Connection.Start(0, 9, SERVER_PROPERTIES, "PLAIN AMQPLAIN",
                                               "en_US"))
            return True
        if isinstance(fr, frame.Heartbeat):
            return True
        if fr.channel_number == 0:
            return await self.connection_method(fr.method)
        ch = self.channels.get(fr.channel_number)
        if isinstance(fr, frame.Method) and isinstance(fr.method, spec.Channel.Open):
            if ch is not None:
                raise ConnectionError_(504, "CHANNEL_ERROR - second 'channel.open' seen",
                                       fr.method)
            self.channels[fr.channel_number] = SimChannel(self, fr.channel_number)
            self.model.channels[self.node] += 1
            self.send(fr.channel_number, spec.Channel.OpenOk())
            return True
        if ch is None:
            raise ConnectionError_(504, "CHANNEL_ERROR - expected 'channel.open'")
        try:
            ch.handle(fr)
        except ChannelError as e:
            self.close_channel(fr.channel_number)
            self.send(fr.channel_number, spec.Channel.Close(e.code, e.text, *e.ids))
            self.channels[fr.channel_number] = ch.closing()
        return True

    async def connection_method(self, m):
        if isinstance(m, spec.Connection.StartOk):
            resp = m.response if isinstance(m.response, bytes) else (m.response or "").encode()
            parts = resp.split(b"\0")
            user, pw = (parts[1].decode(errors="replace"), parts[2].decode(errors="replace")) \
                if len(parts) == 3 else ("", "")
            if m.mechanism != "PLAIN" or (user, pw) != (self.model.user, self.model.password):
                raise ConnectionError_(403, "ACCESS_REFUSED - Login was refused using "
                                       "authentication mechanism PLAIN. For details see the "
                                       "broker logfile.")
            self.send(0, spec.Connection.Tune(2047, FRAME_MAX, self.server.heartbeat))
        elif isinstance(m, spec.Connection.TuneOk):
            self.frame_max = m.frame_max or FRAME_MAX
            self.heartbeat = m.heartbeat
        elif isinstance(m, spec.Connection.Open):
            if m.virtual_host not in self.model.vhosts:
                raise ConnectionError_(530, f"NOT_ALLOWED - vhost {m.virtual_host} not found", m)
            self.vhost, self.open = m.virtual_host, True
            self.model.connections[self.node] += 1
            self.send(0, spec.Connection.OpenOk())
        elif isinstance(m, spec.Connection.Close):
            self.release()  # before CloseOk, so the client sees its exclusive queues gone
            self.send(0, spec.Connection.CloseOk())
            await self.writer.drain()
            return False
        return True

    def close_channel(self, number: int) -> None:
        ch = self.channels.pop(number, None)
        if ch is not None and not ch.closed:
            ch.release()
            self.model.channels[self.node] -= 1

    def release(self) -> None:
        """Channels, counters and exclusive queues of this connection go away (idempotent)."""
        for number in list(self.channels):
            self.close_channel(number)
        if self.open:
            self.open = False
            self.model.connections[self.node] -= 1
        self.model.delete_owned(self)

    def cleanup(self) -> None:
        self.release()
        self.server.conns.discard(self)
        self.writer.close()


class AmqpServer:
    """Listens for one node; ``stop`` closes the port and drops every client connection."""

    def __init__(self, model, node: str, host: str = "127.0.0.1", port: int = 0,
                 heartbeat: int = 0):
        self.model, self.node, self.host, self.port = model, node, host, port
        self.heartbeat = heartbeat
        self.conns: set[AmqpConnection] = set()
        self._server: asyncio.base_events.Server | None = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def _client(self, reader, writer) -> None:
        conn = AmqpConnection(self, reader, writer)
        self.conns.add(conn)
        await conn.run()

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._client, self.host, self.port,
                                                      reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for c in list(self.conns):
            c.writer.close()
        await server.wait_closed()
