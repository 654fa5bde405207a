"""Per-target journal of an unfinished run, so the next run can show what was done and resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class Journal:
    """A small JSON document rewritten atomically after every step transition."""

    def __init__(self, state_dir: Path, target_key: str) -> None:
        self.path = Path(state_dir) / "journals" / (target_key.replace("/", "_") + ".json")

    def load(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as exc:
            return {"corrupt": str(exc)}

    def save(self, doc: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(doc, f, default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
