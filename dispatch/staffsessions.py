"""Signed-in sessions kept on the server: a browser holds a random token, the database a
hash of it. Signing out deletes the row; a new password, a new role or a removed account
delete every row of the account, so no copied cookie outlives them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch.models import Account, StaffSession

#: A session's last-seen time is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def open_session(session: Session, account: Account) -> str:
    """A new session for ``account``; the token its browser keeps."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(StaffSession(token_hash=_hash(token), account_id=account.id, created_at=now,
                             last_seen_at=now))
    session.flush()
    return token


def account_of_session(session: Session, token: str, *, idle: timedelta) -> Account | None:
    """The account of a live session, which is seen now; None for an ended or idle one."""
    row = session.get(StaffSession, _hash(token))
    if row is None:
        return None
    now = datetime.now(UTC)
    seen = row.last_seen_at if row.last_seen_at.tzinfo else row.last_seen_at.replace(tzinfo=UTC)
    if now - seen > idle:
        session.delete(row)
        return None
    if now - seen > TOUCH_EVERY:
        row.last_seen_at = now
    return session.get(Account, row.account_id)


def end_session(session: Session, token: str) -> None:
    """Sign one browser out."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


def end_sessions_of(session: Session, account_id: int) -> None:
    """Sign an account out everywhere."""
    session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))


def sessions_of(session: Session, account_id: int) -> int:
    """How many live sessions an account has (for tests and the accounts page)."""
    return len(session.scalars(select(StaffSession.token_hash)
                               .where(StaffSession.account_id == account_id)).all())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
