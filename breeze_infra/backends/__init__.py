"""Where the base URL and the key are delivered: the seam every secrets backend plugs into.

A backend has two faces. ``reference`` is pure and offline: it tells a reader where the key lives
(the manifest's ``apiKeyRef``) without credentials. ``write`` runs inside the Pulumi program and
registers the resources that hold the values, children of ``parent``. Backends import their
provider SDK only inside ``write``, so choosing none costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from breeze_infra.backends.pulumi_stack import PulumiStackBackend
from breeze_infra.config import StackConfig

if TYPE_CHECKING:
    import pulumi


class SecretsBackend(Protocol):
    def reference(self, stack: str) -> str:
        """Where a reader finds the key; never the key itself."""
        ...

    def write(
        self,
        stack: str,
        base_url: str,
        api_key: pulumi.Output[str],
        parent: pulumi.Resource,
    ) -> str:
        """Store ``base_url`` and the secret ``api_key``; return the same string as ``reference``."""
        ...


def backends_for(config: StackConfig) -> Sequence[SecretsBackend]:
    """The stack's backends, primary first. Until others are configurable: the stack outputs."""
    del config
    return (PulumiStackBackend(),)


__all__ = ["PulumiStackBackend", "SecretsBackend", "backends_for"]
