"""Compare the shape of two JSON documents: the same keys at every level, values of the same kind.

Used to hold a simulator's replies to what the real server answered (recorded samples): a reply
may carry extra keys (a newer server), but every key of the sample must be there, with a value of
the same kind (number, string, bool, list, object; null matches anything).
"""

from __future__ import annotations

from typing import Any


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def differences(sample: Any, live: Any, path: str = "$", ignore: frozenset[str] = frozenset()) -> list[str]:
    """Where ``live`` lacks a key of ``sample`` or has another kind of value; [] when they agree."""
    if sample is None or live is None:
        return []
    if kind(sample) != kind(live):
        return [f"{path}: sample has {kind(sample)}, live has {kind(live)}"]
    out: list[str] = []
    if isinstance(sample, dict):
        for key, value in sample.items():
            if key in ignore:
                continue
            if key not in live:
                out.append(f"{path}.{key}: missing")
            else:
                out += differences(value, live[key], f"{path}.{key}", ignore)
    elif isinstance(sample, list) and sample and live:
        out += differences(sample[0], live[0], f"{path}[0]", ignore)
    return out
