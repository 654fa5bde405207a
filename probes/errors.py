"""A small hierarchy of probe errors; each message says what failed, where, and what to try."""


class ProbeError(Exception):
    """Base of every error a probe or a tier client raises on purpose."""


class Unreachable(ProbeError):
    """Nothing answered (connection refused, timeout, DNS): says which endpoints were tried."""


class BadReply(ProbeError):
    """The server answered something this client cannot use (not JSON, wrong shape, 4xx/5xx)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
