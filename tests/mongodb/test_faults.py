"""pymongo's own topology view (``client.topology_description``) agrees with the simulator's
state in every fault, and ``replSetGetStatus`` reports the fault as a real member would."""

from __future__ import annotations

import time

from bson.timestamp import Timestamp

from tests.mongodb.conftest import address, pymongo_types, wait_agree, wait_until


def _status(clients, sim, member) -> dict:
    return clients(sim.direct_uri(member)).admin.command("replSetGetStatus")


def _entry(status: dict, member_id: int) -> dict:
    return next(m for m in status["members"] if m["_id"] == member_id)


def test_steady(rs, clients):
    wait_agree(clients(rs.uri), rs)
    status = _status(clients, rs, rs.primary.id)
    assert [m["health"] for m in status["members"]] == [1.0, 1.0, 1.0]
    assert status["votingMembersCount"] == 3 and status["majorityVoteCount"] == 2


def test_secondary_down_then_up(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.member_down(victim)
    types = wait_agree(client, rs)
    assert types[address(rs.hosts[victim])] == "Unknown"
    entry = wait_until(lambda: (e := _entry(_status(clients, rs, rs.primary.id), victim))
                       ["health"] == 0.0 and e, what="primary reports the member down")
    assert entry["state"] == 8 and entry["stateStr"] == "(not reachable/healthy)"
    assert entry["lastHeartbeatMessage"].endswith(":: caused by :: Connection refused")
    assert entry["optime"] == {"ts": Timestamp(0, 0), "t": -1}
    rs.member_up(victim)
    assert wait_agree(client, rs)[address(rs.hosts[victim])] == "RSSecondary"


def test_primary_down_elects_a_new_primary(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    old = rs.primary
    old_term = old.term
    rs.member_down(old.id)
    wait_until(lambda: rs.primary is not None and rs.primary is not old, what="new primary")
    assert rs.primary.term > old_term
    types = wait_agree(client, rs)
    assert types[address(old.host)] == "Unknown"
    client.db.things.insert_one({"after": "failover"})
    assert client.db.things.find_one({"after": "failover"}) is not None


def test_hung_member(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.hang(victim)
    types = wait_agree(client, rs, timeout=10)  # bounded by connectTimeoutMS=1000
    assert types[address(rs.hosts[victim])] == "Unknown"
    entry = wait_until(lambda: (e := _entry(_status(clients, rs, rs.primary.id), victim))
                       ["health"] == 0.0 and e, what="hung member reported down")
    assert "timed out" in entry["lastHeartbeatMessage"]
    started = time.monotonic()
    rs.hang(victim, hung=False)
    wait_agree(client, rs)
    assert time.monotonic() - started < 8


def test_lagging_member(rs, clients):
    client = clients(rs.uri)
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.lag(victim, 30)
    wait_agree(client, rs)

    def lag_seconds():
        status = _status(clients, rs, rs.primary.id)
        primary = _entry(status, rs.primary.id)["optimeDate"]
        return (primary - _entry(status, victim)["optimeDate"]).total_seconds()

    lag = wait_until(lambda: (seconds := lag_seconds()) >= 29 and seconds, what="30 s of lag")
    assert lag < 32
    assert pymongo_types(client)[address(rs.hosts[victim])] == "RSSecondary"

    def pymongo_lag():  # pymongo's view, from each member's hello lastWrite.lastWriteDate
        sds = client.topology_description.server_descriptions()
        return (sds[address(rs.primary.host)].last_write_date
                - sds[address(rs.hosts[victim])].last_write_date)

    wait_until(lambda: pymongo_lag() >= 29, what="pymongo sees the lag")


def test_stale_member_goes_recovering(rs, clients):
    client = clients(rs.uri)
    rs.set_oplog_window(60)
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.make_stale(victim)
    types = wait_agree(client, rs)
    assert types[address(rs.hosts[victim])] == "RSOther"
    own = _entry(_status(clients, rs, victim), victim)
    assert own["stateStr"] == "RECOVERING" and own["self"] is True
    assert own["infoMessage"] == "Could not find member to sync from"
    assert _entry(_status(clients, rs, rs.primary.id), victim)["stateStr"] == "RECOVERING"
    rs.resync(victim)
    assert wait_agree(client, rs)[address(rs.hosts[victim])] in ("RSOther", "RSSecondary")
    wait_until(lambda: pymongo_types(client)[address(rs.hosts[victim])] == "RSSecondary",
               what="resynced member back to SECONDARY")


def test_maintenance_recovering(rs, clients):
    client = clients(rs.uri)
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.set_recovering(victim)
    assert wait_agree(client, rs)[address(rs.hosts[victim])] == "RSOther"
    rs.set_recovering(victim, on=False)
    assert wait_agree(client, rs)[address(rs.hosts[victim])] == "RSSecondary"


def test_two_primaries(rs, clients):
    client = clients(rs.uri)
    wait_agree(client, rs)
    old = rs.primary
    rs.two_primaries()
    new = rs.primary
    assert new is not old and new.term > old.term
    assert [m.state for m in rs.model.members].count(1) == 2  # both claim primary
    old_view = _status(clients, rs, old.id)
    assert old_view["myState"] == 1 and old_view["term"] == old.term
    assert all(m["health"] == 0.0 for m in old_view["members"] if m["_id"] != old.id)
    new_view = _status(clients, rs, new.id)
    assert new_view["myState"] == 1 and new_view["term"] == new.term
    assert _entry(new_view, old.id)["health"] == 0.0
    types = wait_agree(client, rs)  # pymongo: the lower electionId primary is stale → Unknown
    assert types[address(old.host)] == "Unknown" and types[address(new.host)] == "RSPrimary"
    rs.heal()
    assert wait_agree(client, rs)[address(old.host)] == "RSSecondary"


def test_slow_member_answers_late(rs, clients):
    secondary = next(m.id for m in rs.model.members if m is not rs.primary)
    client = clients(rs.direct_uri(secondary))
    client.admin.command("ping")
    rs.slow(secondary, 0.4)
    started = time.monotonic()
    client.admin.command("ping")
    assert 0.35 < time.monotonic() - started < 3
