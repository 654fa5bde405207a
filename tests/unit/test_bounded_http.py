"""bounded_request against a hostile server on real sockets: every exchange ends by its deadline,
no reply is held past its cap (gzip bombs included), and no message shows a password."""

import asyncio
import gc
import resource
import socket
import time
import tracemalloc

import httpx
import pytest

from msgops.probes.errors import BadReply, Unreachable
from msgops.probes.http import ACCEPT_ENCODING, Reply, bounded_request, public_url
from tests.hostile_http import JSON_BODY, HostileServer, gzip_bomb

CAP = 8 * 1024 * 1024  # the cap the security findings asked about
SLACK = 0.9  # seconds an exchange may outlive its deadline (deadline 1 s → ends < 2 s)


@pytest.fixture
async def server():
    async with HostileServer() as srv:
        yield srv


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as c:
        yield c


async def timed(coro):
    """(result or raised ProbeError, seconds)."""
    started = time.perf_counter()
    try:
        result = await coro
    except (BadReply, Unreachable) as exc:
        result = exc
    return result, time.perf_counter() - started


def get(client, url, deadline=2.0, max_bytes=CAP, **kwargs):
    return bounded_request(client, "GET", url, deadline=deadline, max_bytes=max_bytes, **kwargs)


# -- well-behaved replies ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/json", "/gzip-json", "/deflate-json", "/raw-deflate-json", "/chunked-json"])
async def test_normal_json_replies(server, client, path):
    reply = await get(client, server.url(path))
    assert isinstance(reply, Reply)
    assert (reply.status, reply.json(), reply.method) == (200, JSON_BODY, "GET")
    assert reply.url == server.url(path) and reply.seconds < 1.0


async def test_asks_for_gzip_or_identity_only(server, client):
    reply = await get(client, server.url("/echo"))
    assert reply.json()["accept-encoding"] == ACCEPT_ENCODING == "gzip, identity"
    # a caller's own per-call header wins
    reply = await get(client, server.url("/echo"), headers={"Accept-Encoding": "identity"})
    assert reply.json()["accept-encoding"] == "identity"


async def test_empty_and_error_replies_are_replies(server, client):
    reply = await get(client, server.url("/204"))
    assert (reply.status, reply.content) == (204, b"")
    with pytest.raises(BadReply, match="empty reply"):
        reply.json()
    reply = await get(client, server.url("/503"))
    assert (reply.status, reply.reason, reply.json()["reason"]) == (503, "Service Unavailable", "node down")


async def test_redirects_are_not_followed(server, client):
    reply = await get(client, server.url("/redirect"))
    assert reply.status == 302 and reply.headers["location"] == "/json"
    assert [r.path for r in server.requests] == ["/redirect"]


async def test_bodiless_replies_skip_the_cap_and_the_decoder(server, client):
    head = bounded_request(client, "HEAD", server.url("/huge-length"), deadline=2, max_bytes=100)
    reply, seconds = await timed(head)
    assert isinstance(reply, Reply) and reply.headers["content-length"] == str(10**10) and seconds < 1
    reply = await bounded_request(client, "HEAD", server.url("/gzip-json"), deadline=2, max_bytes=100)
    assert (reply.status, reply.content) == (200, b"")
    assert (await get(client, server.url("/gzip-empty"))).content == b""


@pytest.mark.parametrize("prefix", ["", "gzip-"])
async def test_the_cap_is_inclusive(server, client, prefix):
    assert len((await get(client, server.url(f"/{prefix}1000"), max_bytes=1000)).content) == 1000
    with pytest.raises(BadReply, match="larger than 1000 bytes") as err:
        await get(client, server.url(f"/{prefix}1001"), max_bytes=1000)
    assert err.value.status == 200


# -- the deadline ------------------------------------------------------------------------------
async def test_silent_server_ends_at_the_deadline(server, client):
    err, seconds = await timed(get(client, server.url("/silent"), deadline=1))
    assert isinstance(err, Unreachable), err
    assert 0.9 < seconds < 1 + SLACK
    assert "no complete reply within 1s" in str(err) and "request sent" in str(err)
    assert str(err).startswith(f"GET {server.url('/silent')}: ")


