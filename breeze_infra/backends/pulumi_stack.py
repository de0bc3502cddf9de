"""The default secrets home: the stack's own outputs, ``baseUrl`` and ``apiKey`` (a secret)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pulumi

PROJECT = "breeze-infra"


@dataclass(frozen=True)
class PulumiStackBackend:
    """Nothing to register: the program exports ``apiKey`` as a secret stack output.

    Read it with ``pulumi stack output apiKey --show-secrets --stack <stack>``.
    """

    output: str = "apiKey"

    def reference(self, stack: str) -> str:
        return f"pulumi-stack://{PROJECT}/{stack}/outputs/{self.output}"

    def write(
        self,
        stack: str,
        base_url: str,
        api_key: pulumi.Output[str],
        parent: pulumi.Resource,
    ) -> str:
        del base_url, api_key, parent
        return self.reference(stack)
