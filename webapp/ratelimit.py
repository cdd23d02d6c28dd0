"""How often one client may try something in a while: send a public report, or sign in."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from dispatch.errors import ValidationError


@dataclass
class RateLimit:
    """At most ``limit`` hits per ``window_s`` seconds for each key (a client address)."""

    limit: int
    window_s: float
    _hits: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def parse(cls, text: str, setting: str = "PATROL_REPORT_RATE") -> RateLimit:
        """``"5/600"``: five per ten minutes; ``setting`` names the option in errors."""
        count, _, seconds = str(text).partition("/")
        try:
            limit, window = int(count), float(seconds)
        except ValueError:
            raise ValidationError(f"{setting} {text!r}: give COUNT/SECONDS, "
                                  "e.g. 5/600") from None
        if limit < 1 or window <= 0:
            raise ValidationError(f"{setting} {text!r}: both parts must be positive")
        return cls(limit, window)

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when ``key`` may go on (the hit is counted); else seconds until it may."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= moment - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window_s - moment
            hits.append(moment)
            return 0.0

    def waiting(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may go on (0: now), without counting a hit."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            hits = [t for t in self._hits.get(key, ()) if t > moment - self.window_s]
            return hits[0] + self.window_s - moment if len(hits) >= self.limit else 0.0
