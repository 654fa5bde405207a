"""The sim's /api/nodes and /api/queues?columns= match the real 3.10.8 answers key for key.

Each case puts the model in the state a sample was taken in and compares the key sets (and the
facts that matter: running, partitions, mirrors) from the same node's point of view.
"""

from __future__ import annotations

import pytest

from tests.sim.conftest import get, sample

COLUMNS = ("name,vhost,type,node,state,policy,effective_policy_definition,messages,slave_nodes,"
           "synchronised_slave_nodes,leader,members,online")


def short(name: str) -> str:
    return name.split("@")[0]


def shorts(names) -> list | None:
    return None if names is None else sorted(short(n) for n in names)


def cut3(c):
    c.model.cut(3)


def partitioned(c):
    c.model.cut(3)
    c.model.heal(3)


def recovered(c):
    partitioned(c)
    c.model.recover(3)
    c.settle_in_thread()


def unsync(c):
    c.model.stop_node(3)
    c.settle_in_thread()
    for q in list(c.model.queues.values()):
        c.model.publish(q.vhost, q.name, 5)
    c.model.start_node(3)
    c.settle_in_thread()


CASES = [  # sample dir, how to get there, viewing node
    ("lo-steady", lambda c: None, 1),
    ("netns-unsync", unsync, 1),
    ("netns-link-during-majority", cut3, 1),
    ("netns-link-during-minority", cut3, 3),
    ("netns-link-partitioned", partitioned, 1),
    ("netns-link-partitioned-minority-view", partitioned, 3),
    ("netns-link-recovered", recovered, 1),
]


@pytest.mark.parametrize("state,setup,viewer", CASES, ids=[c[0] for c in CASES])
def test_nodes_match_sample(cluster, state, setup, viewer):
    setup(cluster)
    real = {short(n["name"]): n for n in sample(state, "api_nodes.json")}
    sim = {short(n["name"]): n for n in get(cluster, viewer, "/api/nodes").json()}
    assert sim.keys() == real.keys()
    for name, r in real.items():
        s = sim[name]
        assert set(s) == set(r), name
        assert s["running"] == r["running"], name
        assert shorts(s.get("partitions")) == shorts(r.get("partitions")), name
        assert s["type"] == r["type"]


@pytest.mark.parametrize("state,setup,viewer", CASES, ids=[c[0] for c in CASES])
def test_queue_columns_match_sample(cluster, state, setup, viewer):
    setup(cluster)
    real = sample(state, "api_queues_columns.json")
    sim = get(cluster, viewer, "/api/queues", columns=COLUMNS).json()
    real_classic = {frozenset(q) for q in real if q["type"] == "classic"}
    real_quorum = {frozenset(q) for q in real if q["type"] == "quorum"}
    assert {q["name"] for q in sim} >= {q["name"] for q in real}
    for q in sim:
        keys = frozenset(q)
        if q["type"] == "classic":
            assert keys in real_classic, (q["name"], sorted(keys))
        else:
            assert keys in real_quorum, (q["name"], sorted(keys))


def mirrors(queues):
    return {q["name"]: (short(q["node"]), shorts(q["slave_nodes"]),
                        shorts(q["synchronised_slave_nodes"]))
            for q in queues if q["type"] == "classic"}


def test_unsync_mirror_is_listed_but_not_synchronised(cluster):
    unsync(cluster)
    for name, (node, slaves, synced) in mirrors(get(cluster, 1, "/api/queues",
                                                    columns=COLUMNS).json()).items():
        assert "rabbit3" in slaves + [node], name
        assert "rabbit3" not in synced, name
        assert len(synced) == len(slaves) - (node != "rabbit3"), name


def test_during_cut_each_side_tells_its_story(cluster):
    cut3(cluster)
    majority = mirrors(get(cluster, 1, "/api/queues", columns=COLUMNS).json())
    minority = mirrors(get(cluster, 3, "/api/queues", columns=COLUMNS).json())
    assert all("rabbit3" not in s and node != "rabbit3" for node, s, _ in majority.values())
    assert all(v == ("rabbit3", [], []) for v in minority.values())  # like the sample
    real = mirrors(sample("netns-link-during-minority", "api_queues_columns.json"))
    assert all(v[1:] == ([], []) for v in real.values())
    qq = {q["name"]: q for q in get(cluster, 3, "/api/queues", columns=COLUMNS).json()
          if q["type"] == "quorum"}
    assert all(shorts(q["online"]) == ["rabbit3"] for q in qq.values())
    assert [q["leader"] for q in qq.values() if q["leader"]] == ["rabbit3@sim"]  # stale leader


def test_recovered_clears_partitions_and_leaves_unsynchronised_mirrors(cluster):
    recovered(cluster)
    for viewer in (1, 2, 3):
        nodes = get(cluster, viewer, "/api/nodes").json()
        assert all(n["running"] and n["partitions"] == [] for n in nodes)
    for name, (node, slaves, synced) in mirrors(get(cluster, 1, "/api/queues",
                                                    columns=COLUMNS).json()).items():
        assert "rabbit3" in slaves and "rabbit3" not in synced, name


def test_overview_has_the_sample_keys(cluster):
    real = sample("lo-steady", "api_overview.json")
    sim = get(cluster, 1, "/api/overview").json()
    assert set(real) <= set(sim)
    assert sim["rabbitmq_version"] == "3.10.8" and sim["node"] == "rabbit1@sim"
    assert set(sim["object_totals"]) == set(real["object_totals"])
    assert set(sim["queue_totals"]) == set(real["queue_totals"])
