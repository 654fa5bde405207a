"""The MongoDB probe against a replica set over real TCP (the simulator; real mongod when on PATH):
each state an operator meets gives its finding, through the same poller the console uses, within
deadlines. Nothing is mocked."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from pathlib import Path

import pytest

from msgops.console.headless import jsonable
from msgops.probes.findings import Severity
from msgops.probes.mongodb.collect import LAG_HISTORY
from msgops.probes.poller import PollResult, Poller, make_probe
from tests.mongodb.backends import PASSWORD, SimBackend, inventory


def target_of(backend, tmp_path: Path, **kwargs):  # noqa: ANN001
    _, inv = inventory(backend, tmp_path, **kwargs)
    (target,) = inv.of_tier("mongodb")
    return target


async def poll_until(poller: Poller, predicate, timeout: float, what: str) -> PollResult:
    """Poll (as the console does, one cycle at a time) until ``predicate(result)``; fail at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await poller.poll_once()
        if last is not None and predicate(last):
            return last
        await asyncio.sleep(0.2)
    codes = [(f.code, f.subject, f.reason) for f in last.findings] if last else None
    raise AssertionError(f"{what} not seen within {timeout}s; last findings: {codes}")


def codes(result: PollResult, subject: str | None = None) -> set[str]:
    return {f.code for f in result.findings if subject is None or f.subject == subject}


def finding(result: PollResult, code: str):  # noqa: ANN201
    return next(f for f in result.findings if f.code == code)


@pytest.fixture
async def poller_for():
    """``poller_for(target)`` → a Poller that is closed after the test."""
    made: list[Poller] = []

    def make(target) -> Poller:  # noqa: ANN001
        made.append(Poller(make_probe(target)))
        return made[-1]

    yield make
    for p in made:
        await p.aclose()


async def test_steady(backend, tmp_path, poller_for):
    poller = poller_for(target_of(backend, tmp_path))
    first = await poll_until(poller, lambda r: "healthy" in codes(r), backend.patience, "a healthy set")
    snap = first.snapshot
    assert snap.mode == "replset" and snap.set_name == "catalog" and snap.primary == backend.primary()
    assert [m.state_str for m in snap.members].count("PRIMARY") == 1 and len(snap.members) == 3
    assert all(m.reachable and m.own_state == m.state_str for m in snap.members)
    assert snap.oplog is not None and snap.oplog.seconds > 0 and snap.election is not None
    assert snap.version and all(m.priority == 1 and m.votes == 1 for m in snap.members)
    assert {c.what for c in snap.calls} >= {"hello", "replSetGetStatus", "replSetGetConfig", "oplog first"}
    for _ in range(2):
        last = await poller.poll_once()
    assert all(len(m.lag_history) == 3 for m in last.snapshot.members)  # kept across polls
    text = json.dumps(jsonable(last.snapshot))
    assert PASSWORD not in text and '"lag_history"' in text


async def test_member_down(backend, tmp_path, poller_for):
    poller = poller_for(target_of(backend, tmp_path))
    victim = backend.secondaries()[0]
    backend.down(victim)
    result = await poll_until(poller, lambda r: "member_down" in codes(r, victim), backend.patience,
                              "the set reporting the member down")
    down = next(f for f in result.findings if f.code == "member_down" and f.subject == victim)
    assert down.severity is Severity.WARNING and "connection refused" in down.reason.lower()
    member = result.snapshot.member(victim)
    assert member.reachable is False and member.error_kind == "refused" and member.state_str.startswith("(not")
    assert result.complete and "majority_lost" not in codes(result)
    backend.up(victim)
    await poll_until(poller, lambda r: "healthy" in codes(r), backend.patience, "the member back")


async def test_hung_member_is_named_within_the_call_timeout(backend, tmp_path, poller_for):
    target = target_of(backend, tmp_path)
    poller = poller_for(target)
    await poll_until(poller, lambda r: "healthy" in codes(r), backend.patience, "a healthy set")
    victim = backend.secondaries()[0]
    backend.hang(victim)
    try:
        started = time.monotonic()
        result = await poller.poll_once()
        took = time.monotonic() - started
        assert took < target.call_timeout + 1.5 < target.cycle_timeout, took  # one call timeout, not the cycle's
        assert result.complete and "cycle_timeout" not in codes(result)
        unreachable = next(f for f in result.findings if f.subject == victim)
        assert unreachable.code in ("member_unreachable", "member_down")
        assert f"no answer within {target.call_timeout:g}s" in result.snapshot.member(victim).error
        assert result.snapshot.primary == backend.primary()  # the rest of the set is still read
    finally:
        backend.release(victim)


