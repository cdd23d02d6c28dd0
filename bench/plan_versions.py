"""Re-planning a version of tonight after a dispatcher's changes: warm start against a fresh search.

On the demo city (Helsinki extract) at −12 °C with four roster teams (two on foot),
version 1 is planned for 10 s; then a stop is moved, another pinned and a hotspot
excluded. The re-plan warm-started from version 1's routes (what ``/plan`` does) is
measured against a search from scratch with the same pins and budget (the reference,
in the same run): checks planned, km, and how many of version 1's stops changed
team — a dispatcher wants a re-plan that keeps what the teams were told.

The ratios (warm / fresh) show why ``/plan`` re-plans for a few seconds only: a short
warm search keeps most stops on their team, a long one wanders off as far as a fresh one.

Run: ``python bench/plan_versions.py`` (``make bench``).
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select

from dispatch.categories import load_categories
from dispatch.city import build_city, demo_source
from dispatch.models import TeamBase
from dispatch.nightplan import NightPlan
from dispatch.nightsettings import NightSettings, SettingsForm, night_from, read_settings
from dispatch.pins import Wanted, apply_changes, pinned_problem
from dispatch.planfigures import plan_figures
from dispatch.planning import load_networks, plan_night
from dispatch.roster import TeamForm, save_team
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.solve import SolveParams

NIGHT = date(2026, 1, 15)
FIRST_S, BUDGETS_S = 10.0, (1.0, 2.0, 5.0)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace.locate(Path(folder) / "city")
        build_city(workspace, demo_source(workspace), "Helsinki (demo)")
        engine = open_engine(workspace.ensure().database_url)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            settings = _roster_night(session)
        first = _plan(sessions, workspace, settings, Wanted(), None, FIRST_S)
        print(f"version 1 ({FIRST_S:.0f} s): {_line(first)}")
        wanted = _changes(first)
        print("changes: move a stop, pin another to its team, exclude a hotspot")
        print(f"{'budget':>7} {'':>6} {'s':>6} {'checks':>7} {'km':>7} {'moved':>6}")
        for budget in BUDGETS_S:
            rows = {}
            for name, earlier in (("fresh", None), ("warm", first)):
                began = time.perf_counter()
                plan = _plan(sessions, workspace, settings, wanted, earlier, budget)
                rows[name] = (time.perf_counter() - began, plan)
                figures = plan_figures(plan)
                print(f"{budget:>6.0f}s {name:>6} {rows[name][0]:>6.1f} {figures.planned:>7} "
                      f"{figures.km:>7.1f} {_moved(first, plan):>6}")
            fresh, warm = plan_figures(rows["fresh"][1]), plan_figures(rows["warm"][1])
            moved = [_moved(first, rows[name][1]) for name in ("warm", "fresh")]
            print(f"{'':>7} {'ratio':>6} {rows['warm'][0] / rows['fresh'][0]:>6.2f} "
                  f"{warm.planned / max(fresh.planned, 1):>7.2f} "
                  f"{warm.km / max(fresh.km, 0.01):>7.2f} {moved[0] / max(moved[1], 1):>6.2f}")
        engine.dispose()


def _roster_night(session) -> NightSettings:  # type: ignore[no-untyped-def]
    base = str(session.scalars(select(TeamBase.id)).first())
    ids = tuple(str(save_team(session, TeamForm(
        name=f"Team {k}", agency="civil_affairs", size="2", vehicle=f"P{k}", on_foot=k > 2,
        base_id=base)).id) for k in range(1, 5))
    return read_settings(session, NIGHT, SettingsForm(ids, "20:00", "06:00", "-12"))


def _plan(sessions, workspace: Workspace, settings: NightSettings, wanted: Wanted,  # type: ignore[no-untyped-def]
          earlier: NightPlan | None, budget: float) -> NightPlan:
    with sessions() as session:
        night = night_from(session, NIGHT, settings)
        networks = load_networks(workspace, {t.mode for t in night.teams})
        return plan_night(session, night, networks, load_categories(workspace.root),
                          SolveParams(time_limit_s=budget, solution_limit=None),
                          adjust=lambda problem: pinned_problem(problem, wanted, earlier))


def _changes(plan: NightPlan) -> Wanted:
    one, two = plan.routes[0], plan.routes[1]
    return apply_changes(Wanted(), [
        {"kind": "move", "visit": one.visits[0].key, "team": two.team_id},
        {"kind": "pin_team", "visit": one.visits[3].key, "team": one.team_id},
        {"kind": "exclude", "hotspot": two.visits[2].hotspot_id},
    ])


def _moved(before: NightPlan, after: NightPlan) -> int:
    """Stops of ``before`` planned on another team (or left out) in ``after``."""
    team_after = {v.key: r.team_id for r in after.routes for v in r.visits}
    return sum(team_after.get(v.key) != r.team_id for r in before.routes for v in r.visits)


def _line(plan: NightPlan) -> str:
    figures = plan_figures(plan)
    return f"{figures.planned}/{figures.required} checks, {figures.km:.1f} km"


if __name__ == "__main__":
    main()
