"""Exceptions raised by the routing layer, built on the matching built-ins."""


class ValidationError(ValueError):
    """Input that cannot be planned; the message names the value and the fix."""


class NetworkError(RuntimeError):
    """A road network could not be built or loaded."""
