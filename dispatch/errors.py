"""Domain errors; the web app and the command line turn them into answers."""

from routes.errors import ValidationError

__all__ = ["ValidationError", "NotBuiltError"]


class NotBuiltError(LookupError):
    """The data directory holds no city yet (or not the part asked for)."""
