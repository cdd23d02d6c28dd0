"""One place that turns errors into answers: JSON for the API, a page for people."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from dispatch.errors import NotBuiltError, ValidationError


def error_response(status: int, message: str, fields: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """``{"error": {"message": ..., "fields": {...}}}`` for the API, a page elsewhere."""
    if request.path.startswith("/api/"):
        return {"error": {"message": message, "fields": fields or {}}}, status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers; an unexpected exception never shows its text."""

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):  # type: ignore[no-untyped-def]
        return error_response(400, str(exc), getattr(exc, "fields", None))

    @app.errorhandler(NotBuiltError)
    def _not_built(exc: NotBuiltError):  # type: ignore[no-untyped-def]
        return error_response(404, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "内部错误 Internal error; the server log has the details")
