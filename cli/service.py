"""Finding the embedded service: its settings and where it is running, from the data folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from settings import Settings

SERVICE_FILE = "service.json"


def settings_for(data_dir: Path) -> Settings:
    """Production sets PATHWAYS_DATABASE_URL and friends; otherwise the embedded default in
    `data_dir`, on the ports the running service wrote down, with the operator's settings
    that `pathways up` takes from the environment too."""
    if os.environ.get("PATHWAYS_DATABASE_URL") or os.environ.get("PATHWAYS_DATABASE_URL_FILE"):
        return Settings.from_env()
    running = read_service_file(data_dir)
    return Settings.embedded_with_env(data_dir, running.get("temporal_port", 7233))


def read_service_file(data_dir: Path) -> dict:
    path = Path(data_dir) / SERVICE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def write_service_file(data_dir: Path, info: dict) -> None:
    (Path(data_dir) / SERVICE_FILE).write_text(json.dumps(info, indent=2))


def remove_service_file(data_dir: Path) -> None:
    (Path(data_dir) / SERVICE_FILE).unlink(missing_ok=True)
