"""Where a city's data lives: one directory per city, never inside the repository.

Chosen by ``--data-dir``, else ``PATROL_DATA_DIR``, else a per-user data
directory; two cities (or a test) with different directories never meet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from routes.problem import Mode

ENV_VAR = "PATROL_DATA_DIR"


@dataclass(frozen=True)
class Workspace:
    """Paths inside one data directory."""

    root: Path

    @classmethod
    def locate(cls, data_dir: str | Path | None = None) -> Workspace:
        """The data directory given, else the environment's, else the user default."""
        chosen = data_dir or os.environ.get(ENV_VAR) or platformdirs.user_data_dir(
            "cold-night-patrol"
        )
        return cls(Path(chosen).expanduser().resolve())

    def ensure(self) -> Workspace:
        """Create the directory tree if it is missing."""
        for path in (self.root, self.network_dir, self.cache_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def database_url(self) -> str:
        """``DATABASE_URL`` when set, else a SQLite file in the data directory."""
        return os.environ.get("DATABASE_URL") or f"sqlite:///{self.root / 'patrol.db'}"

    @property
    def network_dir(self) -> Path:
        return self.root / "network"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def network_path(self, mode: Mode) -> Path:
        """The cached, routable road network of one mode."""
        return self.network_dir / f"{mode}.graphml"
