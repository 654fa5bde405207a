"""AMQP 0-9-1 canary: publish one message to a temporary queue on one node and consume it back.

pika is blocking, so each canary runs in a thread with socket and overall timeouts; a broker that
accepts the TCP connection but never answers still ends within ``timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import uuid

import pika
import pika.exceptions

from msgops.probes.cycle import Inflight, run_blocking
from msgops.probes.rabbitmq.model import CanaryResult
from msgops.probes.rabbitmq.target import AmqpHost, RabbitTarget

# The canary reports its own failures as findings; pika's error logs would otherwise reach stderr
# (Python's last-resort handler) and scribble over the console.
_pika_log = logging.getLogger("pika")
_pika_log.addHandler(logging.NullHandler())
_pika_log.propagate = False



def _round_trip(host: AmqpHost, target: RabbitTarget) -> CanaryResult:
    params = pika.ConnectionParameters(
        host=host.host,
        port=host.port,
        virtual_host=target.vhost,
        credentials=pika.PlainCredentials(host.username, host.password.reveal()),
        socket_timeout=target.canary_timeout,
        blocked_connection_timeout=target.canary_timeout,
        stack_timeout=target.canary_timeout,
        connection_attempts=1,
        heartbeat=0,
        client_properties={"connection_name": "msgops-canary"},
    )
    if target.amqp_ssl:
        context = ssl.create_default_context(cafile=target.ca_file)
        if not target.verify_tls:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        params.ssl_options = pika.SSLOptions(context, host.host)
    started = time.perf_counter()
    connection = None
    try:
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        declared = channel.queue_declare(queue="", exclusive=True, auto_delete=True)
        queue = declared.method.queue
        token = uuid.uuid4().hex.encode()
        channel.basic_publish(exchange="", routing_key=queue, body=token)
        deadline = started + target.canary_timeout
        while time.perf_counter() < deadline:
            method, _props, body = channel.basic_get(queue=queue, auto_ack=True)
            if method is not None and body == token:
                return CanaryResult(host.address, True, time.perf_counter() - started)
            connection.sleep(0.01)
        return CanaryResult(host.address, False, None, f"message not back within {target.canary_timeout:g}s")
    except pika.exceptions.ProbableAuthenticationError:
        return CanaryResult(host.address, False, None, f"login refused for user {host.username!r}")
    except pika.exceptions.AMQPConnectionError as exc:
        return CanaryResult(host.address, False, None, f"cannot connect: {_short(exc)}")
    except pika.exceptions.ChannelClosed as exc:
        return CanaryResult(host.address, False, None, f"channel closed by broker: {exc.reply_text}")
    except (pika.exceptions.AMQPError, OSError) as exc:
        return CanaryResult(host.address, False, None, f"{type(exc).__name__}: {_short(exc)}")
    finally:
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not mask the result
                pass


def _short(exc: BaseException) -> str:
    """The root cause in words: pika wraps socket errors two levels deep in args tuples."""
    root: BaseException = exc
    for _ in range(4):
        inner = getattr(root, "exception", None) or next(
            (a for a in root.args if isinstance(a, BaseException)), None
        )
        if inner is None:
            break
        root = inner
    if isinstance(root, OSError) and root.strerror:
        return root.strerror.lower()
    text = str(root) or type(root).__name__
    return text if len(text) < 120 else text[:117] + "..."


async def run_canaries(target: RabbitTarget, inflight: Inflight | None = None) -> tuple[CanaryResult, ...]:
    """One canary per AMQP host of the target, concurrently, each bounded by a hard deadline and run
    on the tier's bounded thread pool (pika blocks)."""
    inflight = inflight or Inflight()
    deadline = target.canary_timeout * 2 + 1

    async def one(host: AmqpHost) -> CanaryResult:
        try:
            with inflight.track(f"AMQP canary {host.address}"):
                return await run_blocking("rabbitmq", _round_trip, host, target, deadline=deadline)
        except asyncio.TimeoutError:
            return CanaryResult(host.address, False, None, f"no result within {deadline:g}s")

    return tuple(await asyncio.gather(*(one(h) for h in target.hosts)))
