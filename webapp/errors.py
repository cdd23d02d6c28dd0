"""One place that turns errors into answers: JSON for the API, a page for people."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from shapely.geometry import mapping
from werkzeug.exceptions import HTTPException

from dispatch.errors import (
    ConflictError,
    FieldErrors,
    NotBuiltError,
    NotFoundError,
    QueueUnavailable,
    TooManyJobs,
    ValidationError,
)
from webapp.i18n import translate


def error_response(status: int, message: str, fields: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
                   **extra: Any):
    """``{"error": {"message": ..., "fields": {...}}}`` for the API, a page elsewhere."""
    if request.path.startswith("/api/"):
        return {"error": {"message": message, "fields": fields or {}, **extra}}, status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers; an unexpected exception never shows its text."""

    @app.errorhandler(FieldErrors)
    def _fields(exc: FieldErrors):  # type: ignore[no-untyped-def]
        """Each field's message; a repaired shape offered in place of an invalid one."""
        repaired = {name: mapping(shape) for name, shape in exc.repaired.items()}
        return error_response(400, "请修改标出的项 Please correct: " + str(exc), exc.fields,
                              **({"repaired": repaired} if repaired else {}))

    @app.errorhandler(NotFoundError)
    def _not_found(exc: NotFoundError):  # type: ignore[no-untyped-def]
        return error_response(404, str(exc))

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):  # type: ignore[no-untyped-def]
        return error_response(400, str(exc), getattr(exc, "fields", None))

    @app.errorhandler(NotBuiltError)
    def _not_built(exc: NotBuiltError):  # type: ignore[no-untyped-def]
        return error_response(404, str(exc))

    @app.errorhandler(ConflictError)
    def _conflict(exc: ConflictError):  # type: ignore[no-untyped-def]
        """Someone else got there first (a plan of the night is being made ...): 409."""
        return error_response(409, translate(str(exc)))

    @app.errorhandler(QueueUnavailable)
    def _queue_down(exc: QueueUnavailable):  # type: ignore[no-untyped-def]
        return error_response(503, translate(exc.message, **exc.values))

    @app.errorhandler(TooManyJobs)
    def _too_many(exc: TooManyJobs):  # type: ignore[no-untyped-def]
        return error_response(429, translate(exc.message, **exc.values))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "内部错误 Internal error; the server log has the details")
