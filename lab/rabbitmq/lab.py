"""RabbitLab: a real 3-node RabbitMQ 3.x cluster on this machine, with real partitions.

Each node ``rabbitN@rmqN`` runs in its own network namespace (see `msgops.lab.netns`);
from the root namespace every node is reachable on 127.0.0.1 through socat forwarders:
AMQP ``amqp_base + N`` (5701..) and management ``mgmt_base + N`` (15701..).  `cut` takes a
node's cluster link down; held past ``net_ticktime`` (10 s) that is a genuine partition,
while both sides stay observable through their management APIs.

Everything `up` starts (beam.smp, epmd per namespace, socat) is recorded with its start
time in ``<base>/state.json``; `down` stops exactly those pids and removes what `up`
created.  `up` always builds a fresh cluster (node data is wiped first).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from msgops.lab.rabbitmq import seed
from msgops.lab._util import LabError, PidRef, Timings, parallel, port_in_use, stop_refs
from msgops.lab.netns import Topology, spawn_forwarder
from msgops.lab.rabbitmq.node import AMQP_PORT, MGMT_PORT, RABBIT_BIN, Node, ensure_cookie
from msgops.lab.rabbitmq.state import LabState, read_epmd_pids, write_inventory


class RabbitLab:
    """Drive the lab rooted at `base_dir`. Methods raise `LabError` for expected failures."""

    def __init__(self, base_dir: Path | str, *, nodes: int = 3, amqp_base: int = 5700,
                 mgmt_base: int = 15700, prefix: str = "msgops", net: str = "10.231") -> None:
        self.base = Path(base_dir).absolute()
        self.topo = Topology(nodes=nodes, prefix=prefix, net=net)
        self.amqp_base, self.mgmt_base = amqp_base, mgmt_base
        self.nodes = [Node(i, self.base, self.topo.ns(i), self.topo.host(i)) for i in self.indices]
        self.state = LabState(self.base / "state.json")

    # -- names, ports, urls --------------------------------------------------------
    @property
    def indices(self) -> range:
        return range(1, self.topo.nodes + 1)

    @property
    def node_names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def node(self, i: int) -> Node:
        if i not in self.indices:
            raise LabError(f"no node {i}: the lab has nodes {self.indices[0]}..{self.indices[-1]}")
        return self.nodes[i - 1]

    def node_name(self, i: int) -> str:
        return self.node(i).name

    def amqp_port(self, i: int) -> int:
        return self.amqp_base + self.node(i).index

    def management_port(self, i: int) -> int:
        return self.mgmt_base + self.node(i).index

    def management_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.management_port(i)}"

    @property
    def management_urls(self) -> list[str]:
        return [self.management_url(i) for i in self.indices]

    @property
    def inventory_path(self) -> Path:
        return self.base / "inventory.toml"

    @property
    def user(self) -> str:
        return seed.LAB_USER

    @property
    def password(self) -> str:
        return self.state.load().get("password", "")

    @property
    def transport_url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{self.amqp_port(i)}" for i in self.indices)
        return f"rabbit://{self.user}:{self.password}@{hosts}/"

    # -- preconditions and locking -------------------------------------------------
    def _check_host(self) -> None:
        if os.geteuid() != 0:
            raise LabError("lab needs root for network namespaces")
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise LabError("rabbitmq-server not installed: run scripts/install-lab-deps")
        for tool in ("socat", "ip"):
            if shutil.which(tool) is None:
                raise LabError(f"{tool} not installed: run scripts/install-lab-deps")

    @contextmanager
    def _locked(self):
        self.base.mkdir(parents=True, exist_ok=True)
        with open(self.base / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LabError(f"another lab command is running on {self.base}") from None
            yield

    def is_up(self) -> bool:
        """True when any recorded beam is alive."""
        return any(ref.alive() for ref in self.state.beams().values())

    # -- up / down -----------------------------------------------------------------
    def up(self, *, seed_data: bool = True, log=print) -> Timings:
        """Start a fresh cluster; returns phase timings. No-op (logged) when already up."""
        self._check_host()
        t = Timings()
        with self._locked():
            if self.is_up():
                log(f"lab already up in {self.base} (use `down` first)")
                return t
            self._clean_leftovers(log)
            busy = [p for i in self.indices for p in (self.amqp_port(i), self.management_port(i)) if port_in_use(p)]
            if busy:
                raise LabError(f"ports already in use on 127.0.0.1: {busy}")
            for n in self.nodes:
                shutil.rmtree(n.dir, ignore_errors=True)
                n.write_config()
            ensure_cookie(self.nodes[0].home)
            st = {"nodes": self.topo.nodes, "prefix": self.topo.prefix, "net": self.topo.net,
                  "password": seed.new_password(), "beams": {}, "epmd": {}, "forwarders": [],
                  "cut": [], "namespaces": self.topo.all_namespaces()}
            self.state.save(st)  # from here on, `down` can clean up a half-built lab
            try:
                self._build(st, t, seed_data)
            except BaseException:
                # Leave nothing running behind a failed up; node logs stay under the lab dir.
                self._teardown(self.state.load(), fast=True)
                raise
        return t

    def _build(self, st: dict, t: Timings, seed_data: bool) -> None:
        self.topo.create()
        t.mark("namespaces")
        for i in self.indices:
            for port, target in ((self.amqp_port(i), AMQP_PORT), (self.management_port(i), MGMT_PORT)):
                pid = spawn_forwarder(port, self.topo.mgmt_ip(i), target, self.base / "socat.log")
                st["forwarders"].append(PidRef.of(pid, f"socat :{port}").to_json())
        beams = {n.index: n.spawn() for n in self.nodes}
        st["beams"] = {str(i): ref.to_json() for i, ref in beams.items()}
        self.state.save(st)
        parallel(lambda n: n.wait_booted(beams[n.index]), self.nodes)
        st["epmd"] = {str(i): [r.to_json() for r in read_epmd_pids(self.topo, i)] for i in self.indices}
        self.state.save(st)
        t.mark("boot (parallel)")
        self._form_cluster(t)
        if seed_data:
            try:
                seed.create_user_and_policy(self.management_url(1), st["password"])
                t.mark("user + ha-all policy")
                seed.seed_default_queues([self.amqp_port(i) for i in self.indices], st["password"])
                t.mark("queues + messages")
            except Exception as exc:  # httpx / pika errors: one line for the CLI
                raise LabError(f"seeding the cluster failed: {type(exc).__name__}: {exc}") from exc
        write_inventory(self.inventory_path, self.transport_url, self.management_urls)

    def _form_cluster(self, t: Timings) -> None:
        first, others = self.nodes[0], self.nodes[1:]
        parallel(lambda n: n.ctl("stop_app"), others)
        t.mark("stop_app 2..n")
        parallel(lambda n: n.ctl("reset"), others)
        for n in others:  # sequential joins avoid schema races
            n.ctl("join_cluster", first.name)
        t.mark("reset + join_cluster")
        parallel(lambda n: n.ctl("start_app"), others)
        t.mark("start_app 2..n")

    def down(self, *, fast: bool = False, log=print) -> Timings:
        """Stop everything `up` started (by pid) and remove namespaces, links, hosts files."""
        self._check_host()
        t = Timings()
        with self._locked():
            st = self.state.load()
            if not st and not self.topo.existing():
                log(f"lab is not up in {self.base}")
                return t
            self._teardown(st, fast=fast, t=t)
        return t

    def _teardown(self, st: dict, *, fast: bool, t: Timings | None = None) -> None:
        self._stop_recorded(st, fast=fast)
        if t:
            t.mark("stop processes" + (" (SIGKILL)" if fast else ""))
        self._kill_namespace_leftovers()
        self.topo.destroy()
        self.state.clear()
        if t:
            t.mark("remove namespaces")

    def _stop_recorded(self, st: dict, *, fast: bool) -> None:
        beams = [PidRef.from_json(d) for d in st.get("beams", {}).values() if d]
        stop_refs(beams, grace=0 if fast else 12)
        others = [PidRef.from_json(d) for lst in st.get("epmd", {}).values() for d in lst]
        stop_refs(others, grace=2)
        stop_refs([PidRef.from_json(d) for d in st.get("forwarders", [])], grace=2, group=True)

    def _kill_namespace_leftovers(self) -> None:
        """Processes still inside our namespaces were started through the lab (CLI runs)."""
        refs = [PidRef.of(p, "leftover") for ns in self.topo.existing() for p in self.topo.pids_in(ns)]
        stop_refs([r for r in refs if r.start is not None], grace=2)

    def _clean_leftovers(self, log) -> None:
        st = self.state.load()
        if st:
            log("cleaning stale state from a previous run")
            self._stop_recorded(st, fast=True)
            self.state.clear()
        present = self.topo.existing()
        if present:
            busy = {ns: self.topo.pids_in(ns) for ns in present}
            busy = {ns: p for ns, p in busy.items() if p}
            if busy and not st:
                raise LabError(f"namespaces in use by another lab (pids {busy}): run `down` with its --dir")
            self._kill_namespace_leftovers()
            self.topo.destroy()

    # -- one node ------------------------------------------------------------------
    def rabbitmqctl(self, i: int, *args: str, timeout: float = 60.0, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``rabbitmqctl -n rabbitI@rmqI ARGS`` inside node i's namespace."""
        return self.node(i).ctl(*args, timeout=timeout, check=check)

    def stop_node(self, i: int, kill: bool = False) -> None:
        """Stop node i's VM: graceful (SIGTERM, like ``rabbitmqctl stop``) or SIGKILL."""
        node = self.node(i)
        with self._locked():
            st = self.state.load()
            d = st.get("beams", {}).get(str(i))
            if d:
                stop_refs([PidRef.from_json(d)], grace=0 if kill else 30)
            st.setdefault("beams", {})[str(i)] = None
            self.state.save(st)
        node.pid_file.unlink(missing_ok=True)

    def start_node(self, i: int, timeout: float = 120.0) -> None:
        """Start node i again on its existing data; it rejoins the cluster by itself."""
        node = self.node(i)
        with self._locked():
            st = self.state.load()
            if not st:
                raise LabError("lab is not up: run `up` first")
            d = st.get("beams", {}).get(str(i))
            if d and PidRef.from_json(d).alive():
                return
            ref = node.spawn()
            st["beams"][str(i)] = ref.to_json()
            self.state.save(st)
            node.wait_booted(ref, timeout=timeout)

    def cut(self, i: int) -> None:
        """Take node i's cluster link down (a real partition once held past net_ticktime)."""
        self.node(i)
        self.topo.cut(i)
        self.state.update_cut(i, True)

    def heal(self, i: int) -> None:
        self.node(i)
        self.topo.heal(i)
        self.state.update_cut(i, False)

    def restart_app(self, i: int) -> None:
        """``stop_app`` + ``start_app`` on node i. After a partition this can hang in
        ``global_sync`` ("Global hang workaround"): recover with ``restart_node`` instead."""
        self.rabbitmqctl(i, "stop_app", timeout=120)
        self.rabbitmqctl(i, "start_app", timeout=180)

    def restart_node(self, i: int, kill: bool = False) -> None:
        """Stop node i's VM and start it again (how a partition's minority is recovered: the
        whole VM never hung in the lab, where ``start_app`` after a cut did)."""
        self.stop_node(i, kill=kill)
        self.start_node(i)

    def status(self) -> dict:
        """A JSON-able snapshot of the lab: per node pids, liveness, ports and link state."""
        st = self.state.load()
        out = {"dir": str(self.base), "up": self.is_up(), "inventory": str(self.inventory_path), "nodes": []}
        fwd = [PidRef.from_json(d) for d in st.get("forwarders", [])]
        for n in self.nodes:
            d = st.get("beams", {}).get(str(n.index))
            beam = PidRef.from_json(d) if d else None
            epmd = [PidRef.from_json(e) for e in st.get("epmd", {}).get(str(n.index), [])]
            ports = (self.amqp_port(n.index), self.management_port(n.index))
            out["nodes"].append({
                "index": n.index, "name": n.name, "namespace": n.ns,
                "beam_pid": beam.pid if beam else None, "running": bool(beam and beam.alive()),
                "epmd_pids": [e.pid for e in epmd if e.alive()],
                "forwarder_pids": [f.pid for f in fwd if f.alive() and f.what.endswith(tuple(f":{p}" for p in ports))],
                "amqp_port": ports[0], "management_port": ports[1],
                "link": {True: "up", False: "CUT", None: "-"}[self.topo.link_up(n.index) if st else None],
            })
        return out
