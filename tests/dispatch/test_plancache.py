"""Saved plans read back once per version; board rankings shared and at most one poll old."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.board import Rankings
from dispatch.nightplan import NightPlan
from dispatch.plancache import ParsedPlans
from dispatch.planning import latest_plan, save_plan
from dispatch.store import open_engine, session_factory
from dispatch.versions import latest_version, publish, published_plan, state_token


@pytest.fixture()
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = open_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    yield session_factory(engine)
    engine.dispose()


def test_each_version_is_read_once_and_a_new_version_is_seen_at_once(
        sessions: sessionmaker[Session], demo_plan: NightPlan) -> None:
    """The same saved version comes back as the same object; the next save is read anew,
    and the published version is the one teams get."""
    parsed = ParsedPlans(kept=2)
    with sessions.begin() as session:
        first = save_plan(session, demo_plan)
    with sessions() as session:
        once = latest_plan(session, parsed)
        assert latest_plan(session, parsed) is once
        assert once == latest_plan(session)  # the same plan as read without keeping
    later = dataclasses.replace(demo_plan, temperature=-30.0)
    with sessions.begin() as session:
        save_plan(session, later)
    with sessions() as session:
        newest = latest_plan(session, parsed)
        assert newest is not None and newest.temperature == -30.0
        assert published_plan(session, demo_plan.date, parsed) is None
    with sessions.begin() as session:
        publish(session, demo_plan.date, state_token(latest_version(session, demo_plan.date)),
                first.version)
    with sessions() as session:
        assert published_plan(session, demo_plan.date, parsed) is once
    with pytest.raises(ValueError, match="at least one"):
        ParsedPlans(kept=0)


def test_dispatchers_polling_at_once_share_one_ranking() -> None:
    """Five threads asking for the same report's ranking make it once."""
    rankings = Rankings()
    made: list[int] = []
    answers: list[object] = []

    def rank() -> str:
        made.append(1)
        time.sleep(0.2)
        return "ranked"

    threads = [threading.Thread(target=lambda: answers.append(
        rankings.get(("v1.0", "REF"), (frozenset(), ()), rank))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and answers == ["ranked"] * 5


def test_a_ranking_is_made_again_when_its_inputs_change_after_it_is_stale() -> None:
    """Within ``fresh_s`` a ranking stands although check-ins came in; after it, or when
    the plan's version changes, the report is ranked anew."""
    rankings = Rankings(fresh_s=0.3)
    count = iter(range(100))
    rank = lambda: f"ranking {next(count)}"  # noqa: E731
    assert rankings.get(("v1.0", "REF"), ("a",), rank) == "ranking 0"
    assert rankings.get(("v1.0", "REF"), ("a", "b"), rank) == "ranking 0"  # fresh enough
    assert rankings.get(("v2.0", "REF"), ("a", "b"), rank) == "ranking 1"  # new version
    time.sleep(0.35)
    assert rankings.get(("v2.0", "REF"), ("a", "b"), rank) == "ranking 1"  # same inputs
    assert rankings.get(("v2.0", "REF"), ("a", "b", "c"), rank) == "ranking 2"
    exact = Rankings()
    assert exact.get(("v1.0", "REF"), ("a",), rank) == "ranking 3"
    assert exact.get(("v1.0", "REF"), ("a", "b"), rank) == "ranking 4"
