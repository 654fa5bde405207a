"""The ``[redis.NAME]`` table and Redis URLs (redis-py's and Zaqar's forms); the identity rule."""

from __future__ import annotations

import pytest

from msgops.console.config import load_inventory
from msgops.probes.inventory import InventoryError
from msgops.probes.redis.target import UrlError, identity_of_uri, parse_redis_url
from msgops.probes.secrets import scrub


def inventory(tmp_path, body: str, env: dict | None = None):
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n\n{body}')
    return load_inventory(path, env=env or {})


@pytest.mark.parametrize("url, host, port, db, user, password, tls", [
    ("redis://10.0.0.7", "10.0.0.7", 6379, 0, None, None, False),
    ("redis://:s3cret@Redis1.Example:6380/2", "redis1.example", 6380, 2, None, "s3cret", False),
    ("redis://:s3cret@10.0.0.7:6379?dbid=3&socket_timeout=0.1", "10.0.0.7", 6379, 3, None, "s3cret", False),
    ("redis://zaqar:p%40ss@10.0.0.7:6379/0?db=0", "10.0.0.7", 6379, 0, "zaqar", "p@ss", False),
    ("rediss://:pw@[fd00::7]:6390/1", "fd00::7", 6390, 1, None, "pw", True),
])
def test_urls_are_read_as_redis_py_and_zaqar_write_them(url, host, port, db, user, password, tls):
    parts = parse_redis_url(url)
    assert (parts.host, parts.port, parts.db, parts.username, parts.password, parts.tls) == \
        (host, port, db, user, password, tls)


@pytest.mark.parametrize("url, words", [
    ("mongodb://h:27017", "not Redis"),
    ("redis:/var/run/redis/redis.sock", "unix socket"),
    ("redis://h1:26379,h2:26379?master=mymaster", "Sentinel"),
    ("redis://h1:26379?master=mymaster", "Sentinel"),
    ("redis://SECRETUSERONLY@h:6379", "without a password"),
    ("redis://:pa/ss-SECRET@h:6379", "percent-encode"),
    ("redis://:pw-SECRET@h:99999", "port"),
    ("redis://:pw-SECRET@h:6379/x", "not a number"),
    ("redis://:pw-SECRET@h:6379/1?dbid=2", "two different"),
    ("redis://:pw-SECRET@h:6379?ssl_cert_reqs=none", "not understood"),
])
def test_unusable_urls_are_refused_without_quoting_them(url, words):
    with pytest.raises(UrlError) as caught:
        parse_redis_url(url)
    assert words in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_identity_is_the_server_not_the_database():
    """A Zaqar pool uses one db of a server; the server down takes every db with it."""
    one = identity_of_uri("redis://:a@10.0.0.7:6379?dbid=2")
    assert one == "redis:10.0.0.7:6379"
    assert identity_of_uri("redis://:other@10.0.0.7/5") == one
    assert identity_of_uri("rediss://:a@10.0.0.7:6379/2") == one  # same server, whatever the transport
    assert identity_of_uri("redis://10.0.0.7:6380") != one
    assert identity_of_uri("redis://h1,h2?master=m") is None
    assert identity_of_uri("redis:/tmp/redis.sock") is None


def test_the_inventory_table(tmp_path):
    inv = inventory(tmp_path, '[redis.pool1]\nurl = "redis://:inline-pw-1@10.0.0.7:6379?dbid=2"\n'
                              'call_timeout = 1.5\nmemory_warn = 0.8\n\n'
                              '[redis.pool2]\nurl = "rediss://10.0.0.8:6390/1"\nusername = "msgops"\n'
                              'password_env = "POOL2_PW"\nverify_tls = false\n', env={"POOL2_PW": "env-pw-2"})
    one, two = inv.of_tier("redis")
    assert (one.host, one.port, one.db, one.password.reveal(), one.call_timeout, one.memory_warn) == \
        ("10.0.0.7", 6379, 2, "inline-pw-1", 1.5, 0.8)
    assert one.cycle_timeout == one.connect_timeout + 3 * 1.5 + 1.0
    assert "inline-pw-1" not in one.display_url and "***" in one.display_url
    assert (two.tls, two.verify_tls, two.username, two.password.reveal()) == (True, False, "msgops", "env-pw-2")
    assert "env-pw-2" not in repr(two) and scrub("env-pw-2 leaked") == "*** leaked"


@pytest.mark.parametrize("body, key, words", [
    ('[redis.x]\n', "redis.x.url", "missing"),
    ('[redis.x]\nurl = "redis://:pw-LEAK@h:6379/1?dbid=2"\n', "redis.x.url", "two different"),
    ('[redis.x]\nurl = "redis://h"\nmemory_warn = 1.5\n', "redis.x.memory_warn", "fraction"),
    ('[redis.x]\nurl = "redis://h"\ncall_timeout = 0\n', "redis.x.call_timeout", "seconds > 0"),
    ('[redis.x]\nurl = "redis://h"\nhost = "h"\n', "redis.x.host", "unknown key"),
    ('[redis.x]\nurl = "redis://h"\npassword_env = "NOPE"\n', "redis.x.password_env", "not set"),
])
def test_inventory_errors_name_the_key_and_never_the_password(tmp_path, body, key, words):
    with pytest.raises(InventoryError) as caught:
        inventory(tmp_path, body)
    assert caught.value.key == key and words in str(caught.value)
    assert "LEAK" not in str(caught.value)
