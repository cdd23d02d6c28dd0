"""Rate limits (Flask-Limiter): a window per client address that moves on with time."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from dispatch.errors import ValidationError
from dispatch.reports import normal_reference
from webapp.limits import Attempts, parse_rate, storage_uri


def _attempts(text: str) -> Attempts:
    limiter = Limiter(get_remote_address, app=Flask(__name__), storage_uri="memory://",
                      strategy="moving-window")
    return Attempts(limiter, parse_rate(text, "PATROL_REPORT_RATE"), "test")


def test_the_window_moves_on_and_addresses_are_apart() -> None:
    """Two hits per 600 s: the third waits about the window; another address goes on."""
    limit = _attempts("2/600")
    assert limit.hit("a") == 0 and limit.hit("a") == 0
    assert 590 < limit.hit("a") <= 600
    assert 590 < limit.waiting("a") <= 600
    assert limit.hit("b") == 0 and limit.waiting("b") == 0


def test_a_hit_leaves_the_window_when_it_ends() -> None:
    """One hit per second: after a second the key may go on again."""
    limit = _attempts("1/1")
    assert limit.hit("a") == 0 and limit.hit("a") > 0
    time.sleep(1.1)
    assert limit.waiting("a") == 0 and limit.hit("a") == 0


@pytest.mark.parametrize("text", ["5", "0/600", "5/0", "x/y"])
def test_a_bad_setting_names_the_form(text: str) -> None:
    """A setting that is not COUNT/SECONDS says how to write it."""
    with pytest.raises(ValidationError, match="COUNT/SECONDS|positive"):
        parse_rate(text, "PATROL_REPORT_RATE")


def test_counts_live_in_redis_when_the_queue_does() -> None:
    """With a Redis queue the counts are shared there; otherwise each process counts."""
    app = Flask(__name__)
    app.config.update(QUEUE_URL="redis://queue:6379/0", LIMITS_STORAGE=None)
    assert storage_uri(app) == "redis://queue:6379/0"
    app.config.update(QUEUE_URL=None)
    assert storage_uri(app) == "memory://"


def test_references_are_read_however_they_are_copied() -> None:
    """Case, spaces and dashes do not matter."""
    assert normal_reference(" 7k3m-9qpa ") == "7K3M9QPA"
