"""Server error codes and the ``{ok: 0, errmsg, code, codeName}`` reply shape of a real mongod.

Why: probes branch on codes (76 and 94 mean "not applicable", 10107 means "ask the primary"),
so the simulator must answer with the same numbers, names and messages a 6.0/7.0 server uses.
Messages quoted here are the server's own wording (facts, checked against public outputs).
"""

from __future__ import annotations

BAD_VALUE = 2
AUTHENTICATION_FAILED = 18
UNAUTHORIZED = 13
CURSOR_NOT_FOUND = 43
COMMAND_NOT_FOUND = 59
NO_REPLICATION_ENABLED = 76
NOT_YET_INITIALIZED = 94
NOT_SECONDARY = 95
EXCEEDED_TIME_LIMIT = 262
UNSUPPORTED_OP_QUERY_COMMAND = 352
DUPLICATE_KEY = 11000
NOT_WRITABLE_PRIMARY = 10107
NOT_PRIMARY_NO_SECONDARY_OK = 13435
NOT_PRIMARY_OR_SECONDARY = 13436

CODE_NAMES = {
    BAD_VALUE: "BadValue",
    UNAUTHORIZED: "Unauthorized",
    AUTHENTICATION_FAILED: "AuthenticationFailed",
    CURSOR_NOT_FOUND: "CursorNotFound",
    COMMAND_NOT_FOUND: "CommandNotFound",
    NO_REPLICATION_ENABLED: "NoReplicationEnabled",
    NOT_YET_INITIALIZED: "NotYetInitialized",
    NOT_SECONDARY: "NotSecondary",
    EXCEEDED_TIME_LIMIT: "ExceededTimeLimit",
    UNSUPPORTED_OP_QUERY_COMMAND: "UnsupportedOpQueryCommand",
    DUPLICATE_KEY: "DuplicateKey",
    NOT_WRITABLE_PRIMARY: "NotWritablePrimary",
    NOT_PRIMARY_NO_SECONDARY_OK: "NotPrimaryNoSecondaryOk",
    NOT_PRIMARY_OR_SECONDARY: "NotPrimaryOrSecondary",
}

# Codes a server labels "RetryableWriteError" when they end a retryable write (txnNumber set).
RETRYABLE_WRITE_CODES = {NOT_WRITABLE_PRIMARY, NOT_PRIMARY_NO_SECONDARY_OK,
                         NOT_PRIMARY_OR_SECONDARY, 11600, 11602, 189, 91, 7, 6, 89, 9001, 262}


class CommandError(Exception):
    """A command failed; ``reply()`` is what the server sends back (``ok: 0``)."""

    def __init__(self, code: int, errmsg: str, **extra):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.extra = extra

    def reply(self) -> dict:
        doc = {"ok": 0.0, "errmsg": self.errmsg, "code": self.code,
               "codeName": CODE_NAMES.get(self.code, "UnknownError")}
        doc.update(self.extra)
        return doc


def unauthorized(command: str) -> CommandError:
    """What a server with auth on says to an unauthenticated command."""
    return CommandError(UNAUTHORIZED, f"command {command} requires authentication")


def admin_only(command: str) -> CommandError:
    """What a server says when an admin-only command is sent to another database."""
    return CommandError(UNAUTHORIZED, f"{command} may only be run against the admin database.")


def not_found(command: str) -> CommandError:
    return CommandError(COMMAND_NOT_FOUND, f"no such command: '{command}'")


def auth_failed() -> CommandError:
    return CommandError(AUTHENTICATION_FAILED, "Authentication failed.")
