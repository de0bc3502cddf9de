"""The Workers AI token as Pulumi resources: two rotating slots under one public component.

How each slot is replaced, never updated, when its window moves on: a token's secret is minted
only at creation, so an in-place update of its name or expiry would keep the old secret alive.
Both slots therefore replace on ``name`` and ``expiresOn``. The slot holding the previous window
ignores changes to its name, which carries the generation: bumping ``generation`` replaces only the
current token, and the previous one, which consumers may still hold, stays until it expires.

``pulumi_cloudflare`` is imported only when a token is built: the args are validated, and
``breeze_infra`` imported, without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import pulumi
from pydantic import ConfigDict, model_validator

from breeze_infra import permissions as token_policy
from breeze_infra.config import (
    TOKEN_NAME_LIMIT,
    AccountId,
    ConsumerName,
    TokenSettings,
    token_name_length,
)
from breeze_infra.endpoints import workers_ai_base_url
from breeze_infra.lookups import lookup_failure
from breeze_infra.messages import short
from breeze_infra.resources.args import ArgsError, Moment, ProjectName, StackName, checked
from breeze_infra.rotation import (
    ClockError,
    RotationPlan,
    Slot,
    current_time,
    plan_rotation,
    timestamp,
    token_name,
)

if TYPE_CHECKING:
    import pulumi_cloudflare as cloudflare

TYPE_TOKEN = "breeze:index:WorkersAiToken"
Owner = Literal["account", "user"]


@dataclass(frozen=True)
class WorkersAiTokenArgs:
    """What a token may do and how it rotates, with the stack file's defaults and rules.

    Every field is a plain value, not an ``Output``: the owner picks the resource type, the
    permissions are looked up before any token exists, and the rotation window decides which
    slot keeps its name; all three must be known when the component is created.
    """

    account_id: str
    owner: Owner = "account"
    permissions: Sequence[token_policy.Permission] = ("read",)
    rotation_days: int = 30
    allowed_cidrs: Sequence[str] = ()
    denied_cidrs: Sequence[str] = ()
    generation: int = 0
    consumer: str | None = None
    """Part of the token's name, so that one stack can hold a token per person, team or app."""
    stack: str | None = None
    """Part of the token's name; default ``pulumi.get_stack()``."""
    project: str = "breeze-infra"
    """The first word of the token's name. The program passes its project's name; the default
    keeps the names a team's own program already deployed (a new name replaces a token)."""
    now: datetime | None = None
    """The clock the rotation plan is cut from; default ``rotation.current_time()`` (which
    honours ``BREEZE_NOW``). Give every token of one run the same value."""


class _CheckedArgs(TokenSettings):
    """The stack file's token rules, plus the keys a stack file holds elsewhere; Python's types
    taken strictly (``resources.args``)."""

    model_config = ConfigDict(loc_by_alias=False, strict=True)

    account_id: AccountId
    consumer: ConsumerName | None = None
    stack: StackName
    project: ProjectName
    now: Moment | None = None

    @model_validator(mode="after")
    def _names_fit(self) -> _CheckedArgs:
        longest = token_name_length(self.stack, self.consumer, self.generation, self.project)
        if longest > TOKEN_NAME_LIMIT:
            raise ValueError(
                f"{'consumer' if self.consumer else 'stack'}: token names would reach {longest} "
                f"characters; Cloudflare allows {TOKEN_NAME_LIMIT}"
            )
        return self


def check_args(
    name: str, args: WorkersAiTokenArgs, opts: object = None
) -> tuple[_CheckedArgs, RotationPlan]:
    """The args as the config would have them, and the rotation plan; ArgsError otherwise."""
    checked_args = checked(
        "WorkersAiToken",
        name,
        args,
        WorkersAiTokenArgs,
        _CheckedArgs,
        {"stack": pulumi.get_stack()},
        opts,
    )
    source = f"WorkersAiToken '{short(name)}'"
    try:
        plan = plan_rotation(checked_args.now or current_time(), checked_args.rotation_days)
    except ClockError as exc:
        raise ArgsError(f"{source}: now: {exc}") from None
    return checked_args, plan


def slot_options(slot: Slot, parent: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        parent=parent,
        replace_on_changes=["name", "expiresOn"],
        ignore_changes=[] if slot.current else ["name"],
        additional_secret_outputs=["value"],
    )


@dataclass
class _Lookups:
    """Permission-group ids already looked up, for the deployment (resource monitor) in progress."""

    monitor: object = None
    ids: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def of(self, monitor: object) -> dict[tuple[str, str, str], str]:
        if self.monitor is not monitor:
            self.monitor, self.ids = monitor, {}
        return self.ids


_LOOKUPS = _Lookups()


