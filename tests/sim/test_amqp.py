"""pika BlockingConnection against the simulated AMQP 0-9-1 listener of each node."""

from __future__ import annotations

import time

import pika
import pytest


def connect(port: int, password: str = "guest") -> pika.BlockingConnection:
    params = pika.ConnectionParameters("127.0.0.1", port, connection_attempts=1,
                                       credentials=pika.PlainCredentials("guest", password),
                                       socket_timeout=5, blocked_connection_timeout=5)
    return pika.BlockingConnection(params)


def test_canary_round_trip_on_every_node(cluster):
    for node, port in zip(cluster.node_names, cluster.amqp_ports):
        t = time.monotonic()
        conn = connect(port)
        ch = conn.channel()
        ch.confirm_delivery()
        queue = ch.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
        assert queue.startswith("amq.gen-")
        assert cluster.model.queues[("/", queue)].node == node  # declared on that node
        ch.basic_publish("", queue, b"canary", pika.BasicProperties(message_id="m1"))
        method, props, body = ch.basic_get(queue, auto_ack=False)
        assert (body, props.message_id, method.message_count) == (b"canary", "m1", 0)
        ch.basic_ack(method.delivery_tag)
        assert ch.basic_get(queue) == (None, None, None)
        conn.close()
        assert ("/", queue) not in cluster.model.queues  # exclusive queue gone with conn
        assert time.monotonic() - t < 1.0


def test_consume_purge_delete_and_errors(cluster):
    conn = connect(cluster.amqp_ports[0])
    ch = conn.channel()
    ch.queue_declare("work", durable=True)
    for i in range(3):
        ch.basic_publish("", "work", f"m{i}".encode())
    got = []

    def on_message(channel, method, _props, body):
        got.append(body)
        channel.basic_ack(method.delivery_tag)
        if len(got) == 3:
            channel.stop_consuming()
    ch.basic_consume("work", on_message)
    ch.start_consuming()
    assert got == [b"m0", b"m1", b"m2"]
    ch.basic_publish("", "work", b"x")
    assert ch.queue_purge("work").method.message_count == 1
    assert ch.queue_delete("work").method.message_count == 0
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare("nope", passive=True)
    assert e.value.reply_code == 404
    assert conn.channel().is_open  # the connection survives a channel error
    conn.close()
    assert cluster.model.connections == {n: 0 for n in cluster.node_names}


def test_unacked_message_is_requeued_when_the_channel_closes(cluster):
    conn = connect(cluster.amqp_ports[1])
    ch = conn.channel()
    ch.queue_declare("rq")
    ch.basic_publish("", "rq", b"once")
    assert ch.basic_get("rq")[2] == b"once"
    ch.close()
    ch = conn.channel()
    assert ch.basic_get("rq", auto_ack=True)[2] == b"once"
    conn.close()


def test_wrong_password_and_stopped_node(cluster):
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        connect(cluster.amqp_ports[0], password="wrong")
    cluster.model.stop_node(1)
    cluster.settle_in_thread()
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        connect(cluster.amqp_ports[0])
    cluster.model.start_node(1)
    cluster.settle_in_thread()
    connect(cluster.amqp_ports[0]).close()


def test_publish_on_cut_minority_goes_to_its_own_copy(cluster):
    cluster.model.cut(3)
    conn = connect(cluster.amqp_ports[2])
    ch = conn.channel()
    before = cluster.model.queues[("/", "ha.q1")].messages
    ch.basic_publish("", "ha.q1", b"split-brain")
    conn.close()
    assert cluster.model.queues[("/", "ha.q1")].messages == before  # majority unaware
    assert cluster.model.queues[("/", "ha.q1")].forks["rabbit3@sim"].messages > 0
