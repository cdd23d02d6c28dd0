"""Domain errors; the web app and the command line turn them into answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routes.errors import ValidationError

__all__ = ["ValidationError", "NotBuiltError", "FieldProblem", "FormError"]


class NotBuiltError(LookupError):
    """The data directory holds no city yet (or not the part asked for)."""


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
