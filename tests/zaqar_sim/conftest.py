"""Helpers for the Zaqar simulator tests: the captured samples, replaying them, comparing replies.

A sample (tests/data/zaqar, copied from shared/samples/zaqar: real Zaqar 23.0.1 replies) holds the
request that was sent and the reply. ``replay`` sends the same request to the simulator;
``assert_conforms`` checks status, the headers that matter and the JSON body key for key and type
for type, with values compared wherever they are deterministic (UUIDs, timings, ages and
timestamps are not).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "zaqar"
CLIENT_ID = "3381af92-2b9e-11e3-b191-71861300734c"
USER = {"Client-ID": CLIENT_ID, "X-Project-ID": "demo"}
ADMIN = {**USER, "X-Roles": "admin"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VOLATILE = {"seconds", "created", "age"}
CHECKED_HEADERS = ("content-type", "location", "content-location")
MUST_BE_ABSENT = ("content-type", "location")


def sample(name: str) -> dict:
    path = DATA / name
    if not path.suffix:
        path = path.with_suffix(".json")
    return json.loads(path.read_text())


def sample_named(prefix: str) -> str:
    """The file name of the sample whose name starts with ``prefix`` (e.g. ``"51"``)."""
    (hit,) = [p.name for p in DATA.glob(f"{prefix}-*.json")]
    return hit


def replay(client: httpx.Client, s: dict, headers: dict | None = None) -> tuple[httpx.Response,
                                                                                float]:
    """Send the sample's request (``headers`` overrides/extends its headers); returns the reply
    and how long it took."""
    req = s["request"]
    hdrs = {**req["headers"], **(headers or {})}
    hdrs = {k: v for k, v in hdrs.items() if v is not None}
    content = None if req["body"] is None else json.dumps(req["body"]).encode()
    t = time.monotonic()
    resp = client.request(req["method"], req["url"], headers=hdrs, content=content)
    return resp, time.monotonic() - t


def shape(value, key: str | None = None):
    """A comparable form: volatile fields become their type name, UUIDs become ``<uuid>``."""
    if key in VOLATILE:
        return type(value).__name__
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, str):
        return UUID.sub("<uuid>", value)
    return (type(value).__name__, value)


def assert_conforms(resp: httpx.Response, s: dict) -> None:
    assert resp.status_code == s["status"], (s["name"], resp.status_code, resp.text)
    for name in CHECKED_HEADERS:
        want = s["headers"].get(name)
        got = resp.headers.get(name)
        if want is not None:
            assert got is not None and shape(got) == shape(want), (s["name"], name, got, want)
        elif name in MUST_BE_ABSENT:
            assert got is None, (s["name"], name, got)
    if s["body"] is None:
        assert resp.content == b"", (s["name"], resp.content)
    else:
        got = shape(resp.json())
        want = shape(s["body"])
        assert got == want, (s["name"], json.dumps(resp.json(), indent=1)[:3000])


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client
