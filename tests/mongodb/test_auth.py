"""SCRAM authentication as a real server does it: pymongo's speculative SCRAM-SHA-256 in the
handshake is answered, SCRAM-SHA-1 works, a wrong password fails with AuthenticationFailed
(18), and unauthenticated commands other than hello/ping/buildInfo answer Unauthorized (13)."""

from __future__ import annotations

import socket

import pytest
from pymongo import monitoring
from pymongo.errors import OperationFailure

from msgops.sim.mongodb import wire
from tests.mongodb.conftest import fast_set
from tests.mongodb.test_discovery import _read


@pytest.fixture
def secured():
    sim = fast_set(user="ops", password="s3cret").start_in_thread()
    yield sim
    sim.stop_in_thread()


class Recorder(monitoring.CommandListener):
    def __init__(self):
        self.names: list[str] = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_right_password_uses_speculative_scram_sha_256(secured, clients):
    recorder = Recorder()
    client = clients(secured.uri, event_listeners=[recorder])
    status = client.admin.command("replSetGetStatus")
    assert status["ok"] == 1.0 and status["set"] == "catalog"
    assert "saslContinue" in recorder.names and "saslStart" not in recorder.names


def test_scram_sha_1(secured, clients):
    client = clients(secured.uri, authMechanism="SCRAM-SHA-1")
    assert client.admin.command("replSetGetStatus")["ok"] == 1.0


@pytest.mark.parametrize("mechanism", ["DEFAULT", "SCRAM-SHA-256", "SCRAM-SHA-1"])
def test_wrong_password_fails_with_18(secured, clients, mechanism):
    uri = secured.uri.replace("ops:s3cret@", "ops:wrong@")
    client = clients(uri, authMechanism=mechanism)
    with pytest.raises(OperationFailure) as err:
        client.admin.command("ping")
    assert err.value.code == 18
    assert err.value.details["codeName"] == "AuthenticationFailed"
    assert err.value.details["errmsg"] == "Authentication failed."


def test_unknown_user_fails_with_18(secured, clients):
    client = clients(secured.uri.replace("ops:s3cret@", "nobody:s3cret@"))
    with pytest.raises(OperationFailure) as err:
        client.admin.command("ping")
    assert err.value.code == 18


def test_unauthenticated_commands(secured, clients):
    client = clients(secured.uri.replace("ops:s3cret@", ""))
    assert client.admin.command("ping")["ok"] == 1.0
    assert client.admin.command("buildInfo")["ok"] == 1.0
    assert client.admin.command("hello")["setName"] == "catalog"
    with pytest.raises(OperationFailure) as err:
        client.admin.command("replSetGetStatus")
    assert err.value.code == 13 and err.value.details["codeName"] == "Unauthorized"
    assert err.value.details["errmsg"] == "command replSetGetStatus requires authentication"


def test_hello_advertises_mechanisms_only_for_the_known_user(secured):
    host, port = secured.hosts[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=3) as s:
        s.sendall(wire.encode_op_msg({"hello": 1, "saslSupportedMechs": "admin.ops",
                                      "$db": "admin"}))
        assert _read(s)["saslSupportedMechs"] == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
        s.sendall(wire.encode_op_msg({"hello": 1, "saslSupportedMechs": "admin.other",
                                      "$db": "admin"}))
        assert "saslSupportedMechs" not in _read(s)
