"""assess() on real RabbitMQ 3.10.8 responses recorded in each state."""

from msgops.probes.findings import Severity, worst
from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.topology import partition_sides

from .samples import snapshot


def codes(findings):
    return {f.code for f in findings}


def test_steady_cluster_is_ok():
    findings = assess(snapshot("netns-steady"))
    assert worst(findings) is Severity.OK
    assert codes(findings) == {"healthy"}
    assert "3/3 nodes up" in findings[0].reason


def test_unsynchronised_mirrors_are_named():
    findings = assess(snapshot("netns-unsync"))
    unsynced = [f for f in findings if f.code == "mirror_unsynchronised"]
    assert unsynced and all(f.severity is Severity.WARNING for f in unsynced)
    subjects = {f.subject for f in unsynced}
    assert "ha.q1" in subjects and "conductor" in subjects
    assert all("rabbit3@rmq3" in f.reason for f in unsynced)
    assert worst(findings) is Severity.WARNING


def test_partition_during_the_cut_from_both_views():
    """partitions is still empty during the cut; each side calling the other down is the partition."""
    snap = snapshot("netns-link-during-majority", "netns-link-during-minority")
    sides = partition_sides(snap.views, snap.nodes)
    assert sorted(map(sorted, sides)) == [["rabbit1@rmq1", "rabbit2@rmq2"], ["rabbit3@rmq3"]]
    findings = assess(snap)
    partition = [f for f in findings if f.code == "partition"]
    assert len(partition) == 1 and partition[0].severity is Severity.CRITICAL
    assert "rabbit1@rmq1, rabbit2@rmq2 | rabbit3@rmq3" in partition[0].reason
    assert "node_down" not in codes(findings)


def test_cut_seen_from_majority_only_is_a_node_down():
    findings = assess(snapshot("netns-link-during-majority", unreachable=1))
    down = [f for f in findings if f.code == "node_down"]
    assert [f.subject for f in down] == ["rabbit3@rmq3"]
    assert "partition" not in codes(findings)


def test_partition_reported_after_the_link_returns():
    for states in (("netns-link-partitioned",), ("netns-link-partitioned", "netns-link-partitioned-minority-view")):
        findings = assess(snapshot(*states))
        partition = [f for f in findings if f.code == "partition"]
        assert len(partition) == 1, states
        assert "rabbit1@rmq1, rabbit2@rmq2 | rabbit3@rmq3" in partition[0].reason
        assert "partitions reported" in partition[0].reason


def test_recovered_cluster_has_no_partition_but_mirrors_to_sync():
    """After the minority restarts, ha-sync-mode manual leaves its mirrors unsynchronised (as recorded)."""
    findings = assess(snapshot("netns-link-recovered"))
    assert "partition" not in codes(findings) and "node_down" not in codes(findings)
    assert codes(findings) == {"mirror_unsynchronised"}
    assert worst(findings) is Severity.WARNING


def test_quorum_queue_below_majority(tmp_path):
    from dataclasses import replace
    snap = snapshot("netns-steady")
    queues = tuple(
        replace(q, online=q.members[:1]) if q.name == "qq.q1" else q for q in snap.queues.queues
    )
    snap = replace(snap, queues=replace(snap.queues, queues=queues))
    crit = [f for f in assess(snap) if f.code == "quorum_below_majority"]
    assert [f.subject for f in crit] == ["qq.q1"]
    assert "1 of 3 members online, majority is 2" in crit[0].reason


def test_4x_has_no_mirror_findings():
    """Without slave_nodes (4.x, or unmirrored queues with columns=) there is nothing to flag."""
    from dataclasses import replace
    snap = snapshot("netns-unsync")
    queues = tuple(replace(q, mirrors=None, synchronised_mirrors=None) for q in snap.queues.queues)
    snap = replace(snap, version="4.0.5", queues=replace(snap.queues, queues=queues))
    assert "mirror_unsynchronised" not in codes(assess(snap))


def test_no_api_answered_is_critical_without_canary():
    from dataclasses import replace
    snap = snapshot("netns-steady")
    snap = replace(snap, views=tuple(replace(v, reachable=False, error="refused", nodes=()) for v in snap.views), nodes=())
    findings = assess(snap)
    assert codes(findings) == {"api_unreachable"}
    assert findings[0].severity is Severity.CRITICAL
