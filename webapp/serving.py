"""Serving the app: one process (waitress, or cheroot over TLS) or several (gunicorn),
with the embedded worker started beside it and stopped with it.

``patrol serve --processes N`` runs gunicorn on the app factory (``webapp:create_app``),
its workers forked from one loaded app; the same factory serves under a gunicorn run by
hand: ``gunicorn -w 4 -k gthread --threads 8 'webapp:create_app()'``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from dispatch.workspace import Workspace

log = logging.getLogger(__name__)

#: Seconds a worker gets to finish its job when the server stops, before it is killed.
STOP_WAIT_S = 10.0
#: The CPU priority of the worker a server starts beside itself: pages first, then searches.
EMBEDDED_NICE = 10


@dataclass(frozen=True)
class Listen:
    """Where and how the app answers."""

    host: str
    port: int
    threads: int = 8
    processes: int = 1
    cert: Path | None = None
    key: Path | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.cert else 'http'}://{self.host}:{self.port}/"


@contextmanager
def embedded_workers(workspace: Workspace,
                     processes: int) -> Iterator[subprocess.Popen[bytes] | None]:
    """``patrol worker`` as a child process for the server's lifetime (none for 0)."""
    if processes <= 0:
        yield None
        return
    command = [sys.executable, "-m", "webapp.cli", "--data-dir", str(workspace.root), "worker",
               "--processes", str(processes), "--nice", str(EMBEDDED_NICE),
               "--parent-pid", str(os.getpid())]
    child = subprocess.Popen(command)
    log.info("worker started (pid %d)", child.pid)
    try:
        yield child
    finally:
        stop_child(child)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Stop a worker: SIGTERM, then SIGKILL if it is still there after :data:`STOP_WAIT_S`."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def serve_app(make_app: Callable[[], Flask], listen: Listen) -> None:
    """Serve until interrupted: waitress (HTTP) or cheroot (HTTPS) in this process, or
    gunicorn with ``listen.processes`` processes."""
    if listen.processes > 1:
        _gunicorn(make_app, listen)
    elif listen.cert is not None and listen.key is not None:
        from webapp.tls import tls_server

        server = tls_server(make_app(), listen.host, listen.port, listen.threads, listen.cert,
                            listen.key)
        try:
            server.start()
        except KeyboardInterrupt:
            server.stop()
    else:
        import waitress

        app = make_app()
        waitress.serve(app, host=listen.host, port=listen.port, threads=listen.threads,
                       ident="patrol", **waitress_proxy(int(app.config.get("PROXY_HOPS") or 0)))


def waitress_proxy(hops: int) -> dict[str, Any]:
    """waitress's settings behind ``hops`` reverse proxies (``PATROL_PROXY_HOPS``).

    waitress drops every ``X-Forwarded-*`` header it was not told to trust, so without
    these each client would have the proxy's address (one address's failed sign-ins would
    lock out everyone) and the scheme would read ``http``. With them, waitress takes the
    client's address, scheme, host and port from the last ``hops`` proxies.
    """
    if hops <= 0:
        return {}
    return {"trusted_proxy": "*", "trusted_proxy_count": hops,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto",
                                      "x-forwarded-host", "x-forwarded-port"}}


def _gunicorn(make_app: Callable[[], Flask], listen: Listen) -> None:
    from gunicorn.app.base import BaseApplication

    class Patrol(BaseApplication):  # type: ignore[misc]
        """gunicorn on the app made once and forked into every process."""

        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{listen.host}:{listen.port}", "workers": listen.processes,
                "worker_class": "gthread", "threads": listen.threads, "preload_app": True,
                "post_fork": _after_fork, "proc_name": "patrol", "timeout": 60,
                "accesslog": None, "loglevel": "warning",
            }
            if listen.cert is not None and listen.key is not None:
                settings.update(certfile=str(listen.cert), keyfile=str(listen.key))
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return make_app()

    Patrol().run()


def _after_fork(_server: object, worker: Any) -> None:
    """A forked process opens its own database connections (never its parent's)."""
    app = worker.app.callable
    app.extensions["patrol"].engine.dispose(close=False)
