"""One AMQP 0-9-1 channel of the simulated broker: queue, basic and confirm methods.

Why separate from amqp091: the connection does framing and login; this maps channel methods onto
the cluster model (as seen from the node the client is connected to) and keeps the channel's
unacked deliveries so they are requeued when the channel or connection closes.
"""

from __future__ import annotations

import base64
import os

from pika import frame, spec

from msgops.sim.rabbitmq.simtypes import NotFound, SimError, rs


class ChannelError(Exception):
    """Closes the channel with ``code``/``text`` (like the broker's channel exceptions)."""

    def __init__(self, code: int, text: str, method=None):
        super().__init__(text)
        self.code, self.text = code, text
        self.ids = (method.INDEX >> 16, method.INDEX & 0xFFFF) if method else (0, 0)


class _Closing:
    """A channel the server closed: drops frames until the client's ``Channel.CloseOk``."""

    closed = True

    def __init__(self, conn, number: int):
        self.conn, self.number = conn, number

    def handle(self, fr) -> None:
        if isinstance(fr, frame.Method) and isinstance(fr.method, spec.Channel.CloseOk):
            self.conn.channels.pop(self.number, None)

    def release(self) -> None:
        pass


class SimChannel:
    closed = False

    def __init__(self, conn, number: int):
        self.conn, self.number, self.model = conn, number, conn.model
        self.pending = None  # (Basic.Publish, header frame or None, [body parts])
        self.tag = 0
        self.unacked: dict[int, tuple] = {}  # delivery tag -> (vhost, queue, (props, body))
        self.consumers: dict[str, tuple] = {}  # consumer tag -> (queue, no_ack, waiter)
        self.confirming = False
        self.published = 0

    def closing(self) -> _Closing:
        return _Closing(self.conn, self.number)

    def send(self, method, props=None, body=None) -> None:
        self.conn.send(self.number, method, props, body)

    def queue(self, name: str, method):
        try:
            q = self.model.get_queue(self.conn.vhost, name)
        except NotFound:
            raise ChannelError(404, f"NOT_FOUND - no queue '{name}' in vhost "
                                    f"'{self.conn.vhost}'", method) from None
        if q.exclusive and q.owner is not self.conn:
            raise ChannelError(405, "RESOURCE_LOCKED - cannot obtain exclusive access to "
                                    f"locked {rs(q.vhost, q.name)}", method)
        return q

    def handle(self, fr) -> None:
        if isinstance(fr, frame.Header):
            self.pending = (self.pending[0], fr, [])
            return self._maybe_publish()
        if isinstance(fr, frame.Body):
            self.pending[2].append(fr.fragment)
            return self._maybe_publish()
        m = fr.method
        handler = getattr(self, "on_" + type(m).__name__.lower(), None)
        if handler is None or type(m).__module__ != "pika.spec" or \
                type(m).__qualname__.split(".")[0] not in ("Queue", "Basic", "Confirm",
                                                            "Exchange", "Channel"):
            raise ChannelError(540, f"NOT_IMPLEMENTED - {m.NAME}", m)
        handler(m)

    # --- channel / exchange / confirm ----------------------------------------------------
    def on_close(self, m) -> None:
        self.conn.close_channel(self.number)
        self.send(spec.Channel.CloseOk())

    def on_flow(self, m) -> None:
        self.send(spec.Channel.FlowOk(m.active))

    def on_select(self, m) -> None:
        self.confirming = True
        if not m.nowait:
            self.send(spec.Confirm.SelectOk())

    # --- queue ---------------------------------------------------------------------------
    def on_declare(self, m) -> None:
        if isinstance(m, spec.Exchange.Declare):
            if not m.nowait:
                self.send(spec.Exchange.DeclareOk())
            return
        name = m.queue or "amq.gen-" + base64.urlsafe_b64encode(os.urandom(16)).decode()[:22]
        with self.model.lock:
            if m.passive:
                q = self.queue(name, m)
            else:
                if name.startswith("amq.") and m.queue:
                    raise ChannelError(403, f"ACCESS_REFUSED - queue name '{name}' contains "
                                            "reserved prefix 'amq.*'", m)
                args = dict(m.arguments or {})
                existing = self.model.queues.get((self.conn.vhost, name))
                if existing is not None:
                    q = self.queue(name, m)
                else:
                    q = self.model.declare_queue(
                        name, self.conn.vhost, args.get("x-queue-type", "classic"),
                        node=self.conn.node, durable=bool(m.durable),
                        exclusive=bool(m.exclusive), auto_delete=bool(m.auto_delete),
                        owner=self.conn if m.exclusive else None, arguments=args)
            count = q.messages - q.unacked
        if not m.nowait:
            self.send(spec.Queue.DeclareOk(name, count, q.consumers))

    def on_bind(self, m) -> None:
        if not m.nowait:
            self.send(spec.Queue.BindOk() if isinstance(m, spec.Queue.Bind)
                      else spec.Exchange.BindOk())

    def on_unbind(self, m) -> None:
        if isinstance(m, spec.Queue.Unbind):
            self.send(spec.Queue.UnbindOk())
        elif not m.nowait:
            self.send(spec.Exchange.UnbindOk())

    def on_purge(self, m) -> None:
        with self.model.lock:
            q = self.queue(m.queue, m)
            n = self.model.purge(q.vhost, q.name)
        if not m.nowait:
            self.send(spec.Queue.PurgeOk(n))

    def on_delete(self, m) -> None:
        if isinstance(m, spec.Exchange.Delete):
            return None if m.nowait else self.send(spec.Exchange.DeleteOk())
        with self.model.lock:
            if (self.conn.vhost, m.queue) not in self.model.queues:
                n = 0  # deleting a missing queue is not an error
            else:
                q = self.queue(m.queue, m)
                n = q.messages
                try:
                    self.model.delete(q.vhost, q.name, m.if_empty, m.if_unused)
                except SimError as e:
                    raise ChannelError(406, f"PRECONDITION_FAILED - {e}", m) from None
        if not m.nowait:
            self.send(spec.Queue.DeleteOk(n))

    # --- basic ---------------------------------------------------------------------------
    def on_qos(self, m) -> None:
        self.send(spec.Basic.QosOk())

    def on_publish(self, m) -> None:
        self.pending = (m, None, [])

    def _maybe_publish(self) -> None:
        m, header, parts = self.pending
        if header is None or sum(map(len, parts)) < header.body_size:
            return
        self.pending = None
        body = b"".join(parts)
        ok = m.exchange == "" and self.model.publish(self.conn.vhost, m.routing_key, 1, body,
                                                     header.properties, via=self.conn.node)
        if not ok and m.exchange == "" and m.mandatory:
            self.send(spec.Basic.Return(312, "NO_ROUTE", m.exchange, m.routing_key),
                      header.properties, body)
        if self.confirming:
            self.published += 1
            self.send(spec.Basic.Ack(self.published, False))

    def _deliver(self, qname: str, got, method_factory, no_ack: bool) -> None:
        props, body, remaining = got
        self.tag += 1
        if not no_ack:
            self.unacked[self.tag] = (self.conn.vhost, qname, (props, body))
        self.send(method_factory(self.tag, remaining), props, body)

    def on_get(self, m) -> None:
        with self.model.lock:
            q = self.queue(m.queue, m)
            got = self.model.take(q.vhost, q.name, ack=not m.no_ack, via=self.conn.node)
        if got is None:
            self.send(spec.Basic.GetEmpty())
            return
        self._deliver(m.queue, got, lambda tag, rem: spec.Basic.GetOk(tag, False, "", m.queue,
                                                                      rem), m.no_ack)

    def _settle(self, tag: int, multiple: bool, requeue: bool) -> None:
        tags = [t for t in self.unacked if t <= tag] if multiple else [tag]
        if multiple and tag == 0:
            tags = list(self.unacked)
        for t in tags:
            entry = self.unacked.pop(t, None)
            if entry is None:
                raise ChannelError(406, f"PRECONDITION_FAILED - unknown delivery tag {t}")
            vhost, qname, item = entry
            self.model.settle(vhost, qname, item, requeue=requeue)

    def on_ack(self, m) -> None:
        self._settle(m.delivery_tag, m.multiple, False)

    def on_nack(self, m) -> None:
        self._settle(m.delivery_tag, m.multiple, m.requeue)

    def on_reject(self, m) -> None:
        self._settle(m.delivery_tag, False, m.requeue)

    def on_consume(self, m) -> None:
        tag = m.consumer_tag or "amq.ctag-" + base64.urlsafe_b64encode(os.urandom(16)).decode()[:22]
        loop = self.conn.loop

        def waiter():
            loop.call_soon_threadsafe(self._pump, tag)
        with self.model.lock:
            q = self.queue(m.queue, m)
            q.consumers += 1
            q.waiters.append(waiter)
        self.consumers[tag] = (m.queue, m.no_ack, waiter)
        if not m.nowait:
            self.send(spec.Basic.ConsumeOk(tag))
        loop.call_soon(self._pump, tag)

    def _pump(self, tag: str) -> None:
        entry = self.consumers.get(tag)
        if entry is None or self.closed:
            return
        qname, no_ack, _ = entry
        while True:
            try:
                got = self.model.take(self.conn.vhost, qname, ack=not no_ack, via=self.conn.node)
            except SimError:
                return
            if got is None:
                return
            self._deliver(qname, got, lambda t, _r: spec.Basic.Deliver(tag, t, False, "", qname),
                          no_ack)

    def _cancel(self, tag: str) -> None:
        qname, _, waiter = self.consumers.pop(tag)
        q = self.model.queues.get((self.conn.vhost, qname))
        if q is not None:
            q.consumers = max(0, q.consumers - 1)
            if waiter in q.waiters:
                q.waiters.remove(waiter)

    def on_cancel(self, m) -> None:
        with self.model.lock:
            if m.consumer_tag in self.consumers:
                self._cancel(m.consumer_tag)
        if not m.nowait:
            self.send(spec.Basic.CancelOk(m.consumer_tag))

    def release(self) -> None:
        """Channel gone: cancel consumers and requeue unacked deliveries."""
        self.closed = True
        with self.model.lock:
            for tag in list(self.consumers):
                self._cancel(tag)
            for vhost, qname, item in self.unacked.values():
                self.model.settle(vhost, qname, item, requeue=True)
            self.unacked.clear()
