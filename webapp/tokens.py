"""Per-team, per-night links without accounts: signed tokens that stop working after the night.

A token carries the team, the night and when it expires, signed with the app's
``SECRET_KEY`` (itsdangerous, which Flask ships). Nothing is stored: any server
with the same key reads it back, and a changed character breaks the signature.
The key comes from ``PATROL_SECRET_KEY``, else from a file made once in the
data directory, so links printed or sent before a restart keep working.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import Forbidden, Gone

logger = logging.getLogger(__name__)

#: How long after the shift's end a team's link still opens (to finish the last check-ins).
GRACE = timedelta(hours=4)
#: Separates team links from anything else the key might ever sign.
_SALT = "patrol-team-link"
#: Where the generated key is kept in the data directory.
SECRET_FILE = "secret_key"


class TokenRefused(Forbidden):
    """A link that was changed, cut short, or is for another team: 403."""


class TokenExpired(Gone):
    """A link of a night that is over: 410."""


@dataclass(frozen=True)
class TeamPass:
    """What a valid token lets its holder see: one team's route of one night."""

    team_id: str
    night: date
    expires_at: datetime
    #: A staff member's preview of the team's page: it shows, it never records.
    view_only: bool = False
    #: The number the team's link of the night was made under (reissuing raises it).
    generation: int = 0


def make_team_token(team_id: str, night: date, expires_at: datetime, *,
                    view_only: bool = False, generation: int = 0) -> str:
    """A URL-safe token for ``team_id`` on ``night``, valid until ``expires_at``; a
    ``view_only`` one opens the page but cannot check in or step a report."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at needs a time zone, e.g. the plan's shift end")
    payload: dict[str, object] = {"t": team_id, "n": night.isoformat(),
                                  "e": int(expires_at.timestamp())}
    if view_only:
        payload["v"] = 1
    if generation:
        payload["g"] = generation
    return _serializer().dumps(payload)


def read_team_token(token: str, now: datetime | None = None) -> TeamPass:
    """The pass in ``token``, or a bilingual 403 (tampered) / 410 (expired) answer."""
    try:
        payload = _serializer().loads(token)
        found = TeamPass(str(payload["t"]), date.fromisoformat(payload["n"]),
                         datetime.fromtimestamp(int(payload["e"]), UTC),
                         view_only=bool(payload.get("v")), generation=int(payload.get("g", 0)))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise TokenRefused(description="链接无效 This team link is not valid (changed or cut "
                                       "short): ask the dispatcher for tonight's link or QR "
                                       "code") from None
    if (now or datetime.now(UTC)) >= found.expires_at:
        raise TokenExpired(description=f"链接已过期 This link was for the night of "
                                       f"{found.night} and has expired: ask the dispatcher "
                                       "for tonight's link")
    return found


def link_expiry(shift_end: datetime) -> datetime:
    """When a link of a shift ending at ``shift_end`` stops working."""
    return shift_end + GRACE


def ensure_secret_key(app: Flask, data_dir: Path) -> None:
    """Give ``app`` a SECRET_KEY: the configured one, else one kept in ``data_dir``."""
    if app.config.get("SECRET_KEY"):
        return
    path = data_dir / SECRET_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: of two servers starting at once, one writes and both read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            logger.info("made a key for team links in %s", path)
    app.config["SECRET_KEY"] = path.read_text().strip()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)
