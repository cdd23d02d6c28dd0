"""Reissuing a team's link for a night: a lost or forwarded phone link is ended by
giving the team a new one. Links carry the number they were made under; only the
newest number opens the team's page."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from dispatch.models import TeamLinkIssue


def link_generation(session: Session, night: date, team_id: str) -> int:
    """The number ``team_id``'s link of ``night`` is made under now (0: never reissued)."""
    row = session.get(TeamLinkIssue, (night, team_id))
    return row.generation if row is not None else 0


def reissue_link(session: Session, night: date, team_id: str, *, by: str) -> int:
    """End the team's current link of the night; the number its new link is made under."""
    row = session.get(TeamLinkIssue, (night, team_id))
    now = datetime.now(UTC)
    if row is None:
        row = TeamLinkIssue(night=night, team_id=team_id, generation=0, reissued_at=now,
                            reissued_by=by)
        session.add(row)
    row.generation += 1
    row.reissued_at, row.reissued_by = now, by
    session.flush()
    return row.generation
