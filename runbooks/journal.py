"""Per-target journal of an unfinished run, so the next run can show what was done and resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from msgops.probes.secrets import scrub
from msgops.runbooks.lock import MAX_STATE_FILE_BYTES, read_state_file


class Journal:
    """A small JSON document rewritten atomically after every step transition."""

    def __init__(self, state_dir: Path, target_key: str) -> None:
        self.path = Path(state_dir) / "journals" / (target_key.replace("/", "_") + ".json")

    def load(self) -> dict | None:
        """The journal, None when there is none, or ``{"corrupt": why}`` (never an exception: a journal
        that cannot be read must still be reported, and dropped with --discard-journal)."""
        try:
            raw = read_state_file(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return {"corrupt": exc.strerror or str(exc)}
        if raw is None:
            return {"corrupt": f"not a regular file of at most {MAX_STATE_FILE_BYTES:,} bytes"}
        try:
            doc = json.loads(raw)
        except RecursionError:
            return {"corrupt": "nested too deeply"}
        except ValueError as exc:  # not UTF-8, not JSON
            return {"corrupt": str(exc)}
        return doc if isinstance(doc, dict) else {"corrupt": f"not a JSON object ({type(doc).__name__})"}

    def save(self, doc: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            f.write(scrub(json.dumps(doc, default=str)))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
