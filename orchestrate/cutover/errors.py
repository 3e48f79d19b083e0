"""Errors the CLI reports as one clear line instead of a traceback."""


class CutoverError(Exception):
    """A failure the user can act on; its message is the whole story."""
