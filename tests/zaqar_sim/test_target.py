"""[zaqar.NAME] in the inventory: each way to authenticate, the defaults, and one-line refusals that
never show a password."""

from __future__ import annotations

import pytest

from msgops.console.config import InventoryError
from msgops.probes.zaqar.target import ZaqarTarget

from .helpers import inventory


def one(tmp_path, body: str, env: dict | None = None) -> ZaqarTarget:
    _, inv = inventory(tmp_path, body, env=env)
    (target,) = inv.of_tier("zaqar")
    return target


def refused(tmp_path, body: str, env: dict | None = None) -> str:
    with pytest.raises(InventoryError) as info:
        inventory(tmp_path, body, env=env)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_no_auth_target_and_its_defaults(tmp_path):
    t = one(tmp_path, '[zaqar.lab]\nendpoint = "http://127.0.0.1:18888/v2/"\nproject_id = "msgops-lab"\n')
    assert (t.auth, t.endpoint, t.project_id) == ("none", "http://127.0.0.1:18888", "msgops-lab")
    assert (t.call_timeout, t.health_timeout, t.health_interval, t.poll_interval) == (10.0, 45.0, 30.0, 10.0)
    assert t.cycle_timeout == 3 * 10.0 + 45.0 + 5.0 and t.max_reply_bytes == 16 * 2**20
    assert len(t.client_id) == 36 and t.display_url == "http://127.0.0.1:18888" and t.tier == "zaqar"


def test_cloud_target_checks_the_cloud_is_listed(tmp_path):
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  prod:\n    auth:\n      password: TOPSECRET-1\n")
    t = one(tmp_path, f'[zaqar.prod]\ncloud = "prod"\nclouds_yaml = "{clouds}"\ninterface = "internalURL"\n')
    assert (t.auth, t.cloud, t.endpoint, t.interface) == ("cloud", "prod", None, "internal")
    assert "messaging endpoint of cloud prod" in t.display_url
    text = refused(tmp_path, f'[zaqar.x]\ncloud = "staging"\nclouds_yaml = "{clouds}"\n')
    assert "'staging' is not in" in text and "prod" in text and "TOPSECRET" not in text


def test_password_target_reads_its_secret_from_the_environment(tmp_path):
    body = ('[zaqar.k]\nauth_url = "https://keystone:5000/v3"\nusername = "msgops"\n'
            'password_env = "ZAQAR_PW"\nproject_name = "admin"\n')
    t = one(tmp_path, body, env={"ZAQAR_PW": "s3cret-pw"})
    assert t.auth == "password" and t.password.reveal() == "s3cret-pw" and "s3cret" not in repr(t)
    assert "ZAQAR_PW is not set" in refused(tmp_path, body)


def test_environment_auth_needs_os_variables(tmp_path):
    assert one(tmp_path, '[zaqar.e]\nauth = "environment"\n', env={"OS_CLOUD": "x"}).auth == "environment"
    assert "neither OS_CLOUD nor OS_AUTH_URL" in refused(tmp_path, '[zaqar.e]\nauth = "environment"\n')


@pytest.mark.parametrize("body, expected", [
    ('[zaqar.x]\nendpoint = "http://z:8888"\n', "says nothing about authentication"),
    ('[zaqar.x]\nproject_id = "p"\n', "zaqar.x.endpoint: missing"),
    ('[zaqar.x]\ncloud = "c"\nproject_id = "p"\n', "only for targets without auth"),
    ('[zaqar.x]\nendpoint = "ftp://z"\nproject_id = "p"\n', "zaqar.x.endpoint"),
    ('[zaqar.x]\nendpoint = "http://z"\nproject_id = "p"\nclient_id = "nope"\n', "is not a UUID"),
    ('[zaqar.x]\nendpoint = "http://z"\nproject_id = "p"\nhealth_timeout = 0\n', "health_timeout"),
    ('[zaqar.x]\nendpoint = "http://z"\nproject_id = "p"\nmanagement_store = "mysql+pymysql://zaqar:DBPASS99@db/zaqar"\n',
     "'mysql+pymysql' management stores are not read"),
    ('[zaqar.x]\nendpoint = "http://z"\nproject_id = "p"\nmanagement_store = "sqlite://"\n', "in-memory"),
    ('[zaqar.x]\nendpoint = "http://u:EPW12345@z"\nproject_id = "p"\nbogus = 1\n', "unknown key"),
])
def test_refusals_are_one_line_without_secrets(tmp_path, body, expected):
    text = refused(tmp_path, body)
    assert expected in text and "DBPASS99" not in text and "EPW12345" not in text


def test_relative_sqlite_store_is_relative_to_the_inventory(tmp_path):
    from msgops.probes.zaqar.placement import store_path

    assert store_path("sqlite:///catalog.sqlite", tmp_path) == tmp_path / "catalog.sqlite"
    assert str(store_path("sqlite:////var/lib/zaqar/c.sqlite", tmp_path)) == "/var/lib/zaqar/c.sqlite"
