"""Mirror of the simulator's management store into a SQLite file shaped like Zaqar's.

Why: no Zaqar API says which pool a queue lives on; only the management store's ``Catalogue``
table does (LAB-NOTES). A probe that reads placement from ``management_store =
"sqlite:///..."`` must work the same against the simulator, so the simulator can write the same
tables (names and columns of zaqar/storage/sqlalchemy/tables.py in Zaqar 23):

* ``Catalogue(pool VARCHAR(64) REFERENCES Pools(name) ON DELETE CASCADE, project VARCHAR(64),
  queue VARCHAR(64) NOT NULL, UNIQUE(project, queue))``
* ``Pools(name PK, uri UNIQUE NOT NULL, weight INTEGER NOT NULL, options TEXT, flavor)``
* ``Flavors(name PK, project, capabilities TEXT)`` and
  ``Queues(id INTEGER PK, project, name, metadata BLOB, UNIQUE(project, name))``.

Options, capabilities and metadata are stored as JSON, as Zaqar's ``json_encode`` does. The file
belongs to the simulator: attaching replaces the rows of these four tables. Each model change is
written (and committed) as it happens, under the model's lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS "Queues" (
    id INTEGER NOT NULL, project VARCHAR(64), name VARCHAR(64), metadata BLOB,
    PRIMARY KEY (id), UNIQUE (project, name));
CREATE TABLE IF NOT EXISTS "Pools" (
    name VARCHAR(64) NOT NULL, uri VARCHAR(255) NOT NULL, weight INTEGER NOT NULL, options TEXT,
    flavor VARCHAR(64), PRIMARY KEY (name), UNIQUE (uri));
CREATE TABLE IF NOT EXISTS "Flavors" (
    name VARCHAR(64) NOT NULL, project VARCHAR(64), capabilities TEXT, PRIMARY KEY (name));
CREATE TABLE IF NOT EXISTS "Catalogue" (
    pool VARCHAR(64), project VARCHAR(64), queue VARCHAR(64) NOT NULL, UNIQUE (project, queue),
    FOREIGN KEY(pool) REFERENCES "Pools" (name) ON DELETE CASCADE);
"""


class CatalogMirror:
    """Keeps ``path`` in step with a ``ZaqarModel``: ``CatalogMirror(path).attach(model)``."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                  timeout=5)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.executescript(SCHEMA)
        self.model = None

    @property
    def url(self) -> str:
        """The ``[drivers:management_store:sqlalchemy] uri`` a real Zaqar would be given."""
        return f"sqlite:///{os.path.abspath(self.path)}"

    def attach(self, model) -> "CatalogMirror":
        """Write the model's current state, then follow its changes."""
        with model.lock, self.lock:
            self.model = model
            db = self.db
            db.execute("BEGIN")
            for table in ("Catalogue", "Queues", "Flavors", "Pools"):
                db.execute(f'DELETE FROM "{table}"')
            for pool in model.pools.values():
                self._pool(pool)
            for (project, name), caps in model.flavors.items():
                self._flavor(project, name, caps)
            for (project, name), meta in model.queues.items():
                self._queue(project, name, meta)
            for (project, queue), pool in model.catalogue.items():
                self._catalogue(project, queue, pool)
            db.execute("COMMIT")
            model.listeners.append(self.on_event)
        return self

    def close(self) -> None:
        if self.model is not None and self.on_event in self.model.listeners:
            self.model.listeners.remove(self.on_event)
        with self.lock:
            self.db.close()

    # --- writers ---------------------------------------------------------------------------
    def _pool(self, pool) -> None:
        self.db.execute('INSERT INTO "Pools" (name, uri, weight, options, flavor) '
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET uri=excluded.uri, "
                        "weight=excluded.weight, options=excluded.options, "
                        "flavor=excluded.flavor",
                        (pool.name, pool.uri, pool.weight, json.dumps(pool.options), pool.flavor))

    def _flavor(self, project, name, caps) -> None:
        self.db.execute('INSERT OR REPLACE INTO "Flavors" (name, project, capabilities) '
                        "VALUES (?, ?, ?)", (name, project, json.dumps(caps)))

    def _queue(self, project, name, meta) -> None:
        self.db.execute('INSERT OR REPLACE INTO "Queues" (project, name, metadata) '
                        "VALUES (?, ?, ?)", (project, name, json.dumps(meta).encode()))

    def _catalogue(self, project, queue, pool) -> None:
        self.db.execute('INSERT OR REPLACE INTO "Catalogue" (pool, project, queue) '
                        "VALUES (?, ?, ?)", (pool, project, queue))

    def on_event(self, event: str, *args) -> None:
        """Model listener: one change, one statement, committed at once (autocommit)."""
        with self.lock:
            db = self.db
            if event == "pool":
                self._pool(args[0])
            elif event == "pool_deleted":
                db.execute('DELETE FROM "Pools" WHERE name = ?', args)   # cascades Catalogue
            elif event == "flavor":
                self._flavor(*args)
            elif event == "flavor_deleted":
                db.execute('DELETE FROM "Flavors" WHERE project = ? AND name = ?', args)
            elif event == "queue":
                self._queue(*args)
            elif event == "queue_deleted":
                db.execute('DELETE FROM "Queues" WHERE project = ? AND name = ?', args)
            elif event == "catalogue":
                self._catalogue(*args)
            elif event == "catalogue_deleted":
                db.execute('DELETE FROM "Catalogue" WHERE project = ? AND queue = ?', args)


def read_placement(path: str | os.PathLike) -> dict[str, str]:
    """``{"project/queue": pool}`` from any Zaqar sqlite management store (the simulator's mirror
    or a real server's file): what a placement probe reads."""
    db = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute('SELECT project, queue, pool FROM "Catalogue"').fetchall()
    finally:
        db.close()
    return {f"{p}/{q}": pool for p, q, pool in sorted(rows)}