async def test_trickled_headers_end_at_the_deadline(server, client):
    """Each byte resets httpx's read timeout; only the total deadline stops this."""
    err, seconds = await timed(get(client, server.url("/trickle-headers"), deadline=1))
    assert isinstance(err, Unreachable), err
    assert 0.9 < seconds < 1 + SLACK
    assert "within 1s" in str(err) and "no headers" in str(err)


async def test_trickled_body_ends_at_the_deadline(server, client):
    err, seconds = await timed(get(client, server.url("/trickle-body"), deadline=1))
    assert isinstance(err, Unreachable), err
    assert 0.9 < seconds < 1 + SLACK
    assert "within 1s" in str(err) and "headers arrived (HTTP 200), body incomplete after" in str(err)


async def test_deadline_includes_waiting_for_a_pooled_connection(server):
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as one:
        hog = asyncio.create_task(get(one, server.url("/silent"), deadline=5))
        await asyncio.sleep(0.1)
        err, seconds = await timed(get(one, server.url("/json"), deadline=0.5))
        hog.cancel()
        await asyncio.gather(hog, return_exceptions=True)
    assert isinstance(err, Unreachable) and seconds < 0.5 + SLACK
    assert "within 0.5s; no headers: still waiting for a connection" in str(err)


async def test_the_pool_still_works_after_a_deadline(server, client):
    for _ in range(2):
        assert isinstance((await timed(get(client, server.url("/silent"), deadline=0.3)))[0], Unreachable)
        assert (await get(client, server.url("/json"))).json() == JSON_BODY


# -- the size cap ------------------------------------------------------------------------------
async def test_gzip_bomb_is_stopped_at_the_cap_with_bounded_memory(server, client):
    assert len(gzip_bomb()) < 1.1 * 2**20  # ~1 MiB that inflates to 1 GiB (built before measuring)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        err, seconds = await timed(get(client, server.url("/bomb"), deadline=5))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert isinstance(err, BadReply), err
    assert f"larger than {CAP} bytes (after gzip decoding)" in str(err) and err.status == 200
    assert seconds < 2
    # The body stays ≤ cap + one 64 KiB step; the rest is sockets, httpx and the server's buffers.
    assert peak < CAP + 4 * 2**20, f"peak {peak / 2**20:.1f} MiB traced"
    assert rss_growth < 100 * 1024, f"ru_maxrss grew {rss_growth / 1024:.0f} MiB"


@pytest.mark.parametrize("path", ["/endless-chunked", "/endless-close"])
async def test_endless_bodies_stop_at_the_cap(server, client, path):
    err, seconds = await timed(get(client, server.url(path), deadline=5))
    assert isinstance(err, BadReply) and f"larger than {CAP} bytes" in str(err), err
    assert seconds < 2


async def test_content_length_over_the_cap_is_refused_before_reading(server, client):
    err, seconds = await timed(get(client, server.url("/huge-length"), deadline=5))
    assert isinstance(err, BadReply), err
    assert f"larger than {CAP} bytes (Content-Length: 10000000000 bytes, refused before reading)" in str(err)
    assert seconds < 0.5  # not the deadline: the server never sends a body byte


# -- encodings and broken replies --------------------------------------------------------------
async def test_unrequested_encodings_are_refused(server, client):
    with pytest.raises(BadReply, match="Content-Encoding 'br', which msgops does not decode"):
        await get(client, server.url("/brotli"))
    assert (await get(client, server.url("/brotli-empty"))).content == b""  # nothing to decode


async def test_invalid_json_names_the_url(server, client):
    reply = await get(client, server.url("/not-json"))
    with pytest.raises(BadReply) as err:
        reply.json()
    assert str(err.value).startswith(f"GET {server.url('/not-json')}: reply is not JSON (HTTP 200")
    assert "<html>" in str(err.value) and err.value.status == 200


