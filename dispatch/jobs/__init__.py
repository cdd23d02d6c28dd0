"""Searches done on worker processes of a task queue, never in a web request.

``records`` keeps each job's state in the city's database (any web process answers
for it); ``queue`` hands jobs to Huey, embedded in the data directory or on Redis;
``operations`` are the searches themselves; ``runner`` runs one on a worker and
``worker`` is the worker process.
"""
