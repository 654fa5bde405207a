"""The simulator held to a real redis-server 7.0.15: what it answers byte for byte (errors, HELLO's
map in RESP2 and RESP3, OK/PONG/bulk replies), and INFO section by section — the same fields in the
same order, each value of the same kind — in every state recorded in tests/data/redis (see its
README). When a redis-server is installed, the same exchanges also run against a live one.
"""

from __future__ import annotations

import json
import re

import pytest

from msgops.probes.redis.parse import READ_FIELDS, sections
from msgops.sim.redis import SimRedis
from tests.redis.kit import DATA, recorded_info, typed
from tests.redis.raw import RawConn, decode

RECORDED = json.loads((DATA / "replies.json").read_text())


def setups(version: str = "7.0.15") -> dict:
    """Each recorded scenario: (start the simulator in that state, the real server's config)."""
    return {
        "plain": (lambda: SimRedis(version=version, maxmemory=100 * 2**20, maxmemory_policy="allkeys-lru"),
                  ["maxmemory 100mb", "maxmemory-policy allkeys-lru"]),
        "auth": (lambda: SimRedis(version=version, password="s3cret-Pw", users={"zaqar": "zq-pass"}),
                 ["requirepass s3cret-Pw", "user zaqar on >zq-pass ~* &* +@all"]),
        "loading": (lambda: _with(SimRedis(version=version), lambda s: s.loading(60)), None),
        "oom": (lambda: _with(SimRedis(version=version),
                              lambda s: s.memory(1.0, maxmemory=3 * 2**20, policy="noeviction")), None),
    }


def _with(sim: SimRedis, change) -> SimRedis:
    sim.start_in_thread()
    change(sim)
    return sim


def normalised(raw: bytes, command: list[str]) -> object:
    """A reply with what differs between any two servers taken out: client ids; INFO's values."""
    if command[0].upper() == "INFO":
        return {name: list(body) for name, body in sections(str(decode(raw))).items()}
    return re.sub(rb"(\$2\r\nid\r\n):\d+\r\n", rb"\1:ID\r\n", raw)


def replay(port: int, commands: list[list[str]]) -> list[bytes]:
    """The commands on one connection (a new one after QUIT), as the recording sent them."""
    replies, conn = [], RawConn(port)
    try:
        for command in commands:
            replies.append(conn.call(*command))
            if command == ["QUIT"]:
                conn.close()
                conn = RawConn(port)
    finally:
        conn.close()
    return replies


@pytest.mark.parametrize("scenario", ["plain", "auth", "loading", "oom"])
def test_the_simulator_answers_as_the_recorded_server(scenario):
    recorded = [r for r in RECORDED["replies"] if r["scenario"] == scenario]
    make, _ = setups()[scenario]
    sim = make()
    if not sim.listening:
        sim.start_in_thread()
    try:
        if scenario == "oom":  # the recording filled the server first; the state is already full here
            recorded = recorded[-1:]
        live = replay(sim.port, [r["command"] for r in recorded])
    finally:
        sim.stop_in_thread()
    for r, reply in zip(recorded, live):
        want = normalised(r["reply"].encode("latin-1"), r["command"])
        assert normalised(reply, r["command"]) == want, f"{scenario}: {' '.join(r['command'])}"


def test_a_full_server_refuses_a_client_as_the_recorded_one():
    sim = SimRedis(maxclients=1).start_in_thread()
    recorded = next(r for r in RECORDED["replies"] if r["scenario"] == "maxclients")
    try:
        with RawConn(sim.port) as first, RawConn(sim.port) as second:
            first.call("PING")
            assert second.call("PING").decode("latin-1") == recorded["reply"]
            assert second.reply() == b""  # then the server closes the connection
    finally:
        sim.stop_in_thread()


LINE_FORMATS = {"errorstats": re.compile(r"errorstat_[A-Z]+:count=\d+"),
                "keyspace": re.compile(r"db\d+:keys=\d+,expires=\d+,avg_ttl=\d+")}
"""Sections whose lines depend on history (which errors, which dbs): held to their line format."""


def info_fields(text: str) -> dict[str, list[tuple[str, str]]]:
    """Section → [(field, kind of value)] in order (history-dependent sections: empty)."""
    return {name: [] if name in LINE_FORMATS else [(k, type(typed(v)).__name__) for k, v in body.items()]
            for name, body in sections(text).items()}


