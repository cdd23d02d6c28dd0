"""Domain errors; the web app and the command line turn them into answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from routes.errors import ValidationError

__all__ = ["ValidationError", "NotBuiltError", "FieldErrors", "NotFoundError", "FieldProblem",
           "FormError", "ConflictError", "Problem", "ImportProblems", "QueueUnavailable",
           "JobRefused", "TooManyJobs"]


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


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file: where, which field, what is wrong and what to do."""

    #: The row or feature as a person counts it (a CSV's line), or ``None`` for the file.
    number: int | None
    field: str
    message: str
    unit: str = "feature"

    def __str__(self) -> str:
        where = "file" if self.number is None else f"{self.unit} {self.number}"
        return f"{where}, {self.field}: {self.message}"


class ImportProblems(ValidationError):
    """An import refused as a whole; ``problems`` lists every bad row or feature."""

    def __init__(self, name: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{name}: 导入未执行，共 {len(self.problems)} 处问题 / nothing was "
                         f"imported, {len(self.problems)} problem(s); fix them and import the "
                         f"whole file again:\n{lines}")


class JobRefused(RuntimeError):
    """A search not queued; ``message`` is a key with ``{name}`` fields the web translates."""

    def __init__(self, message: str, **values: object) -> None:
        self.message = message
        self.values = {k: str(v) for k, v in values.items()}
        super().__init__(message.format(**self.values))


class QueueUnavailable(JobRefused):
    """The task queue cannot take a job now (its server is down or unreachable)."""


class TooManyJobs(JobRefused):
    """One person has as many searches waiting as they may; the next waits for one to end."""
