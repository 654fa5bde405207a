"""The bounded requests session under python-zaqarclient and keystoneauth1, against a hostile server:
one total deadline (also against a server trickling one byte at a time, which per-read timeouts
never catch) and one size cap after decompression, on the worker thread itself."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import requests

from msgops.probes.zaqar.transport import BoundedSession, DeadlinePassed, ReplyTooLarge, budget

from tests.hostile_http import JSON_BODY, HostileServer

DEADLINE = 1.5


def fetch(url: str, seconds: float = DEADLINE, max_bytes: int = 1000) -> tuple[requests.Response | BaseException, float]:
    session = BoundedSession(max_bytes=max_bytes)
    started = time.monotonic()
    try:
        with budget(seconds, max_bytes):
            return session.get(url), time.monotonic() - started
    except BaseException as exc:  # noqa: BLE001 - the test looks at it
        return exc, time.monotonic() - started
    finally:
        session.close()


@pytest.mark.parametrize("path", ["/silent", "/trickle-headers", "/trickle-body"])
async def test_the_deadline_holds_on_the_worker_thread(path):
    async with HostileServer() as server:
        threads = threading.active_count()
        outcome, took = await asyncio.to_thread(fetch, server.url(path), DEADLINE, 10**9)
    assert isinstance(outcome, DeadlinePassed), outcome
    assert DEADLINE - 0.1 <= took < DEADLINE + 0.6, took
    assert "within 1.5s" in str(outcome)
    assert threading.active_count() <= threads + 1  # no watchdog left behind


@pytest.mark.parametrize("path", ["/bomb", "/endless-chunked", "/endless-close", "/huge-length", "/1001",
                                  "/gzip-1001", "/brotli"])
async def test_the_size_cap_holds_after_decompression(path):
    async with HostileServer() as server:
        outcome, took = await asyncio.to_thread(fetch, server.url(path), 10.0, 1000)
    assert isinstance(outcome, ReplyTooLarge), outcome
    assert took < 3.0


@pytest.mark.parametrize("path", ["/json", "/gzip-json", "/chunked-json", "/1000", "/gzip-1000"])
async def test_well_behaved_replies_come_through(path):
    async with HostileServer() as server:
        outcome, _ = await asyncio.to_thread(fetch, server.url(path), 5.0, 1000)
        sent = server.requests[-1].headers
    assert isinstance(outcome, requests.Response) and outcome.status_code == 200
    if "json" in path:
        assert outcome.json() == JSON_BODY
    else:
        assert outcome.content == b"z" * 1000
    assert sent.get("accept-encoding") == "identity"


async def test_redirects_are_not_followed():
    async with HostileServer() as server:
        outcome, _ = await asyncio.to_thread(fetch, server.url("/redirect"), 5.0, 1000)
    assert isinstance(outcome, requests.Response) and 300 <= outcome.status_code < 400
