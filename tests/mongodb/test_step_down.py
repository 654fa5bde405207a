"""``replSetStepDown`` and ``replSetFreeze`` as a 6.0/7.0 server answers them: a new primary with
a higher term, a new electionId and electionDate, pymongo writing to it afterwards; refusal with
262 when no secondary is caught up; the server's validation errors."""

from __future__ import annotations

import time

import pymongo
import pytest
from pymongo.errors import AutoReconnect, NotPrimaryError, OperationFailure

from tests.mongodb.conftest import CLIENT_OPTIONS, address, fast_set, wait_agree, wait_until


def _election(clients, sim, member) -> tuple:
    direct = clients(sim.direct_uri(member))
    status = direct.admin.command("replSetGetStatus")
    me = next(m for m in status["members"] if m.get("self"))
    return status["term"], direct.admin.command("hello")["electionId"], me["electionDate"], status


def test_step_down_elects_a_new_primary_and_writes_follow(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    client.db.orders.insert_one({"n": 1})
    old = rs.primary
    old_term, old_id, old_date, _ = _election(clients, rs, old.id)
    time.sleep(1.1)  # electionDate has one-second resolution
    reply = client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 5})
    assert reply["ok"] == 1.0
    new = wait_until(lambda: rs.primary if rs.primary not in (None, old) else None,
                     what="new primary")
    term, election_id, date, status = _election(clients, rs, new.id)
    assert term > old_term and election_id > old_id and date > old_date
    metrics = status["electionCandidateMetrics"]
    assert metrics["lastElectionReason"] == "stepUpRequestSkipDryRun"
    assert metrics["electionTerm"] == term
    old_hello = clients(rs.direct_uri(old.id)).admin.command("hello")
    assert old_hello["isWritablePrimary"] is False and old_hello["secondary"] is True
    assert old.step_down_until > time.time() + 5  # not re-electable for stepDownSecs

    client.db.orders.insert_one({"n": 2})  # pymongo retries on NotWritablePrimary if needed
    assert wait_agree(client, rs)[address(new.host)] == "RSPrimary"
    last = clients(rs.direct_uri(new.id)).local["oplog.rs"].find().sort("$natural", -1).limit(1)
    entry = next(iter(last))
    assert entry["op"] == "i" and entry["o"]["n"] == 2 and entry["t"] == term


def test_write_on_a_secondary_is_not_writable_primary(rs, clients):
    secondary = next(m.id for m in rs.model.members if m is not rs.primary)
    direct = clients(rs.direct_uri(secondary))
    with pytest.raises(NotPrimaryError) as err:  # pymongo's class for codes like 10107
        direct.db.command({"insert": "orders", "documents": [{"n": 1}]})
    assert err.value.details["code"] == 10107 and err.value.details["errmsg"] == "not primary"
    assert err.value.details["codeName"] == "NotWritablePrimary"


def test_step_down_refused_without_an_electable_secondary(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    rs.refuse_step_down(30)
    started = time.monotonic()
    with pytest.raises(OperationFailure) as err:
        client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 1})
    assert 0.9 < time.monotonic() - started < 4  # waited the catch-up period
    assert err.value.code == 262 and err.value.details["codeName"] == "ExceededTimeLimit"
    assert err.value.details["errmsg"].startswith("No electable secondaries caught up as of ")
    assert "{force: true}" in err.value.details["errmsg"]
    old = rs.primary
    assert old is not None
    client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 0, "force": True})
    assert old.state == 2 and rs.primary is None


@pytest.mark.parametrize("command,code,message", [
    ({"replSetStepDown": 5}, 2, "stepdown period must be longer than secondaryCatchUpPeriodSecs"),
    ({"replSetStepDown": -1, "secondaryCatchUpPeriodSecs": 0}, 2,
     "stepdown period must be a positive integer"),
    ({"replSetStepDown": 60, "secondaryCatchUpPeriodSecs": -1}, 2,
     "secondaryCatchUpPeriodSecs period must be a positive or absent"),
])
def test_step_down_validation(rs, clients, command, code, message):
    with pytest.raises(OperationFailure) as err:
        clients(rs.uri).admin.command(command)
    assert err.value.code == code and err.value.details["errmsg"] == message


def test_step_down_on_a_secondary_and_admin_only(rs, clients):
    secondary = clients(rs.direct_uri(next(m.id for m in rs.model.members if m is not rs.primary)))
    with pytest.raises(NotPrimaryError) as err:
        secondary.admin.command({"replSetStepDown": 60})
    assert err.value.details["code"] == 10107
    assert err.value.details["errmsg"] == "not primary so can't step down"
    with pytest.raises(OperationFailure) as err:
        clients(rs.uri).test.command("replSetGetStatus")
    assert err.value.code == 13
    assert err.value.details["errmsg"] == \
        "replSetGetStatus may only be run against the admin database."


def test_frozen_member_is_not_elected(rs, clients):
    client = clients(rs.uri)
    old = rs.primary
    first, second = [m for m in rs.model.members if m is not old]
    reply = clients(rs.direct_uri(first.id)).admin.command({"replSetFreeze": 30})
    assert reply["ok"] == 1.0
    with pytest.raises(OperationFailure) as err:
        client.admin.command({"replSetFreeze": 30})
    assert err.value.code == 95 and err.value.details["codeName"] == "NotSecondary"
    client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 5})
    assert wait_until(lambda: rs.primary, what="new primary") is second
    unfreeze = clients(rs.direct_uri(first.id)).admin.command({"replSetFreeze": 0})
    assert unfreeze["info"] == "unfreezing"


def test_close_on_step_down_option_hangs_up_clients(clients):
    sim = fast_set(close_on_step_down=True).start_in_thread()
    try:
        direct = clients(sim.direct_uri(sim.primary.id))
        conn_before = direct.admin.command("hello")["connectionId"]
        direct.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 5})
        with pytest.raises(AutoReconnect):  # its pooled connection was closed by the server
            direct.admin.command("hello")
        conn_after = direct.admin.command("hello")["connectionId"]  # a new connection
        assert conn_after != conn_before
    finally:
        sim.stop_in_thread()


async def test_async_client_writes_after_step_down():
    async with fast_set() as sim:
        client = pymongo.AsyncMongoClient(sim.uri, **CLIENT_OPTIONS)
        try:
            await client.db.orders.insert_one({"n": 1})
            old = sim.primary
            await client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 5})
            await client.db.orders.insert_one({"n": 2})
            assert sim.primary is not old and sim.primary is not None
            assert len(await client.db.orders.find().to_list(None)) == 2
        finally:
            await client.close()


def test_scheduled_step_down_for_the_demo(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    old = rs.primary
    elected = []
    rs.model.listeners.append(lambda event, member: elected.append(member.host)
                              if event == "elected" else None)
    rs.schedule_step_down(0.3, seconds=5)
    new = wait_until(lambda: rs.primary if rs.primary not in (None, old) else None,
                     what="scheduled step-down")
    assert elected == [new.host]
    assert wait_agree(client, rs)[address(new.host)] == "RSPrimary"
