"""The Flask app: pages for dispatchers and teams, a JSON API, and the ``patrol`` command."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dispatch.readers import MAX_IMPORT_BYTES
from dispatch.workspace import Workspace


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``PATROL_*`` environment variables, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=None,
        TILES=None,
        TILES_ATTRIBUTION="",
        BASEMAP=None,
        TIANDITU_KEY=None,
        COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=["static", "assets.leaflet", "assets.geoman"],
        # An upload of the largest import file (dispatch.readers) and its form fields.
        MAX_CONTENT_LENGTH=MAX_IMPORT_BYTES + 1024 * 1024,
        JSON_AS_ASCII=False,
        # The dispatcher's plan page: the solver's budgets, the hotline numbers printed on
        # route sheets ("救助 12345; 110"), an Open-Meteo-style forecast service (optional).
        PLAN_SECONDS=20,
        REPLAN_SECONDS=3,
        PLAN_SOLUTION_LIMIT=None,
        HOTLINES="",
        FORECAST_URL=None,
        # Live dispatch: reports per client address (COUNT/SECONDS), the safety timer, the
        # search budget of an assignment's re-plan, how often the board asks, and a fixed
        # HH:MM for drills on a plan of another night.
        REPORT_RATE="5/600",
        SILENT_MINUTES=45,
        ASSIGN_SECONDS=2,
        BOARD_POLL_SECONDS=5,
        DISPATCH_NOW=None,
        # Staff sessions end this many hours after the last request; sign-in attempts per
        # client address and per name (COUNT/SECONDS).
        SESSION_HOURS=12,
        LOGIN_RATE="10/300",
        # What one team's link may send (check-ins and report steps) per night, COUNT/SECONDS:
        # a phone back from a dead zone sends its queue at once; more is a broken or stolen link.
        TEAM_RATE="120/60",
        # The task queue the workers read: unset, a SQLite file in the data directory (the
        # worker that `patrol serve` starts reads it); redis://HOST:6379/0 past one machine.
        # Searches one person may have waiting or running at once.
        QUEUE_URL=None,
        JOBS_PER_USER=3,
        # Where rate-limit counts live (default: the Redis of QUEUE_URL, else memory).
        LIMITS_STORAGE=None,
    )
    app.config.from_prefixed_env("PATROL")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["WORKSPACE"] = Workspace.locate(app.config["DATA_DIR"])

    from flask_compress import Compress

    from webapp import access, auth, errors, filters, headers, i18n, limits, resources
    from webapp.tls import trust_proxy
    from webapp.tokens import ensure_secret_key
    from webapp.views import (
        accounts,
        api,
        assets,
        dispatcher,
        jobs,
        live,
        manager,
        pages,
        plan,
        plansheets,
        public,
        registry,
        registry_api,
        roster,
        team,
        teamapi,
    )
    from webapp.views import auth as signin

    ensure_secret_key(app, app.config["WORKSPACE"].root)
    trust_proxy(app)
    resources.init_app(app)
    limits.init_app(app)
    access.init_app(app)  # before CSRF: a request without a session is 401, not 400
    auth.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    pages.init_app(app)
    headers.init_app(app)
    assets.init_app(app)
    i18n.init_app(app)
    Compress(app)
    for blueprint in (dispatcher.bp, team.bp, api.bp, teamapi.bp, assets.bp, manager.bp,
                      roster.bp, plan.bp, plansheets.bp, registry.bp, registry_api.bp,
                      public.bp, live.bp, live.team_bp, accounts.bp,
                      jobs.bp):
        app.register_blueprint(blueprint)
    signin.init_app(app)
    # Teams' phones carry their token, not a session; the public report has no session to forge.
    for exempt in (teamapi.bp, live.team_bp, public.submit_json, public.submit_form):
        auth.csrf.exempt(exempt)
    return app
