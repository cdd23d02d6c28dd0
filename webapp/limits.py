"""How often one client may try something in a while: send a public report, or sign in.

Counted by Flask-Limiter in a moving window, in its storage: the web process's memory
by default, Redis when ``PATROL_QUEUE_URL`` (or ``PATROL_LIMITS_STORAGE``) names one,
so every web process on every machine counts the same hits. If Redis goes away the
counting goes on in memory until it is back, and no page fails for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from dispatch.errors import ValidationError

log = logging.getLogger(__name__)


def parse_rate(text: str, setting: str) -> RateLimitItem:
    """``"5/600"``: five per ten minutes; ``setting`` names the option in errors."""
    count, _, seconds = str(text).partition("/")
    try:
        limit, window = int(count), int(seconds)
    except ValueError:
        raise ValidationError(f"{setting} {text!r}: give COUNT/SECONDS, e.g. 5/600") from None
    if limit < 1 or window < 1:
        raise ValidationError(f"{setting} {text!r}: both parts must be positive")
    return RateLimitItemPerSecond(limit, window)


@dataclass(frozen=True)
class Attempts:
    """At most ``item`` hits for each key (a client address, a name) of one ``scope``."""

    limiter: Limiter
    item: RateLimitItem
    scope: str
    #: Counts kept in this process while the shared storage cannot be reached.
    fallback: RateLimiter = field(
        default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    def hit(self, key: str) -> float:
        """0 when ``key`` may go on (the hit is counted); else seconds until it may."""
        if self._call("hit", key):
            return 0.0
        return self.waiting(key) or 1.0

    def waiting(self, key: str) -> float:
        """Seconds until ``key`` may go on (0: now), without counting a hit."""
        if self._call("test", key):
            return 0.0
        stats = self._call("get_window_stats", key)
        return max(float(stats.reset_time) - time.time(), 1.0)

    def clear(self, key: str) -> None:
        """Forget ``key``'s hits (a correct sign-in forgives the tries before it)."""
        self._call("clear", key)

    def _call(self, name: str, key: str) -> Any:
        """The shared storage's answer, else this process's own (Redis down: no page fails)."""
        try:
            return getattr(self.limiter.limiter, name)(self.item, self.scope, key)
        except Exception as exc:  # the storage's own connection errors
            log.warning("rate-limit storage unavailable (%s); counting in this process",
                        type(exc).__name__)
            return getattr(self.fallback, name)(self.item, self.scope, key)


def storage_uri(app: Flask) -> str:
    """Where the counts live: the setting, else the Redis queue's server, else memory."""
    chosen = app.config.get("LIMITS_STORAGE") or app.config.get("QUEUE_URL") or ""
    return str(chosen) if str(chosen).startswith(("redis://", "rediss://")) else "memory://"


def attempts(name: str) -> Attempts:
    """The limit registered as ``name`` (``report``, ``login``) on the current app."""
    found: Attempts = current_app.extensions["patrol_limits"][name]
    return found


def init_app(app: Flask) -> None:
    """One Flask-Limiter for the app, and the two limits its forms use."""
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri(app),
                      strategy="moving-window", in_memory_fallback_enabled=True,
                      headers_enabled=False, default_limits=[])
    app.extensions["patrol_limits"] = {
        "report": Attempts(limiter, parse_rate(app.config["REPORT_RATE"], "PATROL_REPORT_RATE"),
                           "report"),
        "team": Attempts(limiter, parse_rate(app.config["TEAM_RATE"], "PATROL_TEAM_RATE"),
                         "team"),
        "login": Attempts(limiter, parse_rate(app.config["LOGIN_RATE"], "PATROL_LOGIN_RATE"),
                          "login"),
    }
