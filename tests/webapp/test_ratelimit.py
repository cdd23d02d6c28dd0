"""The public form's rate limit: a window per client address that moves on with time."""

from __future__ import annotations

import pytest

from dispatch.errors import ValidationError
from dispatch.reports import normal_reference
from webapp.ratelimit import RateLimit


def test_the_window_moves_on_and_addresses_are_apart() -> None:
    """Two hits per 600 s: the third waits until the first leaves the window."""
    limit = RateLimit.parse("2/600")
    assert limit.allow("a", now=0) == 0 and limit.allow("a", now=100) == 0
    assert limit.allow("a", now=200) == pytest.approx(400)
    assert limit.allow("b", now=200) == 0
    assert limit.allow("a", now=600) == 0


@pytest.mark.parametrize("text", ["5", "0/600", "5/0", "x/y"])
def test_a_bad_setting_names_the_form(text: str) -> None:
    """A setting that is not COUNT/SECONDS says how to write it."""
    with pytest.raises(ValidationError, match="COUNT/SECONDS|positive"):
        RateLimit.parse(text)


def test_references_are_read_however_they_are_copied() -> None:
    """Case, spaces and dashes do not matter."""
    assert normal_reference(" 7k3m-9qpa ") == "7K3M9QPA"
