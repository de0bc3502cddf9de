"""The default home: the stack's own outputs ``baseUrl`` and ``apiKey`` (a secret).

Read it with ``pulumi stack output apiKey --show-secrets --stack <stack>``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from breeze_infra.backends.base import API_KEY, BASE_URL, Delivery, Entry

PROJECT = "breeze-infra"
"""The project's name when none is given (this repository's Pulumi.yaml)."""


class PulumiStackEntry(Entry):
    """The stack's own outputs: baseUrl and apiKey (a secret)."""

    registers: ClassVar[bool] = False

    backend: Literal["pulumi-stack"] = "pulumi-stack"

    def reference(self, stack: str, project: str = PROJECT) -> str:
        return f"pulumi-stack://{project}/{stack}/outputs/{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        if consumer is None:
            return (
                f"Pulumi stack outputs: pulumi stack output {API_KEY} --stack {stack} "
                "--show-secrets"
            )
        return (
            f"Pulumi stack outputs: pulumi stack output apiKeys --stack {stack} --show-secrets "
            f"--json, key {consumer}"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        return {BASE_URL: delivery.base_url, API_KEY: delivery.api_key}
