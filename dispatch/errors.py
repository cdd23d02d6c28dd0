"""Domain errors; the web app and the command line turn them into answers."""

from __future__ import annotations

from collections.abc import Mapping

from shapely.geometry.base import BaseGeometry

from routes.errors import ValidationError

__all__ = ["ValidationError", "NotBuiltError", "FieldErrors", "NotFoundError"]


class NotBuiltError(LookupError):
    """The data directory holds no city yet (or not the part asked for)."""


class NotFoundError(LookupError):
    """A record asked for by id does not exist."""


class FieldErrors(ValidationError):
    """Values refused field by field, so a form can show each message next to its field.

    ``fields`` maps a field name to a bilingual message; ``repaired`` maps a geometry
    field to the repaired geometry offered in place of an invalid one.
    """

    def __init__(self, fields: Mapping[str, str],
                 repaired: Mapping[str, BaseGeometry] | None = None) -> None:
        self.fields = dict(fields)
        self.repaired = dict(repaired or {})
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.fields.items()))
