"""``[mongodb.NAME]`` as operators write it (zaqar.conf's URI): parsing, defaults, secrets masked and
never echoed, one-line errors; cross-tier identity (a Zaqar pool's URI matched to the target)."""

from __future__ import annotations

from pathlib import Path

import pytest

from msgops.console.config import InventoryError, load_inventory
from msgops.probes.inventory import TableContext
from msgops.probes.mongodb.target import identity_of_uri
from msgops.probes.registry import spec
from msgops.probes.relate import identity_of
from msgops.probes.secrets import scrub
from msgops.probes.tier import Dependency

ZAQAR_URI = ("mongodb://MYDB0.EXAMPLE-MESSAGES.NET,MYDB1.EXAMPLE-MESSAGES.NET,MYDB2.EXAMPLE-MESSAGES.NET:27017/"
             "?replicaSet=catalog&w=2&readPreference=secondaryPreferred")
SECRET = "S3cr/et,pa?ss"


def load(tmp_path: Path, body: str, env: dict | None = None):
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path}/state"\n\n[mongodb.catalog]\n{body}')
    (target,) = load_inventory(path, env=env or {}).of_tier("mongodb")
    return target


def test_the_zaqar_uri_as_written(tmp_path):
    target = load(tmp_path, f'uri = "{ZAQAR_URI}"\n')
    assert target.seeds == ("mydb0.example-messages.net:27017", "mydb1.example-messages.net:27017",
                            "mydb2.example-messages.net:27017")
    assert target.set_name == "catalog" and target.username is None and target.tls is False
    assert (target.lag_warn, target.lag_crit, target.headroom_warn) == (10.0, 60.0, 3600.0)
    assert target.cycle_timeout == 3 * target.call_timeout + 1 and target.display_url == ZAQAR_URI
    options = target.client_options()
    assert "w" not in options and "readPreference" not in options  # Zaqar's, not a monitor's
    assert options["timeoutMS"] == 5000 and options["serverMonitoringMode"] == "poll"


def test_password_is_masked_everywhere_and_env_overrides(tmp_path):
    encoded = "S3cr%2Fet%2Cpa%3Fss"
    target = load(tmp_path, f'uri = "mongodb://zaqar:{encoded}@db0,db1/?replicaSet=catalog"\n')
    assert target.password.reveal() == SECRET and target.username == "zaqar"
    assert SECRET not in repr(target) and encoded not in target.display_url and "zaqar:***@" in target.display_url
    assert scrub(f"oops {SECRET} and {encoded}") == "oops *** and ***"
    other = load(tmp_path, 'uri = "mongodb://monitor@db0/?replicaSet=catalog"\npassword_env = "CATALOG_PW"\n'
                           'username = "msgops"\n', env={"CATALOG_PW": "from-env-77"})
    assert other.username == "msgops" and other.password.reveal() == "from-env-77"
    assert other.client_options()["password"] == "from-env-77"


def test_tls_options_are_honoured_and_verified(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked by pymongo until it connects\n")
    target = load(tmp_path, f'uri = "mongodb://db0/?replicaSet=catalog&tls=true&tlsCAFile={ca}&authSource=admin"\n')
    options = target.client_options()
    assert options["tls"] is True and options["tlsCAFile"] == str(ca) and options["authSource"] == "admin"
    assert "tlsAllowInvalidCertificates" not in options  # verified by default


@pytest.mark.parametrize("body,expected", [
    ('uri = "mongodb+srv://cluster.example.net/"\n', "mongodb+srv:// is not supported"),
    ('uri = "redis://db0:6379"\n', "scheme 'redis' is not MongoDB"),
    (f'uri = "mongodb://u:{SECRET}@db0/?replicaSet=x"\n', "percent-encoded"),
    ('uri = "mongodb://u:p@db0:99999/"\n', "the port is not a number"),
    ('uri = "mongodb://db0/?replicaSet=x&bogus=1"\n', "unknown option bogus"),
    ('uri = "mongodb://db0/?tls=true&tlsCAFile=/nonexistent/ca.pem"\n', "tlsCAFile"),
    ('uri = "mongodb://db0/"\nlag_warn = 30\nlag_crit = 10\n', "below lag_warn"),
    ('uri = "mongodb://db0/"\npassword = "x-secret-x"\n', "a password without a user"),
    ('uri = "mongodb://db0/"\ncall_timeout = 0\n', "call_timeout"),
    ('uri = "mongodb://db0/"\nlag_wran = 3\n', "unknown key"),
    ("", "uri: missing"),
])
def test_bad_inventory_is_one_line_without_the_secret(tmp_path, body, expected):
    with pytest.raises(InventoryError) as err:
        load(tmp_path, body)
    text = str(err.value)
    assert expected.lower() in text.lower() and "\n" not in text
    assert SECRET not in text and "x-secret-x" not in text and "mongodb.catalog" in text


def test_identity_same_set_same_members():
    a = identity_of_uri("mongodb://u:p@DB0:27017,db1/?replicaSet=catalog&w=2")
    assert a == identity_of_uri("mongodb://db1:27017,db0/?replicaSet=catalog&readPreference=secondaryPreferred")
    assert a != identity_of_uri("mongodb://db1,db0/?replicaSet=other")
    assert a != identity_of_uri("mongodb://db1,db0,db2/?replicaSet=catalog")
    assert identity_of_uri("mongodb+srv://x.example/") is None and identity_of_uri("not a uri") is None


def test_a_zaqar_pool_on_the_set_is_matched_and_derived(tmp_path):
    target = load(tmp_path, f'uri = "{ZAQAR_URI}"\n')
    pool_uri = "mongodb://zaqar:pool-Secret-1@mydb2.example-messages.net,mydb0.example-messages.net:27017,mydb1." \
               "example-messages.net/?replicaSet=catalog"

    mongo = spec("mongodb")
    assert mongo.identities(target) == (identity_of_uri(pool_uri),)
    dependency = Dependency(("POOL1",), pool_uri, "pool POOL1's store")
    assert identity_of(dependency.uri) in mongo.identities(target)  # what probes/relate matches on
    derived = mongo.target_from_uri("pool1-store", pool_uri, TableContext("x", {}, read_only=True))
    assert derived.read_only and derived.set_name == "catalog" and derived.password.reveal() == "pool-Secret-1"
    assert "pool-Secret-1" not in derived.display_url
