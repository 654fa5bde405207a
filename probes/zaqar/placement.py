"""Which pool holds which queue: only Zaqar's management store knows (no API says it).

With ``management_store = "sqlite:///PATH"`` in the inventory, the ``Catalogue`` table (pool, project,
queue; Zaqar 23's sqlalchemy schema) is read **read-only** (``file:PATH?mode=ro``: msgops never takes
a write lock on the file Zaqar writes) and counted per pool. Only SQLite is read: a MySQL or
PostgreSQL store needs SQLAlchemy and a driver, which msgops does not depend on, so those URLs are
refused at load with one line. Without a management store the pane says "unknown".
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

COUNT_SQL = 'SELECT pool, COUNT(*) FROM "Catalogue" GROUP BY pool'
SUPPORTED = "sqlite:///PATH (SQLite only: other stores need SQLAlchemy, which msgops does not use)"


def store_path(url: str, base: Path) -> Path:
    """``sqlite:////abs/path`` (or ``sqlite:///relative``, relative to ``base``) → the file's path.

    ValueError with one line (never the URL's password) for anything else."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme != "sqlite":
        shown = scheme or "no scheme"
        raise ValueError(f"{shown!r} management stores are not read (only {SUPPORTED})")
    rest = url[len("sqlite://"):]
    if not rest.startswith("/") or rest == "/":
        raise ValueError("an in-memory or empty SQLite URL has no file to read")
    rest = rest[1:].split("?", 1)[0]
    path = Path(rest)
    return path if path.is_absolute() else (base / path)


def count_queues(path: Path, timeout: float) -> tuple[dict[str, int], int]:
    """(queues per pool, total) from the Catalogue table; blocking (run it on a worker thread).

    Raises OSError / sqlite3.Error; the caller turns them into a finding."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (is the management store on another host?)")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    try:
        deadline = time.monotonic() + timeout
        db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        rows = db.execute(COUNT_SQL).fetchall()
    finally:
        db.close()
    counts = {str(pool): int(n) for pool, n in rows if pool is not None}
    return counts, sum(counts.values())
