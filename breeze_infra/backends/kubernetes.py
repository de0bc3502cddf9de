"""Kubernetes: an Opaque Secret with the keys ``baseUrl`` and ``apiKey``.

Reference: ``k8s:<namespace>/<name>#apiKey``; pods read it with ``secretKeyRef`` (name, key apiKey).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from breeze_infra.backends.base import API_KEY, BASE_URL, CARD, Delivery, Entry
from breeze_infra.fields import TemplateMatches

_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
ObjectName = Annotated[
    str,
    TemplateMatches(
        rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*",
        "a Kubernetes object name (lowercase DNS subdomain)",
    ),
]
Namespace = Annotated[str, TemplateMatches(_LABEL, "a Kubernetes namespace (lowercase DNS label)")]


class KubernetesEntry(Entry):
    """An Opaque Kubernetes Secret with the keys baseUrl and apiKey."""

    package: ClassVar[str | None] = "pulumi_kubernetes"
    distribution: ClassVar[str] = "pulumi-kubernetes"
    requirement: ClassVar[str] = "pulumi-kubernetes>=4.34,<5"
    identity: ClassVar[tuple[str, ...]] = ("namespace", "name")

    backend: Literal["kubernetes"]
    name: ObjectName = Field(description="Secret name, e.g. 'workers-ai'.")
    namespace: Namespace = Field("default", description="Namespace of the Secret.")

    def reference(self, stack: str) -> str:
        return f"k8s:{self.namespace}/{self.name}#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        return (
            f"Kubernetes: namespace {self.namespace}, secret {self.name}, key {API_KEY} "
            f"(kubectl get secret {self.name} -n {self.namespace} "
            f"-o jsonpath='{{.data.{API_KEY}}}' | base64 -d)"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        import pulumi_kubernetes.core.v1 as core
        import pulumi_kubernetes.meta.v1 as meta

        core.Secret(
            delivery.name,
            metadata=meta.ObjectMetaArgs(
                name=self.name,
                namespace=self.namespace,
                labels={"app.kubernetes.io/managed-by": "breeze-infra"},
                annotations=None
                if delivery.note is None
                else {f"breeze-infra/{CARD}": delivery.note},
            ),
            type="Opaque",
            string_data={BASE_URL: delivery.base_url, API_KEY: delivery.api_key},
            opts=delivery.opts,
        )
        return {}
