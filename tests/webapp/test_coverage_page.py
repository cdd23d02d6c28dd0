"""The coverage page: hotspots coloured from check-ins, with clear errors for bad dates."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, timedelta

from dispatch.checkins import CheckInReport, record_checkin
from dispatch.nightplan import NightPlan
from webapp.resources import resources


def test_check_ins_move_a_hotspot_from_never_to_met(private_app) -> None:
    app, client = private_app, private_app.test_client()
    with app.app_context():
        plan: NightPlan = resources().latest_plan()
        before = client.get(f"/coverage?from={plan.date}&to={plan.date}")
        assert before.status_code == 200
        text = before.get_data(as_text=True)
        never = int(re.search(r"(\d+) 未查 never checked", text).group(1))
        assert never == len(plan.hotspots)
        market = next(h for h in plan.hotspots.values() if h.kind == "market")
        with resources().sessions() as session:
            moment = plan.shift_start + timedelta(hours=1)
            record_checkin(session, CheckInReport(str(uuid.uuid4()), plan.date, "T1", market.id,
                                                  1, "checked_nobody", moment.astimezone(UTC)))
            session.commit()
        after = client.get(f"/coverage?from={plan.date}&to={plan.date}").get_data(as_text=True)
    assert int(re.search(r"(\d+) 未查 never checked", after).group(1)) == never - 1
    assert int(re.search(r"(\d+) 达标 met", after).group(1)) == 1


def test_bad_dates_name_the_field(client) -> None:
    answer = client.get("/coverage?from=2025-13-01")
    assert answer.status_code == 400
    assert "YYYY-MM-DD" in answer.get_data(as_text=True)
    answer = client.get("/coverage?from=2025-02-01&to=2025-01-01")
    assert answer.status_code == 400 and "swap the dates" in answer.get_data(as_text=True)
