"""Readers that a package higher up the graph provides to one below it.

Dependencies run one way (README, Map of the code): a package never imports one that imports
it back. When a lower package must read a record that a higher one keeps, the lower one
declares the reader (``Provided``) and the higher one provides it where it defines the query
(``@reader.provide``); create_app imports every package, so the app always has them all.
Until a reader is provided it refuses to answer: guessing "nothing there" could let through
what the record forbids."""
from __future__ import annotations

from collections.abc import Callable


class Provided:
    def __init__(self, what: str, provider: str) -> None:
        self.what, self.provider = what, provider
        self._read: Callable | None = None

    def provide(self, read: Callable) -> Callable:
        """Provide the reader (a decorator)."""
        self._read = read
        return read

    def __call__(self, *args, **kwargs):
        if self._read is None:
            raise RuntimeError(f"nothing provides {self.what}: import loans.{self.provider} (create_app does)")
        return self._read(*args, **kwargs)
