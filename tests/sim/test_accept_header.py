"""The simulator answers 406 where the real 3.10 broker does (purge and actions with JSON-only Accept)."""

import httpx

from msgops.sim.rabbitmq.cluster import SimCluster


def test_purge_and_actions_refuse_json_only_accept():
    with SimCluster(3) as cluster:
        url = cluster.management_urls[0] + "/api/queues/%2F/ha.q1"
        auth = ("guest", "guest")
        strict = {"Accept": "application/json"}
        assert httpx.delete(url + "/contents", headers=strict, auth=auth).status_code == 406
        assert httpx.post(url + "/actions", json={"action": "sync"}, headers=strict, auth=auth).status_code == 406
        lenient = {"Accept": "application/json, */*;q=0.5"}
        assert httpx.delete(url + "/contents", headers=lenient, auth=auth).status_code == 204
        assert httpx.post(url + "/actions", json={"action": "sync"}, headers=lenient, auth=auth).status_code == 204
