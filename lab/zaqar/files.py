"""What `up` leaves for clients in the lab dir: ``clouds.yaml`` and msgops' ``inventory.toml``.

``clouds.yaml`` holds two clouds, ``msgops-lab-admin`` and ``msgops-lab-member``, in the
layout openstacksdk / keystoneauth loaders read; it holds passwords, so it is mode 0600.
``inventory.toml`` is the Zaqar tier's inventory in the exact format the msgops parser
expects (no passwords: the keystone target points at the clouds.yaml).  Both are written
by hand (JSON strings are valid YAML and TOML basic strings for the values we write), so
the lab needs no YAML/TOML writer.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._util import write_private

ADMIN_CLOUD = "msgops-lab-admin"
MEMBER_CLOUD = "msgops-lab-member"
NOAUTH_PROJECT = "msgops-lab"


def _q(value: str) -> str:
    """A double-quoted string valid in both YAML and TOML (ASCII, escapes as JSON)."""
    return json.dumps(value, ensure_ascii=True)


def clouds_yaml(auth_url: str, region: str, clouds: dict[str, dict[str, str]]) -> str:
    """`clouds` maps a cloud name to {username, password, project_name}."""
    out = ["# msgops Zaqar lab: written by `python -m msgops.lab.zaqar up` (holds passwords: 0600)",
           "clouds:"]
    for name, c in clouds.items():
        out += [
            f"  {name}:",
            "    auth:",
            f"      auth_url: {_q(auth_url)}",
            f"      username: {_q(c['username'])}",
            f"      password: {_q(c['password'])}",
            f"      project_name: {_q(c['project_name'])}",
            '      user_domain_name: "Default"',
            '      project_domain_name: "Default"',
            f"    region_name: {_q(region)}",
            "    interface: public",
            "    identity_api_version: 3",
        ]
    return "\n".join(out) + "\n"


def write_clouds_yaml(path: Path, auth_url: str, region: str, clouds: dict[str, dict[str, str]]) -> None:
    write_private(path, clouds_yaml(auth_url, region, clouds))


def inventory_toml(*, lab_dir: Path, endpoint: str, management_store: str, clouds_yaml_path: Path,
                   keystone_management_store: str) -> str:
    """The ``[settings]`` + ``[zaqar.lab]`` + ``[zaqar.lab-keystone]`` inventory."""
    return "\n".join([
        "[settings]",
        f"state_dir = {_q(str(lab_dir / 'state'))}",
        "",
        "[zaqar.lab]",
        f"endpoint = {_q(endpoint)}",
        f"project_id = {_q(NOAUTH_PROJECT)}",
        f"management_store = {_q(management_store)}",
        "",
        "[zaqar.lab-keystone]",
        f"cloud = {_q(ADMIN_CLOUD)}",
        f"clouds_yaml = {_q(str(clouds_yaml_path))}",
        f"management_store = {_q(keystone_management_store)}",
        "",
    ])


def write_inventory(path: Path, text: str) -> None:
    write_private(path, text)
