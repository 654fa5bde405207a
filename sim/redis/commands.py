"""The commands the simulator answers, checked in the order a real Redis 7.0 checks them:
unknown command → arity → authentication (NOAUTH) → loading (LOADING) → the command itself.

Every error text is a real 7.0.15's, recorded in tests/data/redis/replies.json (tests/redis compare
them byte for byte): ``NOAUTH Authentication required.``, ``WRONGPASS invalid username-password pair
or user is disabled.``, ``ERR unknown command 'X', with args beginning with: 'a' ``, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from msgops.sim.redis import info
from msgops.sim.redis.model import DATABASES, RedisState
from msgops.sim.redis.resp import Error, Simple, Verbatim

NOAUTH = Error("NOAUTH Authentication required.")
WRONGPASS = Error("WRONGPASS invalid username-password pair or user is disabled.")
LOADING = Error("LOADING Redis is loading the dataset in memory")
NO_PASSWORD = Error("ERR AUTH <password> called without any password configured for the default user. "
                    "Are you sure your configuration is correct?")
HELLO_NOAUTH = Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                     "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
                     "protocol version at the same time")
NOT_INTEGER = Error("ERR value is not an integer or out of range")
SYNTAX = Error("ERR syntax error")
MAXCLIENTS = Error("ERR max number of clients reached")
OOM = Error("OOM command not allowed when used memory > 'maxmemory'.")
BAD_NAME = Error("ERR Client names cannot contain spaces, newlines or special characters.")


@dataclass
class Session:
    """One client connection's state."""

    id: int
    proto: int = 2
    db: int = 0
    user: str | None = None
    """Authenticated user (None: not yet, on a server that requires it)."""
    name: str = ""
    lib: dict[str, str] = field(default_factory=dict)
    closing: bool = False
    """QUIT answered: close after the reply."""


@dataclass(frozen=True)
class Command:
    handler: Callable[["Context", list[bytes]], object]
    arity: int
    """As Redis declares it: n = exactly n arguments (name included), -n = at least n."""
    loading_ok: bool = False
    no_auth: bool = False


@dataclass
class Context:
    state: RedisState
    session: Session
    clients: int = 1


def _arity_ok(arity: int, argc: int) -> bool:
    return argc == arity if arity > 0 else argc >= -arity


def _unknown(args: list[bytes]) -> Error:
    shown = ""
    for arg in args[1:]:
        if len(shown) >= 128:
            break
        shown += f"'{arg[:128 - len(shown)].decode('utf-8', 'replace')}' "
    return Error(f"ERR unknown command '{args[0][:128].decode('utf-8', 'replace')}', with args beginning with: {shown}")


def run(ctx: Context, args: list[bytes]) -> object:
    """One command's reply (errors are replies too), checked in Redis's order."""
    name = args[0].decode("utf-8", "replace").lower()
    command = COMMANDS.get(name)
    if command is None:
        return _unknown(args)
    if not _arity_ok(command.arity, len(args)):
        return Error(f"ERR wrong number of arguments for '{name}' command")
    if name == "client":  # subcommands are checked as commands of their own (client|setname)
        return _client(ctx, args)
    if ctx.state.auth_required and ctx.session.user is None and not command.no_auth:
        return NOAUTH
    if ctx.state.loading and not command.loading_ok:
        return LOADING
    return command.handler(ctx, args)


def _ping(ctx: Context, args: list[bytes]) -> object:
    if len(args) > 2:
        return Error("ERR wrong number of arguments for 'ping' command")
    return args[1] if len(args) == 2 else Simple("PONG")


def _echo(ctx: Context, args: list[bytes]) -> object:
    return args[1]


def _select(ctx: Context, args: list[bytes]) -> object:
    try:
        db = int(args[1])
    except ValueError:
        return NOT_INTEGER
    if not 0 <= db < DATABASES:
        return Error("ERR DB index is out of range")
    ctx.session.db = db
    return Simple("OK")


def _auth(ctx: Context, args: list[bytes]) -> object:
    if len(args) > 3:
        return SYNTAX
    if len(args) == 2:
        if not ctx.state.auth_required:
            return NO_PASSWORD
        user, password = "default", args[1].decode("utf-8", "replace")
    else:
        user, password = args[1].decode("utf-8", "replace"), args[2].decode("utf-8", "replace")
    if not ctx.state.check_password(user, password):
        return WRONGPASS
    ctx.session.user = user
    return Simple("OK")