async def test_a_cycle_past_its_deadline_names_what_did_not_answer(simset, tmp_path, poller_for):
    target = target_of(simset, tmp_path, call_timeout=5.0, cycle_timeout=1.5)
    poller = poller_for(target)
    await poller.poll_once()
    victim = simset.secondaries()[0]
    simset.hang(victim)
    started = time.monotonic()
    result = await poller.poll_once()
    assert time.monotonic() - started < 3.0
    timeout = finding(result, "cycle_timeout")
    assert f"hello @ {victim}" in timeout.reason or f"replSetGetStatus @ {victim}" in timeout.reason
    assert not result.complete and result.snapshot.primary is not None  # what answered is kept
    assert result.snapshot.member(victim).reachable is False


async def test_lagging_member(simset, tmp_path, poller_for):
    poller = poller_for(target_of(simset, tmp_path, lag_warn=10, lag_crit=60))
    victim = simset.secondaries()[0]
    simset.sim.lag(victim, 30)
    result = await poll_until(poller, lambda r: "lag" in codes(r, victim), 5, "lag warning")
    lag = finding(result, "lag")
    assert lag.severity is Severity.WARNING and re.match(r"(29|30|31)s behind the primary", lag.reason)
    assert 29 <= result.snapshot.member(victim).lag <= 32
    simset.sim.lag(victim, 90)
    result = await poll_until(poller, lambda r: any(f.code == "lag" and f.severity is Severity.CRITICAL
                                                   for f in r.findings), 5, "critical lag")
    history = result.snapshot.member(victim).lag_history
    assert history[-1] >= 89 and min(history) < 35 and len(history) <= LAG_HISTORY


async def test_stale_member_needs_a_resync(simset, tmp_path, poller_for):
    poller = poller_for(target_of(simset, tmp_path, headroom_warn=10))
    simset.sim.set_oplog_window(60)
    victim = simset.secondaries()[0]
    simset.sim.make_stale(victim)
    result = await poll_until(poller, lambda r: "member_stale" in codes(r, victim), 5, "stale member")
    stale = finding(result, "member_stale")
    assert stale.severity is Severity.CRITICAL and "oplog window" in stale.reason and "RECOVERING" in stale.reason
    assert "Resync" in stale.advice and "one member at a time" in stale.advice and "STARTUP2" in stale.advice
    assert "lag" not in codes(result, victim)  # one finding for one cause
    simset.sim.resync(victim)
    await poll_until(poller, lambda r: "healthy" in codes(r), 10, "resynced member back")


async def test_recovering_member(backend, tmp_path, poller_for):
    poller = poller_for(target_of(backend, tmp_path))
    victim = backend.secondaries()[0]
    backend.maintenance(victim, True)
    try:
        result = await poll_until(poller, lambda r: "member_state" in codes(r, victim), backend.patience,
                                  "RECOVERING member")
        state = finding(result, "member_state")
        assert state.severity is Severity.WARNING and state.reason.startswith("RECOVERING since")
    finally:
        backend.maintenance(victim, False)


async def test_two_primaries_name_both_terms(simset, tmp_path, poller_for):
    poller = poller_for(target_of(simset, tmp_path))
    await poller.poll_once()
    old = simset.primary()
    simset.sim.two_primaries()
    new = simset.primary()
    result = await poll_until(poller, lambda r: "two_primaries" in codes(r), 5, "two primaries")
    split = finding(result, "two_primaries")
    assert split.severity is Severity.CRITICAL and f"{old} (term 1)" in split.reason and f"{new} (term 2)" in split.reason
    assert f"clients follow term 2 ({new})" in split.reason and split.advice
    assert result.snapshot.primary == new and result.snapshot.reporter == new
    old_member = result.snapshot.member(old)
    assert old_member.own_state == "PRIMARY" and old_member.reachable  # as it sees itself
    simset.sim.heal()
    await poll_until(poller, lambda r: "two_primaries" not in codes(r), 5, "the split healed")


async def test_no_primary_and_majority_lost(simset, tmp_path, poller_for):
    poller = poller_for(target_of(simset, tmp_path))
    primary, (one, _) = simset.primary(), simset.secondaries()
    simset.down(primary)
    simset.down(one)
    result = await poll_until(poller, lambda r: {"no_primary", "majority_lost"} <= codes(r), 8, "no primary")
    assert finding(result, "majority_lost").reason.startswith("1 of 3 voting members healthy, a majority is 2")


async def test_authentication_failure_is_named(backend, tmp_path, poller_for):
    wrong = "Wr0ng-Passw0rd-77"
    poller = poller_for(target_of(backend, tmp_path, uri=backend.uri(wrong)))
    result = await poller.poll_once()
    (auth,) = result.findings
    assert auth.code == "auth_failed" and auth.severity is Severity.CRITICAL
    assert "authentication failed" in auth.reason and "code 18" in auth.reason and wrong not in auth.reason
    assert result.snapshot.error_kind == "auth"


