"""The AI Gateway as Pulumi resources: one ``cloudflare.AiGateway`` under a small component.

The only module that imports ``pulumi_cloudflare`` for gateways, so the config, the manifest and
the offline CLI stay fast. The gateway's inputs derive from the config alone: the same config
gives the same inputs, and no token depends on them, so turning the gateway on or off replaces
no token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from breeze_infra.backends.base import BASE_URL
from breeze_infra.config import GatewaySettings, StackConfig
from breeze_infra.gateway import gateway_ids, gateway_inputs, stack_base_url

TYPE_GATEWAY = "breeze:index:WorkersAiGateway"


class WorkersAiGateway(pulumi.ComponentResource):
    """One AI Gateway that a stack's (or one consumer's) Workers AI traffic goes through."""

    gateway_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        account_id: str,
        gateway: str,
        settings: GatewaySettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_GATEWAY, name, None, opts)
        inputs = {
            k: v for k, v in gateway_inputs(account_id, gateway, settings).items() if v is not None
        }
        resource = cloudflare.AiGateway(
            f"{name}-ai-gateway", opts=pulumi.ResourceOptions(parent=self), **inputs
        )
        self.gateway_id = resource.ai_gateway_id
        self.register_outputs({"gatewayId": self.gateway_id})


@dataclass(frozen=True)
class Gateways:
    """The base URL each audience's key is used with, and the gateways that serve it."""

    config: StackConfig
    stack: str
    components: Mapping[str, WorkersAiGateway]

    def base_url(self, consumer: str | None) -> str:
        return stack_base_url(self.config, self.stack, consumer)

    def own_base_url(self, consumer: str) -> dict[str, str]:
        """A consumer's ``baseUrl`` output when it has a gateway of its own; the stack-wide
        ``baseUrl`` serves every other consumer."""
        if self.config.gateway is None or not self.config.gateway.per_consumer:
            return {}
        return {BASE_URL: self.base_url(consumer)}


def component_name(gateway: str, config: StackConfig, stack: str) -> str:
    """``gateway`` for the stack's own, ``gateway-<consumer>`` for a consumer's."""
    settings = config.gateway
    if settings is None or not settings.per_consumer or config.consumers is None:
        return "gateway"
    owner = next(name for name, own in gateway_ids(config, stack).items() if own == gateway)
    return f"gateway-{owner}"


def provision_gateways(config: StackConfig, stack: str) -> Gateways:
    """Register the stack's gateways (none when the key is absent)."""
    components: dict[str, WorkersAiGateway] = {}
    if config.gateway is not None:
        for gateway in dict.fromkeys(gateway_ids(config, stack).values()):
            components[gateway] = WorkersAiGateway(
                component_name(gateway, config, stack), config.account_id, gateway, config.gateway
            )
    return Gateways(config, stack, components)
