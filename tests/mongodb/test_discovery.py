"""pymongo (sync and async) discovers the simulated set through a ``replicaSet`` URI; ``hello``
carries the topology fields; legacy OP_QUERY ``isMaster`` works; error replies have the
server's shape (59, 76, 94)."""

from __future__ import annotations

import asyncio
import socket

import pymongo
import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId
from pymongo.errors import OperationFailure

from msgops.sim.mongodb import SimReplicaSet, wire
from tests.mongodb.conftest import (CLIENT_OPTIONS, address, expected_types, fast_set,
                                   pymongo_types, wait_agree, wait_until)


def test_sync_client_discovers_the_set(rs, clients):
    client = clients(rs.uri)
    assert client.admin.command("ping")["ok"] == 1.0
    types = wait_agree(client, rs)
    assert sorted(types.values()) == ["RSPrimary", "RSSecondary", "RSSecondary"]
    assert client.topology_description.topology_type_name == "ReplicaSetWithPrimary"
    assert client.primary == address(rs.primary.host)


async def test_async_client_discovers_the_set():
    async with fast_set() as sim:  # the simulator shares the test's event loop
        client = pymongo.AsyncMongoClient(sim.uri, **CLIENT_OPTIONS)
        try:
            assert (await client.admin.command("ping"))["ok"] == 1.0
            status = await client.admin.command("replSetGetStatus")
            assert status["set"] == "catalog" and status["myState"] == 1
            assert pymongo_types(client) == expected_types(sim)
            victim = next(m.id for m in sim.model.members if m is not sim.primary)
            await sim.member_down(victim)  # on the loop thread a fault returns a task
            deadline = asyncio.get_running_loop().time() + 8
            while pymongo_types(client) != expected_types(sim):
                assert asyncio.get_running_loop().time() < deadline, pymongo_types(client)
                await asyncio.sleep(0.05)
            assert pymongo_types(client)[address(sim.hosts[victim])] == "Unknown"
        finally:
            await client.close()


def test_arbiter_hidden_and_passive_members(clients):
    sim = fast_set(members=4, arbiters={3}, hidden={2}).start_in_thread()
    try:
        doc = clients(sim.uri).admin.command("hello")
        assert doc["hosts"] == sim.hosts[:2] and doc["arbiters"] == [sim.hosts[3]]
        assert sim.hosts[2] not in doc["hosts"] + doc.get("passives", [])
        hidden = clients(sim.direct_uri(2)).admin.command("hello")
        assert hidden["hidden"] is True and hidden["passive"] is True
        arbiter = clients(sim.direct_uri(3)).admin.command("hello")
        assert arbiter["arbiterOnly"] is True and arbiter["secondary"] is False
        client = clients(sim.uri)
        want = {address(sim.hosts[0]): "RSPrimary", address(sim.hosts[1]): "RSSecondary",
                address(sim.hosts[3]): "RSArbiter"}  # the hidden member is not in `hosts`
        wait_until(lambda: pymongo_types(client) == want, what=f"pymongo view {want}")
        config = client.admin.command("replSetGetConfig")["config"]["members"]
        assert [m["arbiterOnly"] for m in config] == [False, False, False, True]
        assert config[2]["hidden"] is True and config[2]["priority"] == 0.0
    finally:
        sim.stop_in_thread()