def history_lines_are_well_formed(text: str) -> bool:
    body = sections(text)
    return all(LINE_FORMATS[name].fullmatch(f"{k}:{v}") for name in LINE_FORMATS for k, v in body[name].items())


SIM_STATES = {
    "plain": lambda s: (s.memory(0.01, maxmemory=100 * 2**20, policy="allkeys-lru"), s.state.count_error("ERR x")),
    "replica_up": lambda s: s.replica_of("127.0.0.1", 49065, link_up=True),
    "replica_link_down": lambda s: s.replica_of("127.0.0.1", 49065, link_up=False),
    "replica_master_gone": lambda s: (s.replica_of("127.0.0.1", 49065), s.master_link(False)),
    "loading": lambda s: s.loading(60),
    "evicting": lambda s: (s.memory(1.0, maxmemory=3 * 2**20, policy="allkeys-lru"), s.evict(10)),
    "oom": lambda s: (s.memory(1.0, maxmemory=3 * 2**20, policy="noeviction"), s.state.count_error("OOM x")),
    "rejected": lambda s: s.reject(1),
}


@pytest.mark.parametrize("name", list(SIM_STATES))
def test_info_has_the_recorded_fields_in_order_with_values_of_the_same_kind(name):
    sim = SimRedis(keys={0: 3}).start_in_thread()
    try:
        SIM_STATES[name](sim)
        with RawConn(sim.port) as conn:
            text = str(decode(conn.call("INFO")))
    finally:
        sim.stop_in_thread()
    real = info_fields(recorded_info(name))
    simulated = info_fields(text)
    assert list(simulated) == list(real)
    for section in real:
        assert simulated[section] == real[section], section
    assert history_lines_are_well_formed(text) and history_lines_are_well_formed(recorded_info(name))
    assert sections(text)["keyspace"] and sections(text)["errorstats"] or name != "plain"
    flat = {k: v for body in sections(recorded_info(name)).values() for k, v in body.items()}
    assert {f for f in READ_FIELDS if f in flat} <= {k for body in sections(text).values() for k in body}


def test_info_in_resp3_is_a_verbatim_string_as_recorded():
    raw = (DATA / "info_plain_resp3.resp").read_bytes()
    sim = SimRedis().start_in_thread()
    try:
        with RawConn(sim.port) as conn:
            conn.call("HELLO", "3")
            live = conn.call("INFO")
    finally:
        sim.stop_in_thread()
    assert raw.startswith(b"=") and live.startswith(b"=")
    assert raw.split(b"\r\n", 2)[1][:4] == live.split(b"\r\n", 2)[1][:4] == b"txt:"
    assert int(live[1:live.index(b"\r\n")]) == len(live) - live.index(b"\r\n") - 4


@pytest.mark.parametrize("scenario", ["plain", "auth"])
def test_a_live_real_server_and_the_simulator_answer_alike(scenario, real_redis):
    """The recorded exchanges once more, against a redis-server started now (whatever its 7.x: the
    simulator is told that version, so HELLO's map and CLIENT SETINFO follow it)."""
    _, config = setups()[scenario]
    real = real_redis(config)
    with RawConn(real.port) as conn:
        if scenario == "auth":
            conn.call("AUTH", "s3cret-Pw")
        version = re.search(r"redis_version:(\S+)", str(decode(conn.call("INFO", "server")))).group(1)
    commands = [r["command"] for r in RECORDED["replies"] if r["scenario"] == scenario]
    live_real = replay(real.port, commands)
    sim = setups(version)[scenario][0]().start_in_thread()
    try:
        live_sim = replay(sim.port, commands)
        with RawConn(real.port) as a, RawConn(sim.port) as b:
            if scenario == "auth":
                a.call("AUTH", "s3cret-Pw")
                b.call("AUTH", "s3cret-Pw")
            real_info, sim_info = str(decode(a.call("INFO"))), str(decode(b.call("INFO")))
    finally:
        sim.stop_in_thread()
    for command, r, s in zip(commands, live_real, live_sim):
        assert normalised(s, command) == normalised(r, command), f"{scenario}: {' '.join(command)}"
    if version.startswith("7.0."):
        assert info_fields(sim_info) == info_fields(real_info)
    else:  # a newer 7.x adds fields: the simulator must still have every one 7.0 has
        for section, fields in info_fields(sim_info).items():
            assert {f for f, _ in fields} <= {f for f, _ in info_fields(real_info).get(section, [])}, section
