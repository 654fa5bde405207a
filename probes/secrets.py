"""Secrets that never print, and masking for every URL and text that could carry one.

Two layers, because a password can hide in many fields:
- ``Secret`` wraps a password at load time; repr/str give ``***``.
- Every secret the inventory supplied is remembered (``Secret(..., known=True)``), and ``scrub()``
  replaces it, raw or percent-encoded, in any text about to leave the process (screens, stdout,
  stderr, JSON, the audit log, journals, crash logs). ``mask_url()`` masks userinfo in URLs of any
  scheme, also oslo's multi-host form and passwords written with raw ``/``, ``,``, ``?`` or ``#``.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, unquote

MASK = "***"
_MIN_KNOWN = 3
"""Shorter secrets are not scrubbed from free text (they would blank ordinary words)."""

_known: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None


class Secret:
    """A password that never prints: repr/str give ``***``; ``reveal()`` gives the value.

    ``known=True`` (the default) also registers the value for ``scrub()``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str, *, known: bool = True) -> None:
        self._value = value
        if known:
            remember(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def remember(value: str | None) -> None:
    """Register a secret value so ``scrub()`` removes it from any text."""
    global _pattern
    if not value or len(value) < _MIN_KNOWN:
        return
    forms = {value, quote(value, safe=""), quote(value), json.dumps(value)[1:-1]}
    with _lock:
        if forms <= _known:
            return
        _known.update(forms)
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def scrub(text: str) -> str:
    """``text`` with every known secret and every URL's userinfo masked."""
    if not isinstance(text, str):
        text = str(text)
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text and "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    return text


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


def mask_url(url: str) -> str:
    """Replace the password of every userinfo in a URL with ``***`` (any scheme, several hosts).

    ``rabbit://u:p@h1,u2:p2@h2/vh`` → ``rabbit://u:***@h1,u2:***@h2/vh``. A password written with a
    raw ``/``, ``,``, ``?`` or ``#`` (which oslo.messaging would split on) is masked whole: the
    userinfo runs up to the last ``@`` before the host part, whatever lies between.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    at = rest.rfind("@")  # the last '@' anywhere: a raw '?', '#' or '/' may sit in the password
    if at < 0:
        return url
    end = re.search(r"[/?#]", rest[at:])
    host_end = len(rest) if end is None else at + end.start()
    authority, tail = rest[:host_end], rest[host_end:]
    if re.search(r"[/?#]", authority[:at]):  # raw separators inside the userinfo: mask all of it
        creds = authority[:authority.rfind("@")]
        user = creds.split(":", 1)[0] if ":" in creds and not re.search(r"[/?#,]", creds.split(":", 1)[0]) else ""
        return f"{scheme}://{user}:{MASK}{authority[authority.rfind('@'):]}{tail}"
    return f"{scheme}://{_mask_entries(authority)}{tail}"


def _mask_entries(authority: str) -> str:
    """Mask each ``user:pass@host`` of a comma-separated host list; a piece without ``@`` is a host
    when it reads ``host[:port]``, else a fragment of a password with a raw ``,`` (masked)."""
    out: list[str] = []
    fragment = False
    for piece in authority.split(","):
        creds, at, host = piece.rpartition("@")
        if at:
            if ":" in creds:
                out.append(f"{creds.split(':', 1)[0]}:{MASK}@{host}")
            else:
                out.append(f"{MASK if fragment else creds}@{host}")
            fragment = False
        elif fragment:  # still inside a password cut by raw ','
            out.append(MASK)
        elif _HOSTPORT.fullmatch(piece):
            out.append(piece)
        else:
            name = piece.split(":", 1)[0]
            out.append(f"{name}:{MASK}" if ":" in piece else MASK)
            fragment = True
    return ",".join(out)


_HOSTPORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)(:\d{0,5})?")


def strip_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``http://user:pass@host:15672/x`` → (``http://host:15672/x``, user, password); one host only.

    Raises ValueError (with no part of the URL in its text) when the userinfo holds a raw ``/``,
    ``?`` or ``#``: a URL parser would cut the password there and take a fragment as the host.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None, None
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    at = head.rfind("@")
    if at < 0:
        return url, None, None
    creds = rest[:at]
    if re.search(r"[/?#]", creds):
        raise ValueError("its user:password holds a raw '/', '?' or '#': percent-encode them (%2F, %3F, %23)")
    user, colon, password = creds.partition(":")
    return f"{scheme}://{rest[at + 1:]}", unquote(user), unquote(password) if colon else None
