"""Server side of SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802/7677 as MongoDB uses them) for one
configured user.

Why: a probe must see a wrong password fail exactly as against a real server (saslContinue
answers code 18 AuthenticationFailed), and pymongo's speculative authentication in the handshake
must work. The server keeps only the salted keys, like mongod; SCRAM-SHA-1 salts the MongoDB
digest ``md5("user:mongo:password")`` rather than the password itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from bson.binary import Binary

from msgops.sim.mongodb.errors import BAD_VALUE, CommandError, auth_failed

MECHANISMS = ("SCRAM-SHA-1", "SCRAM-SHA-256")
_ITERATIONS = {"SCRAM-SHA-1": 10000, "SCRAM-SHA-256": 15000}  # mongod's defaults
_DIGEST = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}


def _hmac(key: bytes, msg: bytes, digest: str) -> bytes:
    return hmac.new(key, msg, digest).digest()


def _password_input(mechanism: str, user: str, password: str) -> bytes:
    if mechanism == "SCRAM-SHA-1":
        return hashlib.md5(f"{user}:mongo:{password}".encode()).hexdigest().encode()  # noqa: S324
    return unicodedata.normalize("NFKC", password).encode()  # SASLprep for the common cases


@dataclass(frozen=True)
class _Keys:
    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes


class Credentials:
    """The one user the simulated server knows (``user`` in database ``source``)."""

    def __init__(self, user: str, password: str, source: str = "admin"):
        self.user, self.source = user, source
        self.keys = {}
        for mech in MECHANISMS:
            digest, iters = _DIGEST[mech], _ITERATIONS[mech]
            salt = os.urandom(16 if mech == "SCRAM-SHA-1" else 28)
            salted = hashlib.pbkdf2_hmac(digest, _password_input(mech, user, password), salt, iters)
            client_key = _hmac(salted, b"Client Key", digest)
            self.keys[mech] = _Keys(salt, iters, hashlib.new(digest, client_key).digest(),
                                    _hmac(salted, b"Server Key", digest))

    def mechanisms_for(self, qualified_user: str) -> list[str] | None:
        """``saslSupportedMechs`` answer for ``"db.user"``; None when the user is unknown."""
        return list(MECHANISMS) if qualified_user == f"{self.source}.{self.user}" else None


def _fields(message: bytes) -> dict[str, str]:
    out = {}
    for part in message.decode("utf-8").split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key] = value
    return out


class Conversation:
    """One SCRAM exchange on one connection (saslStart, then one or two saslContinue)."""

    def __init__(self, creds: Credentials, mechanism: str, database: str, conversation_id: int):
        if mechanism not in MECHANISMS:
            raise CommandError(BAD_VALUE, f"Received authentication for mechanism {mechanism} "
                                          "which is unknown or not enabled")
        self.creds, self.mechanism, self.database = creds, mechanism, database
        self.conversation_id = conversation_id
        self.step = 0
        self.done = False
        self.authenticated_user: str | None = None
        self._auth_message = b""
        self._nonce = ""

    def start(self, payload: bytes, skip_empty_exchange: bool) -> dict:
        self.skip_empty = skip_empty_exchange
        text = payload.decode("utf-8")
        if not text.startswith("n,"):
            raise auth_failed()
        bare = text.split(",", 2)[2]
        fields = _fields(bare.encode())
        user = fields.get("n", "").replace("=2C", ",").replace("=3D", "=")
        if user != self.creds.user or self.database != self.creds.source:
            raise auth_failed()
        keys = self.creds.keys[self.mechanism]
        self._nonce = fields.get("r", "") + base64.b64encode(os.urandom(24)).decode()
        server_first = (f"r={self._nonce},s={base64.b64encode(keys.salt).decode()},"
                        f"i={keys.iterations}").encode()
        self._auth_message = bare.encode() + b"," + server_first
        self.step = 1
        return self._reply(server_first)

    def next(self, payload: bytes) -> dict:
        if self.step == 2 and not payload:
            self.done = True
            return self._reply(b"")
        if self.step != 1:
            raise auth_failed()
        fields = _fields(payload)
        if fields.get("r") != self._nonce or "p" not in fields:
            raise auth_failed()
        without_proof = payload.decode("utf-8").rsplit(",p=", 1)[0].encode()
        auth_message = self._auth_message + b"," + without_proof
        keys, digest = self.creds.keys[self.mechanism], _DIGEST[self.mechanism]
        proof = base64.b64decode(fields["p"])
        signature = _hmac(keys.stored_key, auth_message, digest)
        if len(proof) != len(signature):
            raise auth_failed()
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.new(digest, client_key).digest(), keys.stored_key):
            raise auth_failed()
        self.authenticated_user = self.creds.user
        self.step = 2
        self.done = self.skip_empty
        server_sig = base64.b64encode(_hmac(keys.server_key, auth_message, digest)).decode()
        return self._reply(f"v={server_sig}".encode())

    def _reply(self, payload: bytes) -> dict:
        return {"conversationId": self.conversation_id, "done": self.done,
                "payload": Binary(payload), "ok": 1.0}