def permission_group_ids(
    account_id: str, owner: Owner, permissions: Sequence[token_policy.Permission]
) -> list[str]:
    """One look-up per permission group name and deployment, however many tokens it holds.

    Plain (blocking) invokes: a missing group stops the program before any token is registered.
    Answers are kept for the deployment in progress (one resource monitor), never across two.
    """
    import pulumi_cloudflare as cloudflare

    known = _LOOKUPS.of(pulumi.runtime.settings.get_monitor())
    ids = []
    for name in token_policy.group_names(permissions):
        key = (owner, account_id if owner == "account" else "", name)
        if key not in known:
            results: Sequence[
                cloudflare.outputs.GetAccountApiTokenPermissionGroupsListResultResult
                | cloudflare.outputs.GetApiTokenPermissionGroupsListResultResult
            ]
            try:
                if owner == "account":
                    results = cloudflare.get_account_api_token_permission_groups_list(
                        account_id=account_id, name=token_policy.name_filter(name)
                    ).results
                else:
                    results = cloudflare.get_api_token_permission_groups_list(
                        name=token_policy.name_filter(name)
                    ).results
            except Exception as exc:  # the SDK raises a bare Exception for a failed invoke
                account_key = f"{pulumi.get_project()}:accountId"
                line = lookup_failure(
                    f"permission group {name!r}", account_key, account_id, owner, str(exc)
                )
                raise pulumi.RunError(line) from None
            listing = [{"id": r.id, "name": r.name, "scopes": list(r.scopes)} for r in results]
            known[key] = token_policy.select_group_id(listing, name)
        ids.append(known[key])
    return sorted(ids)


class WorkersAiToken(pulumi.ComponentResource):
    """A scoped Workers AI token in two rotating slots; its outputs are the current slot's.

    ``value`` is the key (a secret), ``base_url`` the OpenAI-compatible endpoint it opens.
    """

    value: pulumi.Output[str]
    token_id: pulumi.Output[str]
    token_name: pulumi.Output[str]
    expires_on: pulumi.Output[str]
    base_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: WorkersAiTokenArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        checked, plan = check_args(name, args, opts)
        try:
            group_ids = permission_group_ids(checked.account_id, checked.owner, checked.permissions)
        except token_policy.PermissionGroupError as exc:
            raise pulumi.RunError(str(exc)) from None
        super().__init__(TYPE_TOKEN, name, None, opts)
        slots = {
            slot.name: self._slot(f"{name}-slot-{slot.name}", checked, group_ids, slot)
            for slot in (plan.a, plan.b)
        }
        current = slots[plan.current.name]
        self.value = pulumi.Output.secret(current.value)
        self.token_id = current.id
        self.token_name = pulumi.Output.from_input(
            token_name(
                checked.stack, plan.current, checked.generation, checked.consumer, checked.project
            )
        )
        self.expires_on = pulumi.Output.from_input(timestamp(plan.current.expires_on))
        self.base_url = pulumi.Output.from_input(workers_ai_base_url(checked.account_id))
        self.register_outputs(
            {
                "value": self.value,
                "tokenId": self.token_id,
                "tokenName": self.token_name,
                "expiresOn": self.expires_on,
                "baseUrl": self.base_url,
            }
        )

    def _slot(
        self, resource_name: str, checked: _CheckedArgs, group_ids: Sequence[str], slot: Slot
    ) -> cloudflare.AccountToken | cloudflare.ApiToken:
        sdk = _token_sdk(checked.owner)
        document = token_policy.policy_document(checked.account_id, group_ids)
        condition = token_policy.request_ip_condition(checked.allowed_cidrs, checked.denied_cidrs)
        account = {"account_id": checked.account_id} if checked.owner == "account" else {}
        return sdk.token(
            resource_name,
            **account,
            name=token_name(
                checked.stack, slot, checked.generation, checked.consumer, checked.project
            ),
            expires_on=timestamp(slot.expires_on),
            policies=[
                sdk.policy(
                    effect=document["effect"],
                    permission_groups=[
                        sdk.permission_group(id=group["id"])
                        for group in document["permission_groups"]
                    ],
                    resources=document["resources"],
                )
            ],
            condition=sdk.condition(request_ip=sdk.request_ip(**condition["request_ip"]))
            if condition
            else None,
            opts=slot_options(slot, self),
        )


@dataclass(frozen=True)
class _TokenSdk:
    """The SDK classes of one token owner: the account and user APIs take the same fields,
    bar the account id."""

    token: Callable[..., cloudflare.AccountToken | cloudflare.ApiToken]
    policy: Callable[..., object]
    permission_group: Callable[..., object]
    condition: Callable[..., object]
    request_ip: Callable[..., object]


def _token_sdk(owner: Owner) -> _TokenSdk:
    import pulumi_cloudflare as cloudflare

    if owner == "account":
        return _TokenSdk(
            cloudflare.AccountToken,
            cloudflare.AccountTokenPolicyArgs,
            cloudflare.AccountTokenPolicyPermissionGroupArgs,
            cloudflare.AccountTokenConditionArgs,
            cloudflare.AccountTokenConditionRequestIpArgs,
        )
    return _TokenSdk(
        cloudflare.ApiToken,
        cloudflare.ApiTokenPolicyArgs,
        cloudflare.ApiTokenPolicyPermissionGroupArgs,
        cloudflare.ApiTokenConditionArgs,
        cloudflare.ApiTokenConditionRequestIpArgs,
    )
