"""Each team's link and QR code for a night, as the dispatcher hands them out."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from flask import url_for
from markupsafe import Markup

from dispatch.linkissues import link_generation
from dispatch.nightplan import NightPlan
from webapp.resources import resources
from webapp.tokens import link_expiry, make_team_token


@dataclass(frozen=True)
class TeamLink:
    """One team's way into its route tonight: an absolute URL and the same as a QR code."""

    team_id: str
    team_name: str
    url: str
    qr_svg: Markup
    #: The night (YYYY-MM-DD) the link is for.
    night: str = ""


def team_link_url(plan: NightPlan, team_id: str, *, view_only: bool = False) -> str:
    """The absolute URL of ``team_id``'s phone page for ``plan``'s night (a preview that
    records nothing when ``view_only``)."""
    with resources().sessions() as session:
        generation = link_generation(session, plan.date, team_id)
    token = make_team_token(team_id, plan.date, link_expiry(plan.shift_end),
                            view_only=view_only, generation=generation)
    return url_for("team.phone", token=token, _external=True)


def team_links(plan: NightPlan) -> list[TeamLink]:
    """A link and an inline SVG QR code for every team of ``plan``, in route order."""
    links = []
    for route in plan.routes:
        url = team_link_url(plan, route.team_id)
        svg = segno.make(url, error="m", micro=False).svg_inline(scale=3, border=2)
        links.append(TeamLink(route.team_id, route.team_name, url, Markup(svg),
                              plan.date.isoformat()))
    return links
