"""Personal data stays private: answers with it are never stored by browsers or proxies,
and the database and queue files are readable by the server's user only."""

from __future__ import annotations

import stat
from pathlib import Path

from flask import Flask


def test_personal_answers_are_not_stored(private_app: Flask) -> None:
    admin = private_app.test_client(role="admin")
    for path in ("/cases.csv", "/cases.xlsx", "/users", "/dispatch"):
        answer = admin.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "no-store", path
    board = private_app.test_client().get("/api/dispatch/board")
    assert board.headers.get("Cache-Control") == "no-store"
    assert "no-store" not in (admin.get("/static/app.css").headers.get("Cache-Control") or "")


def test_the_database_and_the_queue_are_the_servers_alone(private_app: Flask) -> None:
    root = Path(private_app.config["WORKSPACE"].root)
    for name in ("patrol.db", "queue.db", "secret_key"):
        mode = stat.S_IMODE((root / name).stat().st_mode)
        assert mode == 0o600, f"{name}: {oct(mode)}"
