"""Network namespaces for the lab: one per node, a hub with a bridge, and observer links.

Layout for node i (1-based), with ``net = "10.231"``::

    node ns  <prefix>-rmq<i>    eth0  10.231.0.<i>/24  <-veth->  rmq<i>c  (port of br0 in hub ns)
                                mgmt0 10.231.<i>.2/30  <-veth->  <prefix>-m<i> 10.231.<i>.1/30 (root ns)

The cluster link (``eth0``) is what `cut` takes down, on the hub side, so the node keeps
its address and carrier-less route and packets simply vanish: a real partition once it is
held past ``net_ticktime``.  The ``mgmt0`` link is never cut; root-namespace forwarders reach
each node's AMQP and management listeners through it.  A node namespace has no default
route, so nothing in the lab can send traffic anywhere but to the addresses created here.
Node names resolve through ``/etc/netns/<ns>/hosts`` (``ip netns exec`` bind-mounts it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ._util import LabError, run

ETC_NETNS = Path("/etc/netns")


@dataclass(frozen=True)
class Topology:
    """Names and addresses of the lab network; pure data plus idempotent ip(8) calls."""

    nodes: int = 3
    prefix: str = "msgops"
    net: str = "10.231"

    # -- names and addresses -------------------------------------------------------
    def ns(self, i: int) -> str:
        return f"{self.prefix}-rmq{i}"

    @property
    def hub(self) -> str:
        return f"{self.prefix}-rmqhub"

    def hub_port(self, i: int) -> str:
        return f"rmq{i}c"

    def root_link(self, i: int) -> str:
        return f"{self.prefix}-m{i}"

    def host(self, i: int) -> str:
        return f"rmq{i}"

    def cluster_ip(self, i: int) -> str:
        return f"{self.net}.0.{i}"

    def mgmt_ip(self, i: int) -> str:
        """Address of node i on its observer link, as seen from the root namespace."""
        return f"{self.net}.{i}.2"

    def all_namespaces(self) -> list[str]:
        return [self.ns(i) for i in range(1, self.nodes + 1)] + [self.hub]

    def hosts_file(self, i: int) -> str:
        lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
        lines += [f"{self.cluster_ip(j)} {self.host(j)}" for j in range(1, self.nodes + 1)]
        return "\n".join(lines) + "\n"

    # -- lifecycle -----------------------------------------------------------------
    def existing(self) -> list[str]:
        """Lab namespaces that exist right now."""
        out = run(["ip", "netns", "list"], what="ip netns list").stdout
        present = {line.split()[0] for line in out.splitlines() if line.strip()}
        return [ns for ns in self.all_namespaces() if ns in present]

    def create(self) -> None:
        """Create namespaces, bridge, veth pairs, addresses and hosts files."""
        if self.nodes > 250:
            raise LabError("at most 250 nodes")
        ip = lambda *a, **kw: run(["ip", *a], what=kw.pop("what", "ip " + " ".join(a)))  # noqa: E731
        for ns in self.all_namespaces():
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", self.hub, "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0")
        ip("-n", self.hub, "link", "set", "br0", "up")
        for i in range(1, self.nodes + 1):
            ns, port, root = self.ns(i), self.hub_port(i), self.root_link(i)
            # Cluster link: node ns eth0 <-> hub bridge port.
            ip("link", "add", port, "netns", self.hub, "type", "veth", "peer", "name", "eth0", "netns", ns)
            ip("-n", self.hub, "link", "set", port, "master", "br0")
            ip("-n", self.hub, "link", "set", port, "up")
            ip("-n", ns, "addr", "add", f"{self.cluster_ip(i)}/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")
            # Observer link: root ns <-> node ns mgmt0, never cut.
            ip("link", "add", root, "type", "veth", "peer", "name", "mgmt0", "netns", ns)
            ip("addr", "add", f"{self.net}.{i}.1/30", "dev", root)
            ip("link", "set", root, "up")
            ip("-n", ns, "addr", "add", f"{self.mgmt_ip(i)}/30", "dev", "mgmt0")
            ip("-n", ns, "link", "set", "mgmt0", "up")
            etc = ETC_NETNS / ns
            etc.mkdir(parents=True, exist_ok=True)
            (etc / "hosts").write_text(self.hosts_file(i))

    def destroy(self) -> list[str]:
        """Delete every lab namespace, root-side link and hosts dir that exists. Idempotent."""
        removed = []
        for ns in self.existing():
            run(["ip", "netns", "del", ns], check=False)
            removed.append(ns)
        for i in range(1, self.nodes + 1):
            # Normally gone with its peer's namespace; not if a process still pins it.
            if Path(f"/sys/class/net/{self.root_link(i)}").exists():
                run(["ip", "link", "del", self.root_link(i)], check=False)
        for ns in self.all_namespaces():
            if (ETC_NETNS / ns).is_dir():
                shutil.rmtree(ETC_NETNS / ns, ignore_errors=True)
        try:
            ETC_NETNS.rmdir()  # only if we left it empty
        except OSError:
            pass
        return removed

    def pids_in(self, ns: str) -> list[int]:
        """Pids of every process living in namespace `ns` (empty if it does not exist)."""
        cp = run(["ip", "netns", "pids", ns], check=False)
        return [int(p) for p in cp.stdout.split() if p.isdigit()] if cp.returncode == 0 else []

    # -- partitions ----------------------------------------------------------------
    def cut(self, i: int) -> None:
        """Take node i's bridge port down: its cluster traffic is silently dropped."""
        run(["ip", "-n", self.hub, "link", "set", self.hub_port(i), "down"], what=f"cut rmq{i}")

    def heal(self, i: int) -> None:
        run(["ip", "-n", self.hub, "link", "set", self.hub_port(i), "up"], what=f"heal rmq{i}")

    def link_up(self, i: int) -> bool | None:
        """Whether node i's cluster link is up (None if the hub does not exist)."""
        cp = run(["ip", "-n", self.hub, "-o", "link", "show", self.hub_port(i)], check=False)
        if cp.returncode != 0:
            return None
        flags = cp.stdout.split("<", 1)[-1].split(">", 1)[0].split(",")
        return "UP" in flags


def spawn_forwarder(listen_port: int, target_ip: str, target_port: int, log: Path) -> int:
    """socat from 127.0.0.1:listen_port (root ns) to target_ip:target_port, TCP_NODELAY both ways.

    Without ``nodelay`` confirmed publishes through the forwarder get ~20x slower.
    Runs in its own session so `down` can signal the listener and its per-connection
    children as one process group.  Returns the listener's pid.
    """
    import subprocess

    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                "socat",
                f"TCP-LISTEN:{listen_port},bind=127.0.0.1,reuseaddr,fork,nodelay,backlog=1024",
                f"TCP:{target_ip}:{target_port},nodelay",
            ],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    proc.returncode = 0  # detached on purpose (see node.Node.spawn)
    return proc.pid