def _hello(ctx: Context, args: list[bytes]) -> object:
    proto = ctx.session.proto
    rest = args[1:]
    if rest:
        try:
            proto = int(rest[0])
        except ValueError:
            return Error("ERR Protocol version is not an integer or out of range")
        rest = rest[1:]
        if proto not in (2, 3):
            return Error("NOPROTO unsupported protocol version")
    while rest:
        option = rest[0].decode("utf-8", "replace").lower()
        if option == "auth" and len(rest) >= 3:
            user, password = rest[1].decode("utf-8", "replace"), rest[2].decode("utf-8", "replace")
            if not ctx.state.check_password(user, password):
                return WRONGPASS
            ctx.session.user = user  # authenticated at once, as Redis does, whatever options follow
            rest = rest[3:]
        elif option == "setname" and len(rest) >= 2:
            ctx.session.name = rest[1].decode("utf-8", "replace")
            rest = rest[2:]
        else:
            return Error(f"ERR Syntax error in HELLO option '{rest[0].decode('utf-8', 'replace')}'")
    if ctx.state.auth_required and ctx.session.user is None:
        return HELLO_NOAUTH
    ctx.session.proto = proto
    return {"server": "redis", "version": ctx.state.version, "proto": proto, "id": ctx.session.id,
            "mode": "standalone", "role": "slave" if ctx.state.master else "master", "modules": []}


def _info(ctx: Context, args: list[bytes]) -> object:
    wanted = tuple(a.decode("utf-8", "replace").lower() for a in args[1:])
    return Verbatim(info.render(ctx.state, wanted, clients=ctx.clients))


def _quit(ctx: Context, args: list[bytes]) -> object:
    ctx.session.closing = True
    return Simple("OK")


def _dbsize(ctx: Context, args: list[bytes]) -> object:
    return ctx.state.keyspace.get(ctx.session.db, 0)


def _set(ctx: Context, args: list[bytes]) -> object:
    """Plain ``SET key value`` (no options): enough to fill a database, and refused as a real server
    refuses writes when memory is full under noeviction."""
    state = ctx.state
    if len(args) != 3:
        return SYNTAX
    if state.maxmemory and state.used_memory >= state.maxmemory and state.maxmemory_policy == "noeviction":
        return OOM
    values = state.values.setdefault(ctx.session.db, {})
    if args[1] not in values:
        state.keyspace[ctx.session.db] = state.keyspace.get(ctx.session.db, 0) + 1
        state.dataset_memory += 64 + len(args[1]) + len(args[2])
    values[args[1]] = args[2]
    return Simple("OK")


def _get(ctx: Context, args: list[bytes]) -> object:
    return ctx.state.values.get(ctx.session.db, {}).get(args[1])


CLIENT_ARITY = {"setname": 3, "getname": 2, "id": 2, "setinfo": 4}


def _client(ctx: Context, args: list[bytes]) -> object:
    sub = args[1].decode("utf-8", "replace").lower()
    known = dict(CLIENT_ARITY)
    if not ctx.state.version_at_least(7, 2):
        known.pop("setinfo")  # CLIENT SETINFO came with 7.2
    if sub not in known:
        return Error(f"ERR unknown subcommand '{args[1].decode('utf-8', 'replace')[:128]}'. Try CLIENT HELP.")
    if len(args) != known[sub]:
        return Error(f"ERR wrong number of arguments for 'client|{sub}' command")
    if ctx.state.auth_required and ctx.session.user is None:
        return NOAUTH
    if sub == "setname":
        name = args[2].decode("utf-8", "replace")
        if re.search(r"[^!-~]", name):
            return BAD_NAME
        ctx.session.name = name
        return Simple("OK")
    if sub == "getname":
        return ctx.session.name or None
    if sub == "id":
        return ctx.session.id
    attribute = args[2].decode("utf-8", "replace").lower()
    if attribute not in ("lib-name", "lib-ver"):
        return Error(f"ERR Unrecognized option '{args[2].decode('utf-8', 'replace')}'")
    ctx.session.lib[attribute] = args[3].decode("utf-8", "replace")
    return Simple("OK")


COMMANDS: dict[str, Command] = {
    "ping": Command(_ping, -1),
    "echo": Command(_echo, 2, loading_ok=True),
    "select": Command(_select, 2, loading_ok=True),
    "auth": Command(_auth, -2, loading_ok=True, no_auth=True),
    "hello": Command(_hello, -1, loading_ok=True, no_auth=True),
    "info": Command(_info, -1, loading_ok=True),
    "quit": Command(_quit, -1, loading_ok=True, no_auth=True),
    "dbsize": Command(_dbsize, 1),
    "set": Command(_set, -3),
    "get": Command(_get, 2),
    "client": Command(_client, -2, loading_ok=True),
}
