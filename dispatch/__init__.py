"""The patrol domain: hotspots, shelters, bases, nights and plans, and their storage.

Turns domain data into a :mod:`routes` problem and a solved plan back into the
night's plan document that maps, the web app and exports read.
"""
