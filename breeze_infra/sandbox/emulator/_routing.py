"""How a request finds its answer: route families, each registered with a prefix and permissions.

A family is every call under ``/accounts/<id>/<prefix...>``: the token must hold one of its
``permissions`` (checked here, before the family sees the request), and its handler gets the
path parts after the prefix. Adding one (say AI Gateway's ``ai-gateway/...``) is a module with a
``ROUTES`` tuple and one line in :data:`breeze_infra.sandbox.emulator._router.ACCOUNT_ROUTES`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from breeze_infra.sandbox.emulator._state import State
    from breeze_infra.sandbox.emulator._wire import Answer, RecordedRequest

Handler = Callable[["State", "RecordedRequest", list[str]], "Answer | None"]
"""Answers a request given the path parts after the family's prefix; None for no such route."""


@dataclass(frozen=True)
class RouteFamily:
    """One family of account routes. ``permissions=None`` admits any request (the handler checks
    the token itself, as verify does); empty ``methods`` admits every method; ``exact`` wants the
    path to be the prefix itself."""

    prefix: tuple[str, ...]
    handle: Handler
    permissions: frozenset[str] | None
    methods: Collection[str] = field(default_factory=frozenset)
    exact: bool = False

    def matches(self, rest: list[str], method: str) -> bool:
        size = len(self.prefix)
        return (
            tuple(rest[:size]) == self.prefix
            and (not self.exact or len(rest) == size)
            and (not self.methods or method in self.methods)
        )
