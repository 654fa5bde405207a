"""The strict reader every tier's inventory table is parsed with, and its one kind of error.

Lives in probes/ (not console/) so that a tier's Textual-free half owns its own table: each tier
parses ``[<tier>.NAME]`` with a ``TableReader`` and returns its typed target. Every problem is one
``InventoryError`` line naming file, key, problem and expectation; a secret's value never appears
in it (a wrong-typed secret names its key and type only), nor does a URL's password.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from msgops.probes.secrets import MASK, mask_url


class InventoryError(Exception):
    """The inventory cannot be used; str() is one line naming file, key, problem, expectation."""

    def __init__(self, path: str, key: str, problem: str, expected: str = "") -> None:
        self.path, self.key, self.problem, self.expected = path, key, problem, expected
        where = f"{path}: {key}: " if key else f"{path}: "
        tail = f" (expected {expected})" if expected else ""
        super().__init__(f"{where}{problem}{tail}")


@dataclass(frozen=True)
class TableContext:
    """What a tier's target parser needs besides its own table."""

    path: str
    """The inventory file, for error lines."""
    env: Mapping[str, str]
    """Environment variables (secrets by ``*_env`` keys)."""
    read_only: bool = False
    """The ``[settings]`` read_only: every target inherits it."""


def _kind_name(kinds: tuple[type, ...]) -> str:
    return " or ".join({"str": "string", "float": "number", "int": "integer", "bool": "boolean",
                        "list": "list", "dict": "table"}.get(k.__name__, k.__name__) for k in kinds)


class TableReader:
    """Typed access to one table that remembers which keys were used, to reject unknown ones."""

    def __init__(self, body: dict, prefix: str, path: str) -> None:
        self.body, self.prefix, self.path, self.used = body, prefix, path, set()

    def error(self, key: str, problem: str, expected: str = "") -> InventoryError:
        return InventoryError(self.path, f"{self.prefix}.{key}", problem, expected)

    def get(self, key: str, kind: type | tuple, default: Any, *, secret: bool = False) -> Any:
        """The value of ``key`` checked against ``kind`` (ints are accepted as floats).

        ``secret``: on a wrong type, the error names the key and the type, never the value.
        """
        self.used.add(key)
        if key not in self.body:
            return default
        value = self.body[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            shown = f"a {type(value).__name__}" if secret else f"{_show(value)}"
            raise self.error(key, f"is {shown}", f"a {_kind_name(kinds)}")
        return value

    def seconds(self, key: str, default: float) -> float:
        """A duration: a finite number of seconds > 0 (inf and nan are refused)."""
        value = self.get(key, float, default)
        if not math.isfinite(value) or value <= 0:
            raise self.error(key, f"is {value}", "a finite number of seconds > 0")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        """A finite number ≥ ``minimum`` (thresholds, byte counts)."""
        value = self.get(key, float, default)
        if not math.isfinite(value) or value < minimum:
            raise self.error(key, f"is {value}", f"a finite number ≥ {minimum:g}")
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.get(key, int, default)
        if value < minimum:
            raise self.error(key, f"is {value}", f"an integer ≥ {minimum}")
        return value

    def string(self, key: str, default: str | None = None, *, required: str = "") -> str | None:
        """A string; ``required`` (the expectation) makes a missing or empty one an error."""
        value = self.get(key, str, default)
        if required and not value:
            raise self.error(key, "missing", required)
        return value

    def secret(self, key: str, env: Mapping[str, str]) -> str | None:
        """A password given inline (``key``) or through the env var named by ``key_env``."""
        inline = self.get(key, str, None, secret=True)
        env_name = self.get(f"{key}_env", str, None)
        if env_name is None:
            return inline
        if env_name not in env:
            raise self.error(f"{key}_env", f"environment variable {env_name} is not set", "the secret in that variable")
        return env[env_name]

    def file(self, key: str) -> str | None:
        """An existing regular file's path (``~`` expanded), e.g. a CA bundle."""
        value = self.get(key, str, None)
        if not value:
            return None
        path = Path(value).expanduser()
        if not path.is_file():
            raise self.error(key, f"{value} is not a readable file", "an existing file")
        return str(path)

    def finish(self) -> None:
        for key in self.body:
            if key not in self.used:
                raise self.error(key, "unknown key", f"one of {sorted(self.used)}")


def _show(value: Any) -> str:
    """A value for an error line: short, and URLs with their passwords masked (also ``user:pass@host``
    written without a scheme: everything before its last ``@`` is masked)."""
    text = repr(value)
    if isinstance(value, str) and "@" in value:
        scheme, sep, _ = value.partition("://")
        url = sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme)
        shown = mask_url(value) if url else MASK + value[value.rfind("@"):]
        text = repr(shown)
    elif not isinstance(value, (str, int, float, bool)):
        text = f"a {type(value).__name__}"  # a list or table may hold anything, secrets included
    return text if len(text) <= 80 else text[:77] + "..."
