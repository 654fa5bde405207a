"""Exit codes of the msgops command (an IntEnum, one docstring per value)."""

import enum


class Exit(enum.IntEnum):
    OK = 0
    """Success; for `check`: every finding is OK (Nagios OK)."""
    WARNING = 1
    """`check`: the worst finding is a warning (Nagios WARNING)."""
    CRITICAL = 2
    """`check`: the worst finding is critical (Nagios CRITICAL)."""
    UNKNOWN = 3
    """`check`: the state could not be determined, e.g. a bad inventory (Nagios UNKNOWN)."""
    USAGE = 64
    """Bad command line (sysexits EX_USAGE)."""
    CONFIG = 78
    """The inventory is missing or invalid (sysexits EX_CONFIG); the one-line reason is on stderr."""
    SOFTWARE = 70
    """An internal error (a bug): one line on stderr, never a traceback (sysexits EX_SOFTWARE)."""
