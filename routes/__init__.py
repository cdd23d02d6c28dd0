"""Road networks, the patrol problem, the OR-Tools search and route geometry.

This package knows nothing of hotspots, databases or web pages: it takes a
solver-neutral :class:`~routes.problem.Problem` and returns a
:class:`~routes.plan.Plan`.
"""
