"""The inventory: which targets msgops watches, read from TOML. No Textual here (headless uses it).

Precedence for the file's path: ``--inventory PATH`` > ``$MSGOPS_INVENTORY`` >
``$XDG_CONFIG_HOME/msgops/inventory.toml`` (``~/.config/...``). The file is read only if it is a
regular file of at most ``MAX_INVENTORY_BYTES`` (a FIFO or ``/dev/zero`` must not hang or exhaust
memory). ``[settings]`` is generic; every other table is a tier's (``[<tier>.NAME]``), parsed by that
tier's own parser from the registry. Secrets come from the file or from environment variables the
file names (``*_env``); they are wrapped in ``Secret`` at once. Every problem is one
``InventoryError`` line: file, key, what is wrong, what was expected.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from msgops.probes.inventory import InventoryError, TableContext, TableReader
from msgops.probes.registry import tiers
from msgops.probes.tier import Target

MAX_INVENTORY_BYTES = 1024 * 1024
"""An inventory is a few kilobytes; anything past a megabyte is refused unread."""

__all__ = ["Inventory", "InventoryError", "Settings", "default_inventory_path", "default_state_dir",
           "load_inventory", "parse_inventory", "with_read_only"]


@dataclass(frozen=True)
class Settings:
    """The ``[settings]`` table."""

    read_only: bool = False
    """Refuse every runbook execution (plans still work)."""
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    """Where locks, journals and the audit log live."""
    confirm_timeout: float = 120.0
    """Seconds a typed confirmation waits in the console before it is withdrawn (nothing done)."""


@dataclass(frozen=True)
class Inventory:
    """Everything the console watches."""

    path: str
    settings: Settings
    targets: tuple[Target, ...] = ()
    """Every target of every tier, in file order within each tier, tiers in registry order."""

    def of_tier(self, tier: str) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.tier == tier)


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


def read_inventory_text(path: str | os.PathLike[str]) -> str:
    """The file's text: regular files only, at most MAX_INVENTORY_BYTES, never blocking on a FIFO."""
    shown = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InventoryError(shown, "", "file not found", "a TOML inventory; see README 'Inventory'") from None
    except OSError as exc:
        raise InventoryError(shown, "", f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InventoryError(shown, "", f"is not a regular file ({_kind(info.st_mode)})", "a TOML file")
    if info.st_size > MAX_INVENTORY_BYTES:
        raise InventoryError(shown, "", f"is {info.st_size:,} bytes", f"at most {MAX_INVENTORY_BYTES:,}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since stat()
                raise InventoryError(shown, "", "is not a regular file", "a TOML file")
            raw = os.read(fd, MAX_INVENTORY_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InventoryError(shown, "", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_INVENTORY_BYTES:
        raise InventoryError(shown, "", "is larger than it said", f"at most {MAX_INVENTORY_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InventoryError(shown, "", f"is not UTF-8 text (byte {exc.start})") from None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def load_inventory(path: str | os.PathLike[str], env: dict[str, str] | None = None) -> Inventory:
    """Read and validate an inventory file (raises InventoryError, never anything else)."""
    env = dict(os.environ) if env is None else env
    shown = str(path)
    text = read_inventory_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(shown, "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InventoryError(shown, "", "not usable TOML: nested too deeply") from None
    return parse_inventory(data, shown, env)


def parse_inventory(data: dict[str, Any], path: str, env: dict[str, str]) -> Inventory:
    specs = tiers()
    known = ["settings", *specs]
    for key in data:
        if key not in known:
            raise InventoryError(path, key, "unknown table", f"one of {', '.join(known)}")
    settings = _settings(_table(data, "settings", path), path)
    ctx = TableContext(path=path, env=env, read_only=settings.read_only)
    targets: list[Target] = []
    for tier, spec in specs.items():
        for name, body in _table(data, tier, path).items():
            if not isinstance(body, dict):
                raise InventoryError(path, f"{tier}.{name}", "is not a table", f"[{tier}.NAME] with its keys")
            if not name.strip() or any(ord(c) < 32 or c in "/\\" for c in name):
                raise InventoryError(path, f"{tier}.{name!r}", "is not a usable target name",
                                     "letters, digits, '-', '_' or '.'")
            reader = TableReader(body, f"{tier}.{name}", path)
            targets.append(spec.parse_target(name, reader, ctx))
    return Inventory(path=path, settings=settings, targets=tuple(targets))


def _table(data: dict, key: str, path: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InventoryError(path, key, f"is a {type(value).__name__}", "a table")
    return value


def _settings(body: dict, path: str) -> Settings:
    reader = TableReader(body, "settings", path)
    state_dir = reader.get("state_dir", str, None)
    result = Settings(read_only=reader.get("read_only", bool, False),
                      confirm_timeout=reader.seconds("confirm_timeout", Settings.confirm_timeout))
    if state_dir:
        result = replace(result, state_dir=Path(state_dir).expanduser())
    problem = unusable_dir(result.state_dir)
    if problem:
        raise InventoryError(path, "settings.state_dir" if state_dir else "", f"state directory {result.state_dir} "
                             f"{problem}", "a directory msgops can create and write")
    reader.finish()
    return result


def unusable_dir(path: Path) -> str | None:
    """Why ``path`` cannot be (or become) a directory, or None: a part of it that is a file, say."""
    if "\x00" in str(path):
        return "holds a NUL character"
    probe = Path(path)
    while True:
        try:
            exists = probe.exists()
        except OSError as exc:  # e.g. a part of it that this user may not search
            return f"cannot be checked: {exc.strerror or exc}"
        if exists:
            if not probe.is_dir():
                return "is a file" if probe == Path(path) else f"cannot be created: {probe} is a file"
            return None
        if probe.parent == probe:
            return None
        probe = probe.parent


def with_read_only(inventory: Inventory) -> Inventory:
    """The same inventory with read-only forced on (``--read-only``)."""
    return Inventory(
        path=inventory.path,
        settings=replace(inventory.settings, read_only=True),
        targets=tuple(replace(t, read_only=True) for t in inventory.targets),
    )
