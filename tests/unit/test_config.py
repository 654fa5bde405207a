"""Inventory parsing: operators' URLs, secrets from env, one-line errors naming file and key."""

import pytest

from msgops.console.config import InventoryError, default_inventory_path, load_inventory
from msgops.probes.rabbitmq.target import mask_url, parse_transport_url


def write(tmp_path, text):
    path = tmp_path / "inventory.toml"
    path.write_text(text)
    return path


def test_oslo_transport_url_with_several_hosts(tmp_path):
    inv = load_inventory(write(tmp_path, """
[rabbitmq.rpc]
transport_url = "rabbit://nova:s3cr%40t@ctl1:5672,ctl2:5673,other:pw@[fd00::3]/nova"
"""), env={})
    (t,) = inv.of_tier("rabbitmq")
    assert [(h.host, h.port, h.username) for h in t.hosts] == [
        ("ctl1", 5672, "nova"), ("ctl2", 5673, "nova"), ("fd00::3", 5672, "other")]
    assert t.hosts[0].password.reveal() == "s3cr@t" and t.hosts[1].password.reveal() == "s3cr@t"
    assert t.vhost == "nova"
    assert t.management_urls == ("http://ctl1:15672", "http://ctl2:15672", "http://[fd00::3]:15672")
    assert "s3cr" not in repr(t) and "s3cr" not in t.display_url
    assert t.display_url == "rabbit://nova:***@ctl1:5672,ctl2:5673,other:***@[fd00::3]/nova"


def test_two_clusters_rpc_and_notifications(tmp_path):
    inv = load_inventory(write(tmp_path, """
[rabbitmq.rpc]
transport_url = "rabbit://u:p@rpc1:5672/"
[rabbitmq.notify]
transport_url = "rabbit://u:p@notify1:5672/"
management_urls = ["https://notify1:15671"]
verify_tls = false
"""), env={})
    assert [t.name for t in inv.of_tier("rabbitmq")] == ["rpc", "notify"]
    assert inv.of_tier("rabbitmq")[1].verify_tls is False and inv.of_tier("rabbitmq")[0].verify_tls is True


def test_password_from_environment(tmp_path):
    path = write(tmp_path, """
[rabbitmq.rpc]
transport_url = "rabbit://nova@ctl1:5672/"
password_env = "RPC_PASS"
""")
    (t,) = load_inventory(path, env={"RPC_PASS": "from-env"}).of_tier("rabbitmq")
    assert t.hosts[0].password.reveal() == "from-env"
    assert t.management_password.reveal() == "from-env"
    with pytest.raises(InventoryError) as err:
        load_inventory(path, env={})
    assert str(err.value) == (f"{path}: rabbitmq.rpc.password_env: environment variable RPC_PASS is not set "
                              "(expected the secret in that variable)")


@pytest.mark.parametrize("body, key, problem", [
    ('[rabbitmq.a]\ntransport_url = "http://x"', "rabbitmq.a.transport_url", "scheme 'http' is not RabbitMQ"),
    ('[rabbitmq.a]\nmanagement_urls = []', "rabbitmq.a.transport_url", "missing"),
    ('[rabbitmq.a]\ntransport_url = "rabbit://h/"\ntimeout = 3', "rabbitmq.a.timeout", "unknown key"),
    ('[rabbitmq.a]\ntransport_url = "rabbit://h/"\npoll_interval = "5"', "rabbitmq.a.poll_interval", "is '5'"),
    ('[rabbitmq.a]\ntransport_url = "rabbit://h/"\npoll_interval = -1', "rabbitmq.a.poll_interval", "is -1.0"),
    ('[rabbitmq.a]\ntransport_url = "rabbit://h:notaport/"', "rabbitmq.a.transport_url", "host 1: the port is not a number"),
    ('[rabbitmq.a]\ntransport_url = "rabbit://u:SECRETPW@h/"\nmanagement_urls = ["ftp://x"]',
     "rabbitmq.a.management_urls[0]", "is 'ftp://x'"),
    ('[mongo]\nx = 1', "mongo", "unknown table"),
    ('[rabbitmq\n', "", "not valid TOML"),
])
def test_bad_inventory_is_one_line(tmp_path, body, key, problem):
    path = write(tmp_path, body)
    with pytest.raises(InventoryError) as err:
        load_inventory(path, env={})
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(path))
    assert err.value.key == key and problem in text
    assert "SECRETPW" not in text


def test_missing_file_and_default_path(tmp_path):
    with pytest.raises(InventoryError, match="file not found"):
        load_inventory(tmp_path / "nope.toml")
    assert default_inventory_path({"MSGOPS_INVENTORY": "/x.toml"}).as_posix() == "/x.toml"
    assert default_inventory_path({"XDG_CONFIG_HOME": "/cfg"}).as_posix() == "/cfg/msgops/inventory.toml"


def test_mask_url_and_tls_flag():
    assert mask_url("rabbit://a:b@h1,c:d@h2/v") == "rabbit://a:***@h1,c:***@h2/v"
    assert mask_url("no url") == "no url"
    assert parse_transport_url("rabbit://u:p@h:5671/?ssl=1")[3] is True
    assert parse_transport_url("rabbit://u:p@h/")[3] is False
