"""Live dispatch end to end through the web app: a report arrives (POST /api/reports), the
board ranks the teams (GET /api/dispatch/board, target < 1 s), one click assigns it and
re-plans the team's night as a new version (POST .../assign, target < 3 s).

On the Helsinki demo city as stored by ``patrol demo`` (its hotspots, checked twice on a
cold night), 20 teams. Printed beside the figures, as the reference measured in the same
run: a warm-started re-plan of the whole rest of the night (``replan_rest``), what each
click would cost if the board re-planned instead of pricing insertions.

Run: ``python bench/live.py`` (``make bench``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dispatch.categories import load_categories
from dispatch.city import build_city, demo_source
from dispatch.cold import level_for, load_levels
from dispatch.night import NightOptions
from dispatch.planning import latest_plan, plan_and_save
from dispatch.replan import moment_of, replan_rest
from dispatch.workspace import Workspace
from routes.solve import SolveParams
from webapp import create_app
from webapp.resources import resources

TEAMS = 20
RECOMMEND_TARGET_S, ASSIGN_TARGET_S = 1.0, 3.0


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        workspace = Workspace.locate(Path(work) / "city")
        build_city(workspace, demo_source(workspace), "Helsinki (demo)")
        plan = plan_and_save(workspace, NightOptions(teams=TEAMS, on_foot=4, temperature=-25),
                             params=SolveParams(time_limit_s=20, solution_limit=300))
        visits = sum(len(r.visits) for r in plan.routes)
        app = create_app({"DATA_DIR": str(workspace.root), "DISPATCH_NOW": "22:00",
                          "REPORT_RATE": "100/60"})
        client = app.test_client()
        place = sorted(plan.hotspots.values(), key=lambda p: -p.risk)[7]
        assert place.access is not None
        print(f"Helsinki demo: {TEAMS} teams, {visits} planned visits "
              f"({len(plan.dropped)} left out); report at {place.name}, 22:00")
        client.get("/api/dispatch/board")  # the road networks are read once per server

        began = time.perf_counter()
        sent = client.post("/api/reports", json={"lon": place.access[0], "lat": place.access[1],
                                                 "not_moving": True, "categories": ["elderly"]})
        board = client.get("/api/dispatch/board").get_json()
        recommend_s = time.perf_counter() - began
        reference = sent.get_json()["reference"]
        option = board["reports"][0]["options"][0]

        began = time.perf_counter()
        answer = client.post(f"/api/dispatch/reports/{reference}/assign",
                             json={"team": option["team"]})
        assign_s = time.perf_counter() - began
        if answer.status_code != 200:
            raise SystemExit(f"assignment failed: {answer.get_json()}")

        with app.app_context(), resources().sessions() as session:
            night = latest_plan(session)
            assert night is not None
            began = time.perf_counter()
            replan_rest(session, night, now=moment_of(night, "22:00"), done=set(),
                        networks=resources().networks,
                        categories=load_categories(workspace.root),
                        level=level_for(load_levels(workspace.root), night.temperature))
            reference_s = time.perf_counter() - began

    print(f"  report to ranked recommendation  {recommend_s:6.2f} s  target < "
          f"{RECOMMEND_TARGET_S:g} s {'met' if recommend_s < RECOMMEND_TARGET_S else 'MISSED'}; "
          f"reference re-plan {reference_s:.2f} s, ratio {reference_s / recommend_s:.1f}x")
    print(f"  assign to {option['team']}, re-planned night  {assign_s:6.2f} s  target < "
          f"{ASSIGN_TARGET_S:g} s {'met' if assign_s < ASSIGN_TARGET_S else 'MISSED'}; "
          f"ratio to reference {reference_s / assign_s:.1f}x")


if __name__ == "__main__":
    main()