async def test_standalone_and_uninitialised_are_states_not_failures(tmp_path, poller_for):
    for mode, code, severity, uri_tail in (("standalone", "not_replset", Severity.OK, ""),
                                           ("uninitialised", "not_initialised", Severity.WARNING, "")):
        server = SimBackend(members=1, mode=mode).start()
        try:
            uri = server.uri().split("?")[0] + uri_tail
            poller = poller_for(target_of(server, tmp_path / mode if (tmp_path / mode).mkdir() is None else tmp_path,
                                          uri=uri))
            result = await poller.poll_once()
            assert [(f.code, f.severity) for f in result.findings] == [(code, severity)], result.findings
            assert result.snapshot.mode == {"standalone": "standalone", "uninitialised": "uninitialised"}[mode]
        finally:
            server.stop()


async def test_election_since_the_last_poll(backend, tmp_path, poller_for):
    poller = poller_for(target_of(backend, tmp_path))
    before = await poll_until(poller, lambda r: "healthy" in codes(r), backend.patience, "a healthy set")
    old, term = before.snapshot.primary, before.snapshot.term
    import pymongo

    with pymongo.MongoClient(backend.uri(), serverSelectionTimeoutMS=5000, timeoutMS=20000) as client:
        client.admin.command({"replSetStepDown": 10, "secondaryCatchUpPeriodSecs": 5})
    result = await poll_until(poller, lambda r: "election" in codes(r), backend.patience, "the election")
    election = finding(result, "election")
    assert election.subject != old and f"was {old}, term {term}" in election.reason
    assert f"term {result.snapshot.term}" in election.reason and "stepUpRequestSkipDryRun" in election.reason


async def test_no_electable_secondary_and_oplog_headroom(simset, tmp_path, poller_for):
    poller = poller_for(target_of(simset, tmp_path, lag_warn=100, lag_crit=200, headroom_warn=600))
    simset.sim.set_oplog_window(620)
    simset.sim.refuse_step_down(30)  # every secondary 30 s behind: more than a step-down's 10 s catch-up
    result = await poll_until(poller, lambda r: {"no_electable_secondary", "oplog_headroom"} <= codes(r), 5,
                              "no electable secondary")
    assert "a failover would fail now" in finding(result, "no_electable_secondary").reason
    assert "> 10s catch-up" in finding(result, "no_electable_secondary").reason
    assert "of headroom (warn below 10m00s)" in finding(result, "oplog_headroom").reason


async def test_members_are_discovered_from_the_config(simset, tmp_path, poller_for):
    one = simset.hosts[0]
    uri = simset.uri().replace(",".join(simset.hosts), one)  # the URI names one member only
    result = await poller_for(target_of(simset, tmp_path, uri=uri)).poll_once()
    assert {m.host for m in result.snapshot.members} == set(simset.hosts)
    assert all(m.reachable for m in result.snapshot.members)  # each asked directly, in the same poll


TLS = Path(__file__).resolve().parents[1] / "data" / "mongodb" / "tls"


async def test_tls_failure_is_named(simset, tmp_path, poller_for):
    """A TLS front (real handshake, a self-signed certificate) before a member: named as TLS."""
    cert, key = TLS / "test-only-cert.pem", TLS / "test-only-key.pem"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def pipe(reader, writer) -> None:  # noqa: ANN001
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def front(host: str):  # noqa: ANN202
        name, _, port = host.rpartition(":")

        async def serve(reader, writer) -> None:  # noqa: ANN001
            up_reader, up_writer = await asyncio.open_connection(name, int(port))
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        return asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)

    servers = [await front(h) for h in simset.hosts[:1]]
    try:
        port = servers[0].sockets[0].getsockname()[1]
        uri = f"mongodb://ops:{PASSWORD}@127.0.0.1:{port}/?tls=true"
        result = await poller_for(target_of(simset, tmp_path, uri=uri)).poll_once()
        (tls,) = result.findings
        assert tls.code == "tls_failed" and "certificate verify failed" in tls.reason and "tlsCAFile" in tls.reason
        trusted = f"{uri}&tlsCAFile={cert}"
        (tmp_path / "trusted").mkdir()
        ok = await poller_for(target_of(simset, tmp_path / "trusted", uri=trusted)).poll_once()
        assert ok.snapshot.mode == "replset" and not ok.snapshot.error  # verified against the right CA
    finally:
        for server in servers:
            server.close()


async def test_config_fields_decide_electability(tmp_path, poller_for):
    """Priority 0 and an arbiter: read from replSetGetConfig, shown, and no failover is possible."""
    server = SimBackend(priorities=[1, 0], arbiters={2}).start()
    try:
        result = await poller_for(target_of(server, tmp_path)).poll_once()
        passive, arbiter = result.snapshot.members[1], result.snapshot.members[2]
        assert (passive.priority, passive.votes, passive.state_str) == (0.0, 1, "SECONDARY")
        assert arbiter.arbiter and arbiter.state_str == "ARBITER" and arbiter.lag is None
        reason = finding(result, "no_electable_secondary").reason
        assert f"{passive.host} priority 0" in reason and f"{arbiter.host} ARBITER" in reason
        assert codes(result) == {"no_electable_secondary"}
    finally:
        server.stop()
