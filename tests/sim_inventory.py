"""An inventory for a running SimCluster, written as an operator would (transport_url + management
URLs), so tests reach the simulator through the same config path as a real cluster."""

from __future__ import annotations

from pathlib import Path

from msgops.console.config import Inventory, load_inventory


def sim_inventory(cluster, directory: Path, name: str = "rpc", extra: str = "") -> Inventory:
    """``[rabbitmq.<name>]`` for ``cluster``, state under ``directory/state``; ``extra`` adds TOML lines."""
    urls = ", ".join(f'"{u}"' for u in cluster.management_urls)
    path = Path(directory) / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{Path(directory) / "state"}"\n\n[rabbitmq.{name}]\n'
                    f'transport_url = "{cluster.transport_url}"\nmanagement_urls = [{urls}]\n{extra}')
    return load_inventory(path, env={})
