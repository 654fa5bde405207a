"""Command dispatch for one member: authentication gate, admin-only checks, replication and
diagnostic commands. Data commands (insert/find/cursors) live in ``crud.py``.

Why: a probe's view of a member is the set of answers to these commands; errors carry the
server's codes and messages (76 on a standalone, 94 before initiation, 13 without auth, 59 for
an unknown command, 262 when no secondary is caught up for a step-down, 10107 on a secondary).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

from msgops.sim.mongodb import crud, errors
from msgops.sim.mongodb.election import caught_up_electable, step_down, tick
from msgops.sim.mongodb.errors import CommandError
from msgops.sim.mongodb.model import PRIMARY, Member, ReplicaSetModel
from msgops.sim.mongodb.scram import Conversation, Credentials
from msgops.sim.mongodb.status import build_info, repl_config, repl_status, server_status
from msgops.sim.mongodb.views import cluster_time, hello
from msgops.sim.mongodb.wire import Request

HELLO_NAMES = {"hello", "isMaster", "ismaster"}
OPEN_COMMANDS = HELLO_NAMES | {"ping", "buildInfo", "buildinfo", "saslStart", "saslContinue",
                               "endSessions", "connectionStatus", "getnonce", "logout"}
ADMIN_ONLY = {"replSetGetStatus", "replSetGetConfig", "replSetStepDown", "replSetFreeze"}


@dataclass
class Connection:
    """Per-connection server state: its id, the authenticated user, open SASL conversations."""

    id: int
    user: str | None = None
    conversations: dict = field(default_factory=dict)


@dataclass
class Context:
    model: ReplicaSetModel
    member: Member
    conn: Connection
    credentials: Credentials | None
    conn_stats: dict
    after_reply: list = field(default_factory=list)
    close_on_step_down: bool = False


def _now(model: ReplicaSetModel) -> float:
    return model.clock()


async def run(ctx: Context, req: Request) -> dict:
    """Answer one request; never raises (errors become ``ok: 0`` replies)."""
    model = ctx.model
    try:
        reply = await _dispatch(ctx, req)
    except CommandError as e:
        reply = e.reply()
        if req.command.get("txnNumber") is not None and e.code in errors.RETRYABLE_WRITE_CODES \
                and req.name in ("insert", "update", "delete", "findAndModify"):
            reply["errorLabels"] = ["RetryableWriteError"]
    if model.mode == "replset" and "$clusterTime" not in reply:
        with model.lock:
            reply.update(cluster_time(model, ctx.member))
    return reply


async def _dispatch(ctx: Context, req: Request) -> dict:
    model, me, name, cmd = ctx.model, ctx.member, req.name, req.command
    now = _now(model)
    tick(model, now)
    if ctx.credentials and ctx.conn.user is None and name not in OPEN_COMMANDS:
        raise errors.unauthorized(name)
    if name in ADMIN_ONLY and req.database != "admin":
        raise errors.admin_only(name)
    if name in HELLO_NAMES:
        return _hello(ctx, req, now)
    simple = {"ping": lambda: {"ok": 1.0}, "buildInfo": lambda: build_info(model),
              "buildinfo": lambda: build_info(model), "endSessions": lambda: {"ok": 1.0},
              "connectionStatus": lambda: _connection_status(ctx)}
    if name in simple:
        return simple[name]()
    if name == "saslStart":
        return _sasl_start(ctx, cmd, req.database)
    if name == "saslContinue":
        return _sasl_continue(ctx, cmd)
    if name == "serverStatus":
        with model.lock:
            return server_status(model, me, now, ctx.conn_stats)
    if name in ADMIN_ONLY:
        _check_replset(model)
        if name == "replSetGetStatus":
            with model.lock:
                return repl_status(model, me, now)
        if name == "replSetGetConfig":
            with model.lock:
                return repl_config(model)
        if name == "replSetFreeze":
            return _freeze(model, me, cmd, now)
        return await _step_down(ctx, cmd)
    handler = crud.HANDLERS.get(name)
    if handler is None:
        raise errors.not_found(name)
    return handler(model, me, req, now)


def _check_replset(model: ReplicaSetModel) -> None:
    if model.mode == "standalone":
        raise CommandError(errors.NO_REPLICATION_ENABLED, "not running with --replSet")
    if model.mode == "uninitialised":
        raise CommandError(errors.NOT_YET_INITIALIZED, "no replset config has been received")


def _hello(ctx: Context, req: Request, now: float) -> dict:
    model, cmd = ctx.model, req.command
    with model.lock:
        doc = hello(model, ctx.member, now, ctx.conn.id, legacy=req.name != "hello",
                    hello_ok=bool(cmd.get("helloOk")))
    qualified = cmd.get("saslSupportedMechs")
    if ctx.credentials and isinstance(qualified, str):
        mechs = ctx.credentials.mechanisms_for(qualified)
        if mechs:
            doc["saslSupportedMechs"] = mechs
    spec = cmd.get("speculativeAuthenticate")
    if ctx.credentials and isinstance(spec, dict) and "saslStart" in spec:
        try:  # a failed speculative attempt is dropped silently; the client retries normally
            doc["speculativeAuthenticate"] = _sasl_start(ctx, spec, str(spec.get("db", "admin")))
            doc["speculativeAuthenticate"].pop("ok", None)
        except CommandError:
            pass
    return doc


def _sasl_start(ctx: Context, cmd: dict, database: str) -> dict:
    if ctx.credentials is None:
        raise CommandError(errors.AUTHENTICATION_FAILED, "Authentication failed.")
    conv_id = len(ctx.conn.conversations) + 1
    conv = Conversation(ctx.credentials, str(cmd.get("mechanism", "")), database, conv_id)
    ctx.conn.conversations[conv_id] = conv
    options = cmd.get("options") or {}
    return conv.start(bytes(cmd.get("payload", b"")), bool(options.get("skipEmptyExchange")))


def _sasl_continue(ctx: Context, cmd: dict) -> dict:
    conv = ctx.conn.conversations.get(cmd.get("conversationId"))
    if conv is None:
        raise CommandError(17, "No SASL session state found", codeName="ProtocolError")
    try:
        reply = conv.next(bytes(cmd.get("payload", b"")))
    except CommandError:
        ctx.conn.conversations.pop(conv.conversation_id, None)
        raise
    if conv.authenticated_user:
        ctx.conn.user = conv.authenticated_user
    return reply


def _connection_status(ctx: Context) -> dict:
    users = [{"user": ctx.conn.user, "db": ctx.credentials.source}] if ctx.conn.user else []
    return {"authInfo": {"authenticatedUsers": users, "authenticatedUserRoles": []}, "ok": 1.0}


def _freeze(model: ReplicaSetModel, me: Member, cmd: dict, now: float) -> dict:
    secs = cmd.get("replSetFreeze")
    secs = int(secs) if isinstance(secs, (int, float)) and not isinstance(secs, bool) else 0
    with model.lock:
        if me.state == PRIMARY:
            raise CommandError(errors.NOT_SECONDARY, "cannot freeze node when primary or running "
                                                     "for election. state: Primary")
        me.frozen_until = now + secs if secs > 0 else 0.0
    return {"info": "unfreezing", "ok": 1.0} if secs <= 0 else {"ok": 1.0}


def _number(value, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return default


async def _step_down(ctx: Context, cmd: dict) -> dict:
    """replSetStepDown: validate, wait up to secondaryCatchUpPeriodSecs, then step down."""
    model, me = ctx.model, ctx.member
    period = _number(cmd.get("replSetStepDown"), 60.0)
    catch_up = _number(cmd.get("secondaryCatchUpPeriodSecs"), 10.0)
    force = bool(cmd.get("force", False))
    if me.state != PRIMARY:
        raise CommandError(errors.NOT_WRITABLE_PRIMARY, "not primary so can't step down")
    if period <= 0:
        raise CommandError(errors.BAD_VALUE, "stepdown period must be a positive integer")
    if catch_up < 0:
        raise CommandError(errors.BAD_VALUE,
                           "secondaryCatchUpPeriodSecs period must be a positive or absent")
    if period < catch_up:
        raise CommandError(errors.BAD_VALUE,
                           "stepdown period must be longer than secondaryCatchUpPeriodSecs")
    deadline = time.monotonic() + catch_up
    while True:
        now = _now(model)
        tick(model, now)
        with model.lock:
            if me.state != PRIMARY:
                raise CommandError(errors.NOT_WRITABLE_PRIMARY, "not primary so can't step down")
            successor = caught_up_electable(model, me, now)
            out_of_time = time.monotonic() >= deadline
            if successor is not None or (force and out_of_time):
                step_down(model, me, now, period, successor)
                break
        if out_of_time:
            local = datetime.now().astimezone()  # the server's dateToISOStringLocal
            stamp = (local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
                     + local.strftime("%z"))
            raise CommandError(errors.EXCEEDED_TIME_LIMIT, (
                f"No electable secondaries caught up as of {stamp}Please use the "
                "replSetStepDown command with the argument {force: true} to force node to "
                "step down."))
        await asyncio.sleep(min(0.1, max(deadline - time.monotonic(), 0.0)))
    if ctx.close_on_step_down:
        ctx.after_reply.append("close_all")
    return {"ok": 1.0}
