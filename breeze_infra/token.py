"""The Workers AI token as Pulumi resources: two rotating slots under one component.

How each slot is replaced, never updated, when its window moves on: a token's secret is minted
only at creation, so an in-place update of its name or expiry would keep the old secret alive.
Both slots therefore replace on ``name`` and ``expiresOn``. The slot holding the previous window
ignores changes to its name, which carries the generation: bumping ``generation`` replaces only the
current token, and the previous one, which consumers may still hold, stays until it expires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_cloudflare as cloudflare

from breeze_infra import policy
from breeze_infra.config import TokenSettings
from breeze_infra.rotation import RotationPlan, Slot, timestamp, token_name

TYPE_TOKEN = "breeze:index:WorkersAiToken"


def lookup_permission_group_ids(
    account_id: str, owner: Literal["account", "user"], permissions: Sequence[policy.Permission]
) -> list[str]:
    """One look-up per permission group name (one or two per run), whatever the number of tokens.

    Plain (blocking) invokes: a missing group stops the program before any token is registered.
    """
    ids = []
    for name in policy.group_names(permissions):
        results: Sequence[
            cloudflare.outputs.GetAccountApiTokenPermissionGroupsListResultResult
            | cloudflare.outputs.GetApiTokenPermissionGroupsListResultResult
        ]
        if owner == "account":
            results = cloudflare.get_account_api_token_permission_groups_list(
                account_id=account_id, name=policy.name_filter(name)
            ).results
        else:
            results = cloudflare.get_api_token_permission_groups_list(
                name=policy.name_filter(name)
            ).results
        listing = [{"id": r.id, "name": r.name, "scopes": list(r.scopes)} for r in results]
        ids.append(policy.select_group_id(listing, name))
    return sorted(ids)


@dataclass(frozen=True)
class TokenSpec:
    """Everything a token's inputs derive from: same spec, same clock, same inputs."""

    account_id: str
    stack: str
    settings: TokenSettings
    permission_group_ids: Sequence[str]
    consumer: str | None = None


def slot_options(slot: Slot, parent: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        parent=parent,
        replace_on_changes=["name", "expiresOn"],
        ignore_changes=[] if slot.current else ["name"],
        additional_secret_outputs=["value"],
    )


class WorkersAiToken(pulumi.ComponentResource):
    """A scoped Workers AI token in two slots; its outputs are those of the current slot."""

    value: pulumi.Output[str]
    token_id: pulumi.Output[str]
    token_name: pulumi.Output[str]
    expires_on: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: TokenSpec,
        plan: RotationPlan,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        slots = {
            slot.name: self._slot(f"{name}-slot-{slot.name}", spec, slot)
            for slot in (plan.a, plan.b)
        }
        current = slots[plan.current.name]
        self.value = pulumi.Output.secret(current.value)
        self.token_id = current.id
        self.token_name = pulumi.Output.from_input(
            token_name(spec.stack, plan.current, spec.settings.generation, spec.consumer)
        )
        self.expires_on = pulumi.Output.from_input(timestamp(plan.current.expires_on))
        self.register_outputs(
            {
                "value": self.value,
                "tokenId": self.token_id,
                "tokenName": self.token_name,
                "expiresOn": self.expires_on,
            }
        )

    def _slot(
        self, resource_name: str, spec: TokenSpec, slot: Slot
    ) -> cloudflare.AccountToken | cloudflare.ApiToken:
        settings = spec.settings
        name = token_name(spec.stack, slot, settings.generation, spec.consumer)
        expires_on = timestamp(slot.expires_on)
        document = policy.policy_document(spec.account_id, spec.permission_group_ids)
        condition = policy.request_ip_condition(settings.allowed_cidrs, settings.denied_cidrs)
        opts = slot_options(slot, self)
        if settings.owner == "account":
            return cloudflare.AccountToken(
                resource_name,
                account_id=spec.account_id,
                name=name,
                expires_on=expires_on,
                policies=[
                    cloudflare.AccountTokenPolicyArgs(
                        effect=document["effect"],
                        permission_groups=[
                            cloudflare.AccountTokenPolicyPermissionGroupArgs(id=group["id"])
                            for group in document["permission_groups"]
                        ],
                        resources=document["resources"],
                    )
                ],
                condition=cloudflare.AccountTokenConditionArgs(
                    request_ip=cloudflare.AccountTokenConditionRequestIpArgs(
                        **condition["request_ip"]
                    )
                )
                if condition
                else None,
                opts=opts,
            )
        return cloudflare.ApiToken(
            resource_name,
            name=name,
            expires_on=expires_on,
            policies=[
                cloudflare.ApiTokenPolicyArgs(
                    effect=document["effect"],
                    permission_groups=[
                        cloudflare.ApiTokenPolicyPermissionGroupArgs(id=group["id"])
                        for group in document["permission_groups"]
                    ],
                    resources=document["resources"],
                )
            ],
            condition=cloudflare.ApiTokenConditionArgs(
                request_ip=cloudflare.ApiTokenConditionRequestIpArgs(**condition["request_ip"])
            )
            if condition
            else None,
            opts=opts,
        )
