"""Check-ins: validated once at the edge, stored once however often a phone sends them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.checkins import (
    CheckInConflict,
    CheckInError,
    done_visits,
    night_checkins,
    parse_checkin,
    record_checkin,
)
from dispatch.models import CheckIn
from dispatch.store import open_engine, session_factory

NIGHT = date(2026, 1, 10)
VISITS = {"1#1", "2#1", "1#2"}


def _sent(**changes: object) -> dict[str, object]:
    """A check-in as a phone sends it: nobody found at hotspot 1's first check."""
    data: dict[str, object] = {"id": str(uuid.uuid4()), "visit": "1#1",
                               "outcome": "checked_nobody",
                               "recorded_at": "2026-01-10T21:05:00+08:00",
                               "lon": 116.0, "lat": 36.45, "accuracy_m": 12.5}
    data.update(changes)
    return data


@pytest.fixture()
def sessions(backend_url: str):  # type: ignore[no-untyped-def]
    """Sessions on SQLite and on PostGIS: the insert-once statement differs between them."""
    engine = open_engine(backend_url)
    yield session_factory(engine)
    engine.dispose()


def test_a_person_found_keeps_every_detail() -> None:
    """How many, who, whether they accept help and what was done all come through."""
    report = parse_checkin(_sent(outcome="person_found", found_count=2, found_category="elderly",
                                 accepts_help=True, action="shelter", visit="1#2"),
                           team_id="T1", night=NIGHT, visits=VISITS)
    assert (report.hotspot_id, report.check_number) == (1, 2)
    assert (report.found_count, report.found_category, report.accepts_help, report.action) == (
        2, "elderly", True, "shelter")
    assert report.recorded_at == datetime(2026, 1, 10, 13, 5, tzinfo=UTC)


def test_every_bad_field_is_named_at_once() -> None:
    """A bad id, visit, category and position are reported together."""
    with pytest.raises(CheckInError) as caught:
        parse_checkin(_sent(id="x", visit="9#1", outcome="person_found", found_count=0,
                            found_category="alien", accepts_help="yes", action="shelter",
                            lat=95.0), team_id="T1", night=NIGHT, visits=VISITS)
    assert set(caught.value.fields) == {"id", "visit", "found_count", "found_category",
                                        "accepts_help", "lat"}
    assert "9#1" in caught.value.fields["visit"] and "T1" in caught.value.fields["visit"]


def test_could_not_check_needs_a_reason_and_a_sane_clock() -> None:
    """Without a reason, or with a phone clock weeks off, nothing is stored."""
    with pytest.raises(CheckInError) as caught:
        parse_checkin(_sent(outcome="could_not_check", recorded_at="2025-12-01T21:00:00+08:00"),
                      team_id="T1", night=NIGHT, visits=VISITS)
    assert set(caught.value.fields) == {"reason", "recorded_at"}
    with pytest.raises(CheckInError, match="UTC offset"):
        parse_checkin(_sent(recorded_at="2026-01-10T21:05:00"), team_id="T1", night=NIGHT,
                      visits=VISITS)


def test_the_same_check_in_sent_twice_is_stored_once(sessions) -> None:  # type: ignore[no-untyped-def]
    """A retry with the same id answers with the stored row; a changed one is a conflict."""
    data = _sent()
    report = parse_checkin(data, team_id="T1", night=NIGHT, visits=VISITS)
    with sessions.begin() as session:
        first, created = record_checkin(session, report)
    with sessions.begin() as session:
        again, created_again = record_checkin(session, report)
        assert (created, created_again) == (True, False)
        assert again.id == first.id
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
    changed = parse_checkin({**data, "visit": "2#1"}, team_id="T1", night=NIGHT, visits=VISITS)
    with sessions.begin() as session, pytest.raises(CheckInConflict):
        record_checkin(session, changed)


def test_done_visits_keeps_the_latest_check_in_of_each_visit(sessions) -> None:  # type: ignore[no-untyped-def]
    """A visit first 'could not check', then checked, counts as checked."""
    early = parse_checkin(_sent(outcome="could_not_check", reason="gate locked"),
                          team_id="T1", night=NIGHT, visits=VISITS)
    later = parse_checkin(_sent(recorded_at="2026-01-10T22:30:00+08:00"), team_id="T1",
                          night=NIGHT, visits=VISITS)
    other_night = parse_checkin(_sent(recorded_at="2026-01-11T21:00:00+08:00"), team_id="T1",
                                night=NIGHT + timedelta(days=1), visits=VISITS)
    with sessions.begin() as session:
        for report in (later, early, other_night):
            record_checkin(session, report)
    with sessions() as session:
        rows = night_checkins(session, NIGHT)
    assert [r.outcome for r in rows] == ["could_not_check", "checked_nobody"]
    assert done_visits(rows)["1#1"].outcome == "checked_nobody"


def test_a_check_in_is_kept_or_dropped_with_the_rest_of_its_request(sessions) -> None:  # type: ignore[no-untyped-def]
    """Storing a check-in commits nothing by itself: a request that fails after it leaves
    no check-in behind (so its re-send is new again, and gets its follow-up)."""
    report = parse_checkin(_sent(), team_id="T1", night=NIGHT, visits=VISITS)
    with pytest.raises(RuntimeError, match="after the check-in"), sessions.begin() as session:
        record_checkin(session, report)
        raise RuntimeError("the request failed after the check-in")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    with sessions.begin() as session:
        assert record_checkin(session, report)[1] is True

