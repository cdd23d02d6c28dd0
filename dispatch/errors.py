"""Domain errors; the web app and the command line turn them into answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from routes.errors import ValidationError

__all__ = ["ValidationError", "NotBuiltError", "FieldErrors", "NotFoundError", "FieldProblem",
           "FormError", "ConflictError"]


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


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one form field: a message key and the values it names.

    The key is an English sentence with ``{name}`` fields; the web app shows it in
    the dispatcher's language.
    """

    field: str
    message: str
    values: tuple[tuple[str, str], ...] = ()


class FormError(ValidationError):
    """A form that cannot be saved; every problem is reported together."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.format(**dict(p.values))}"
                                   for p in problems))
        self.problems = tuple(problems)


class ConflictError(RuntimeError):
    """A change made against a state of the night that is no longer the current one."""
