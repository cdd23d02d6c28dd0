"""Every map of the product, drawn with Folium on a Leaflet that our own app serves.

Builders are pure functions of a :class:`dispatch.nightplan.NightPlan`:
:func:`maps.overview.build_overview_map` (the dispatcher's view of the night),
:func:`maps.team_route.build_team_route_map` (one team's route, for a phone).
:mod:`maps.render` splits a map into parts for our own page templates or writes
a standalone page, and :mod:`maps.export` writes the plan as GeoJSON.
"""