@pytest.mark.parametrize("path, error, text", [
    ("/cut", Unreachable, "reply cut off after its headers (HTTP 200) and 10 body bytes"),
    ("/close", Unreachable, "closed the connection without an HTTP reply"),
    ("/amqp", Unreachable, "is this the management port?"),
    ("/ssh", BadReply, "the answer is not HTTP (illegal status line"),
    ("/gzip-truncated", BadReply, "gzip body ends before its compressed stream does"),
    ("/gzip-corrupt", BadReply, "corrupt gzip body"),
])
async def test_broken_replies(server, client, path, error, text):
    err, seconds = await timed(get(client, server.url(path)))
    assert isinstance(err, error) and text in str(err), err
    assert seconds < 1


async def test_junk_after_the_gzip_stream_is_ignored(server, client):
    assert (await get(client, server.url("/gzip-junk"))).json() == JSON_BODY


# -- connection failures and secrets -----------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_refused_connection_says_so_without_the_password(client):
    port = free_port()
    err, seconds = await timed(get(client, f"http://admin:s3cr3t@127.0.0.1:{port}/api/overview"))
    assert isinstance(err, Unreachable) and seconds < 1
    url = f"http://127.0.0.1:{port}/api/overview"
    assert str(err) == f"GET {url}: connection refused: nothing listens on 127.0.0.1:{port}"


async def test_dns_failure(client):
    err, seconds = await timed(get(client, "http://no-such-host.invalid/api/overview", deadline=2))
    assert isinstance(err, Unreachable) and seconds < 2 + SLACK
    assert "DNS lookup of 'no-such-host.invalid' failed" in str(err) or "within 2s" in str(err)


@pytest.mark.parametrize("path", ["/silent", "/not-json", "/cut", "/huge-length", "/json"])
async def test_no_message_or_reply_url_shows_credentials(server, path):
    async with httpx.AsyncClient(auth=("admin", "client-pw")) as authed:
        url = server.url(path, userinfo="guest:url-pw%2F")
        outcome, _ = await timed(get(authed, url, deadline=0.5))
        if isinstance(outcome, Reply):
            texts = [outcome.url]
            try:
                outcome.json()
            except BadReply as exc:
                texts.append(str(exc))
        else:
            texts = [str(outcome)]
    assert server.requests[-1].headers["authorization"]  # credentials were really sent
    for text in texts:
        assert "pw" not in text and "guest" not in text and server.url(path) in text, text


def test_public_url():
    assert public_url("http://u:p%40ss@ctl1:15672/api/x?y=1") == "http://ctl1:15672/api/x?y=1"
    assert public_url(httpx.URL("https://user@[fd00::3]:15671/")) == "https://[fd00::3]:15671/"
    assert public_url("http://ctl1:15672/api/queues/%2F/a@b") == "http://ctl1:15672/api/queues/%2F/a@b"
    assert "secret" not in public_url("http://u:sec/ret@ctl1:15672/api")  # unescaped "/": not parseable
    assert public_url("rabbit://u:p@h1:5672,v:q@h2/vh") == "rabbit://h1:5672,h2/vh"


# -- argument checks ---------------------------------------------------------------------------
@pytest.mark.parametrize("deadline", [0, -1, float("inf"), float("nan"), True, "5", None])
async def test_deadline_must_be_finite_and_positive(client, deadline):
    with pytest.raises(ValueError, match="deadline"):
        await bounded_request(client, "GET", "http://127.0.0.1:1/", deadline=deadline, max_bytes=10)


@pytest.mark.parametrize("max_bytes", [0, -1, 1.5, True, None])
async def test_max_bytes_must_be_a_positive_int(client, max_bytes):
    with pytest.raises(ValueError, match="max_bytes"):
        await bounded_request(client, "GET", "http://127.0.0.1:1/", deadline=1, max_bytes=max_bytes)


async def test_timeout_is_not_a_second_deadline(client):
    with pytest.raises(TypeError, match="deadline="):
        await bounded_request(client, "GET", "http://127.0.0.1:1/", deadline=1, max_bytes=10, timeout=5)


async def test_unusable_urls(client):
    with pytest.raises(Unreachable, match="not a usable URL"):
        await get(client, "rabbit://guest:pw@ctl1:5672/")
    with pytest.raises(Unreachable, match="not a usable URL") as err:  # httpx would quote "se"
        await get(client, "http://guest:se/cret@ctl1:15672/api/overview")
    assert "'se'" not in str(err.value) and "cret" not in str(err.value) and "guest" not in str(err.value)
