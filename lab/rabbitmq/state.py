"""The lab's on-disk records: ``state.json`` (what `up` started) and ``inventory.toml``.

``state.json`` is written atomically after every change, so a crash at any point of `up`
leaves enough behind for `down` (or the next `up`) to clean up by pid.

``inventory.toml`` is what the console's config loader reads::

    [rabbitmq.lab]
    transport_url = "rabbit://msgops:PASSWORD@127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703/"
    management_urls = ["http://127.0.0.1:15701", "http://127.0.0.1:15702", "http://127.0.0.1:15703"]
"""

from __future__ import annotations

import os
from pathlib import Path

from msgops.lab._util import PidRef, StateFile
from msgops.lab.netns import Topology


class LabState(StateFile):
    """JSON state file holding the pids (with start times) that `up` created."""

    def beams(self) -> dict[int, PidRef]:
        return {int(i): PidRef.from_json(d) for i, d in self.load().get("beams", {}).items() if d}

    def update_cut(self, i: int, cut: bool) -> None:
        st = self.load()
        if not st:
            return
        cuts = set(st.get("cut", []))
        (cuts.add if cut else cuts.discard)(i)
        st["cut"] = sorted(cuts)
        self.save(st)


def read_epmd_pids(topo: Topology, i: int) -> list[PidRef]:
    """The epmd daemon(s) the node's VM started inside namespace i."""
    refs = []
    for pid in topo.pids_in(topo.ns(i)):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm == "epmd":
            refs.append(PidRef.of(pid, f"epmd {topo.ns(i)}"))
    return refs


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_inventory(path: Path, transport_url: str, management_urls: list[str]) -> None:
    """Write the ``[rabbitmq.lab]`` inventory (mode 600: it holds the lab password)."""
    text = (
        "# Written by `msgops lab rabbitmq up`; rewritten on every up.\n"
        "[rabbitmq.lab]\n"
        f"transport_url = {_toml_str(transport_url)}\n"
        f"management_urls = [{', '.join(_toml_str(u) for u in management_urls)}]\n"
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    os.replace(tmp, path)
