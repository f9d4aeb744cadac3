"""The exceptions spikesweep raises for bad input, each naming the key, file or row at fault."""

__all__ = ["ConfigError", "NetworkError"]


class ConfigError(ValueError):
    """A config value that is well-typed but makes no sense (names the key)."""


class NetworkError(ValueError):
    """A connectivity source that cannot be used (names the file, row or key)."""
