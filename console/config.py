"""The inventory: which targets msgops watches, read from TOML.

Precedence for the file's path: ``--inventory PATH`` > ``$MSGOPS_INVENTORY`` >
``$XDG_CONFIG_HOME/msgops/inventory.toml`` (``~/.config/...``). Secrets come from the file or from
environment variables the file names (``password_env``); they are wrapped in ``Secret`` at once.
Every problem is one ``InventoryError`` line: file, key, what is wrong, what was expected.
No Textual here: the headless commands use this module.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from msgops.probes.targets import (
    RabbitTarget,
    Secret,
    UrlError,
    default_management_urls,
    mask_url,
    parse_transport_url,
)


class InventoryError(Exception):
    """The inventory cannot be used; str() is one line naming file, key, problem, expectation."""

    def __init__(self, path: str, key: str, problem: str, expected: str = "") -> None:
        self.path, self.key, self.problem, self.expected = path, key, problem, expected
        where = f"{path}: {key}: " if key else f"{path}: "
        tail = f" (expected {expected})" if expected else ""
        super().__init__(f"{where}{problem}{tail}")


@dataclass(frozen=True)
class Settings:
    """The ``[settings]`` table."""

    read_only: bool = False
    """Refuse every runbook execution (plans still work)."""
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    """Where locks, journals and the audit log live."""


@dataclass(frozen=True)
class Inventory:
    """Everything the console watches."""

    path: str
    settings: Settings
    rabbitmq: tuple[RabbitTarget, ...] = ()

    @property
    def targets(self) -> tuple[RabbitTarget, ...]:
        return self.rabbitmq


def default_inventory_path(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("MSGOPS_INVENTORY"):
        return Path(env["MSGOPS_INVENTORY"])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "msgops" / "inventory.toml"


def default_state_dir() -> Path:
    """$MSGOPS_STATE_DIR, else $XDG_STATE_HOME/msgops, else ~/.local/state/msgops."""
    if os.environ.get("MSGOPS_STATE_DIR"):
        return Path(os.environ["MSGOPS_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "msgops"


def load_inventory(path: str | os.PathLike[str], env: dict[str, str] | None = None) -> Inventory:
    """Read and validate an inventory file (raises InventoryError, never anything else)."""
    env = dict(os.environ) if env is None else env
    shown = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InventoryError(shown, "", "file not found", "a TOML inventory; see README 'Inventory'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(shown, "", f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(shown, "", f"not valid TOML: {exc}") from None
    return parse_inventory(data, shown, env)


def parse_inventory(data: dict[str, Any], path: str, env: dict[str, str]) -> Inventory:
    known = {"settings", "rabbitmq"}
    for key in data:
        if key not in known:
            raise InventoryError(path, key, "unknown table", f"one of {sorted(known)}")
    settings = _settings(_table(data, "settings", path), path)
    rabbit = _table(data, "rabbitmq", path)
    targets = []
    for name, body in rabbit.items():
        if not isinstance(body, dict):
            raise InventoryError(path, f"rabbitmq.{name}", "is not a table", "[rabbitmq.NAME] with transport_url")
        targets.append(_rabbit_target(name, body, path, env, settings))
    return Inventory(path=path, settings=settings, rabbitmq=tuple(targets))


def _table(data: dict, key: str, path: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InventoryError(path, key, f"is a {type(value).__name__}", "a table")
    return value


def _settings(body: dict, path: str) -> Settings:
    reader = _Reader(body, "settings", path)
    state_dir = reader.get("state_dir", str, None)
    result = Settings(read_only=reader.get("read_only", bool, False))
    if state_dir:
        result = replace(result, state_dir=Path(state_dir).expanduser())
    reader.finish()
    return result


class _Reader:
    """Typed access to one table that remembers which keys were used, to reject unknown ones."""

    def __init__(self, body: dict, prefix: str, path: str) -> None:
        self.body, self.prefix, self.path, self.used = body, prefix, path, set()

    def get(self, key: str, kind: type | tuple, default: Any) -> Any:
        self.used.add(key)
        if key not in self.body:
            return default
        value = self.body[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            names = " or ".join(k.__name__ for k in kinds)
            raise InventoryError(self.path, f"{self.prefix}.{key}", f"is {value!r}", f"a {names}")
        if isinstance(value, float) and value <= 0:
            raise InventoryError(self.path, f"{self.prefix}.{key}", f"is {value}", "a positive number of seconds")
        return value

    def error(self, key: str, problem: str, expected: str = "") -> InventoryError:
        return InventoryError(self.path, f"{self.prefix}.{key}", problem, expected)

    def finish(self) -> None:
        for key in self.body:
            if key not in self.used:
                raise InventoryError(self.path, f"{self.prefix}.{key}", "unknown key", f"one of {sorted(self.used)}")


def _secret(reader: _Reader, key: str, env: dict[str, str]) -> str | None:
    """A password given inline (``key``) or through the env var named by ``key_env``."""
    inline = reader.get(key, str, None)
    env_name = reader.get(f"{key}_env", str, None)
    if env_name is None:
        return inline
    if env_name not in env:
        raise reader.error(f"{key}_env", f"environment variable {env_name} is not set", "the secret in that variable")
    return env[env_name]


def _rabbit_target(name: str, body: dict, path: str, env: dict[str, str], settings: Settings) -> RabbitTarget:
    r = _Reader(body, f"rabbitmq.{name}", path)
    url = r.get("transport_url", str, None)
    if not url:
        raise r.error("transport_url", "missing", "rabbit://user:pass@host1:5672,host2:5672/vhost")
    try:
        _, hosts, vhost, ssl = parse_transport_url(url)
    except UrlError as exc:
        raise r.error("transport_url", f"{exc}: {mask_url(url)}", "rabbit://user:pass@host1:5672,host2:5672/vhost") from None
    password = _secret(r, "password", env)
    if password is not None:  # overrides the URL's passwords (keeps them out of the file)
        hosts = tuple(replace(h, password=Secret(password)) for h in hosts)
    mgmt = r.get("management_urls", list, None)
    if mgmt is None:
        mgmt = list(default_management_urls(hosts, ssl))
    for i, m in enumerate(mgmt):
        if not isinstance(m, str) or not m.startswith(("http://", "https://")):
            raise r.error(f"management_urls[{i}]", f"is {m!r}", "http(s)://host:15672")
    mgmt_user = r.get("management_user", str, hosts[0].username)
    mgmt_password = _secret(r, "management_password", env)
    if mgmt_password is None:
        mgmt_password = hosts[0].password.reveal()
    ca_file = r.get("ca_file", str, None)
    if ca_file and not Path(ca_file).expanduser().is_file():
        raise r.error("ca_file", f"{ca_file} does not exist", "a PEM CA bundle")
    target = RabbitTarget(
        name=name,
        hosts=hosts,
        vhost=vhost,
        management_urls=tuple(m.rstrip("/") for m in mgmt),
        management_user=mgmt_user,
        management_password=Secret(mgmt_password),
        amqp_ssl=ssl,
        ca_file=str(Path(ca_file).expanduser()) if ca_file else None,
        verify_tls=r.get("verify_tls", bool, True),
        health_timeout=r.get("health_timeout", float, 5.0),
        queue_timeout=r.get("queue_timeout", float, 20.0),
        poll_interval=r.get("poll_interval", float, 5.0),
        queue_interval=r.get("queue_interval", float, 30.0),
        canary=r.get("canary", bool, True),
        canary_interval=r.get("canary_interval", float, 30.0),
        canary_timeout=r.get("canary_timeout", float, 5.0),
        canary_slow=r.get("canary_slow", float, 1.0),
        read_only=r.get("read_only", bool, False) or settings.read_only,
        display_url=mask_url(url),
    )
    r.finish()
    return target


def with_read_only(inventory: Inventory) -> Inventory:
    """The same inventory with read-only forced on (``--read-only``)."""
    return Inventory(
        path=inventory.path,
        settings=replace(inventory.settings, read_only=True),
        rabbitmq=tuple(replace(t, read_only=True) for t in inventory.rabbitmq),
    )