def test_cli_prints_the_uri_and_serves(clients):
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "msgops.sim.mongodb", "--json", "--set", "cli"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        import json
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=20), "the CLI printed nothing within 20 s"
        info = json.loads(proc.stdout.readline())
        assert info["uri"].endswith("?replicaSet=cli") and len(info["hosts"]) == 3
        assert clients(info["uri"]).admin.command("replSetGetStatus")["set"] == "cli"
    finally:
        proc.send_signal(__import__("signal").SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_hello_fields(rs, clients):
    primary = clients(rs.direct_uri(rs.primary.host))
    doc = primary.admin.command("hello", helloOk=True)
    assert doc["setName"] == "catalog" and doc["isWritablePrimary"] is True
    assert doc["hosts"] == rs.hosts and doc["me"] == rs.primary.host
    assert doc["primary"] == rs.primary.host and doc["secondary"] is False
    assert isinstance(doc["electionId"], ObjectId) and str(doc["electionId"]).startswith("7fffffff")
    assert doc["maxWireVersion"] == 21 and doc["minWireVersion"] == 0
    assert doc["helloOk"] is True and "topologyVersion" not in doc
    assert set(doc["lastWrite"]) == {"opTime", "lastWriteDate", "majorityOpTime",
                                     "majorityWriteDate"}
    for key in ("setVersion", "maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize",
                "localTime", "logicalSessionTimeoutMinutes", "connectionId"):
        assert key in doc, key
    secondary = next(h for h in rs.hosts if h != rs.primary.host)
    legacy = clients(rs.direct_uri(secondary)).admin.command("isMaster")
    assert legacy["ismaster"] is False and legacy["secondary"] is True
    assert "electionId" not in legacy and legacy["primary"] == rs.primary.host


def test_legacy_op_query_ismaster_handshake(rs):
    host, port = rs.hosts[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=3) as s:
        s.sendall(wire.encode_op_query("admin.$cmd", {"isMaster": 1, "helloOk": True}))
        reply = _read(s)
        assert reply["ismaster"] is True and reply["setName"] == "catalog"
        s.sendall(wire.encode_op_query("admin.$cmd", {"replSetGetStatus": 1}))
        refused = _read(s)
        assert refused["code"] == 352 and refused["codeName"] == "UnsupportedOpQueryCommand"


def _read(sock) -> dict:
    header = b""
    while len(header) < 16:
        header += sock.recv(16 - len(header))
    length, _rid, _to, opcode = wire._HEADER.unpack(header)
    body = b""
    while len(body) < length - 16:
        body += sock.recv(length - 16 - len(body))
    return wire.decode_reply(opcode, body)


def test_unknown_command_is_59(rs, clients):
    client = clients(rs.uri)
    with pytest.raises(OperationFailure) as err:
        client.admin.command("noSuchCommand")
    assert err.value.code == 59
    assert err.value.details["codeName"] == "CommandNotFound"
    assert err.value.details["errmsg"] == "no such command: 'noSuchCommand'"


@pytest.mark.parametrize("mode,code,name", [("standalone", 76, "NoReplicationEnabled"),
                                            ("uninitialised", 94, "NotYetInitialized")])
def test_not_applicable_codes(mode, code, name, clients):
    sim = fast_set(members=1, mode=mode).start_in_thread()
    try:
        client = clients(sim.direct_uri(0))
        hello = client.admin.command("hello")
        assert "setName" not in hello
        assert hello.get("isreplicaset", False) is (mode == "uninitialised")
        with pytest.raises(OperationFailure) as err:
            client.admin.command("replSetGetStatus")
        assert err.value.code == code and err.value.details["codeName"] == name
        assert set(err.value.details) >= {"ok", "errmsg", "code", "codeName"}
        assert err.value.details["ok"] == 0.0
    finally:
        sim.stop_in_thread()


def test_server_status_and_build_info(rs, clients):
    client = clients(rs.uri)
    ss = client.admin.command("serverStatus")
    assert ss["process"] == "mongod" and ss["host"] == rs.primary.host
    assert isinstance(ss["uptimeMillis"], Int64) and ss["connections"]["current"] >= 1
    assert ss["repl"]["setName"] == "catalog" and ss["repl"]["isWritablePrimary"] is True
    bi = client.admin.command("buildInfo")
    assert bi["version"].startswith("7.0.") and bi["versionArray"][:2] == [7, 0]


def test_ports_are_kept_across_down_and_up(rs, clients):
    before = list(rs.hosts)
    rs.member_down(1, detected=True)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", rs.ports[1]), timeout=2).close()
    rs.member_up(1)
    assert rs.hosts == before
    assert clients(rs.direct_uri(1)).admin.command("ping")["ok"] == 1.0


def test_version_6_reports_wire_17(clients):
    sim = SimReplicaSet(3, version="6.0.16").start_in_thread()
    try:
        doc = clients(sim.uri).admin.command("hello")
        assert doc["maxWireVersion"] == 17
    finally:
        sim.stop_in_thread()


def test_simulator_loads_no_textual_or_rich():
    import subprocess
    import sys
    code = ("import sys, msgops.sim.mongodb, msgops.sim.mongodb.__main__\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'rich'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""
