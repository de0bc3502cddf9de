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

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pydantic import ConfigDict, ValidationError, field_validator

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
from breeze_infra.project import project_name_problem
from breeze_infra.rotation import (
    ClockError,
    RotationPlan,
    Slot,
    current_time,
    plan_rotation,
    timestamp,
    token_name,
)
from breeze_infra.stacks import stack_name_problem

if TYPE_CHECKING:
    import pulumi_cloudflare as cloudflare

TYPE_TOKEN = "breeze:index:WorkersAiToken"
Owner = Literal["account", "user"]


class ArgsError(pulumi.RunError, ValueError):
    """A component argument Cloudflare would refuse, said before anything is registered.

    A ``pulumi.RunError``, so ``pulumi up`` prints the message alone, without a traceback.
    """


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
    """The stack file's token rules, plus the keys a stack file holds elsewhere."""

    model_config = ConfigDict(loc_by_alias=False)

    account_id: AccountId
    consumer: ConsumerName | None = None
    stack: str
    project: str

    @field_validator("stack")
    @classmethod
    def _stack_name(cls, value: str) -> str:
        return _named(value, stack_name_problem(value))

    @field_validator("project")
    @classmethod
    def _project_name(cls, value: str) -> str:
        return _named(value, project_name_problem(value))


def _named(value: str, problem: str | None) -> str:
    """A name goes into every token's name: Pulumi's rule for it, or the value quoted back."""
    if problem is not None:
        raise ValueError(f"'{short(value)}' is {problem}")
    return value


def check_args(name: str, args: WorkersAiTokenArgs) -> tuple[_CheckedArgs, RotationPlan]:
    """The args as the config would have them, and the rotation plan; ArgsError otherwise."""
    source = f"WorkersAiToken '{name}'"
    values = {
        "account_id": args.account_id,
        "owner": args.owner,
        "permissions": _listed(args.permissions),
        "rotation_days": args.rotation_days,
        "allowed_cidrs": _listed(args.allowed_cidrs),
        "denied_cidrs": _listed(args.denied_cidrs),
        "generation": args.generation,
        "consumer": args.consumer,
        "stack": pulumi.get_stack() if args.stack is None else args.stack,
        "project": args.project,
    }
    try:
        checked = _CheckedArgs.model_validate(values, by_name=True, by_alias=False)
        plan = plan_rotation(args.now or current_time(), checked.rotation_days)
    except ValidationError as exc:
        raise ArgsError("\n".join(f"{source}: {problem}" for problem in problems(exc))) from None
    except (ClockError, ValueError) as exc:
        raise ArgsError(f"{source}: now: {exc}") from None
    longest = token_name_length(
        checked.stack, checked.consumer, checked.generation, checked.project
    )
    if longest > TOKEN_NAME_LIMIT:
        raise ArgsError(
            f"{source}: {'consumer' if checked.consumer else 'stack'}: token names would reach "
            f"{longest} characters; Cloudflare allows {TOKEN_NAME_LIMIT}"
        )
    return checked, plan


def _listed(value: Any) -> Any:
    """A sequence as the list the stack file would hold; a lone string stays one, to be refused."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value


def problems(exc: ValidationError, root: str = "") -> list[str]:
    """One ``key: message`` per problem, keys as Python spells them (``secrets[0].mount``); a
    value quoted back is shortened and never a token."""
    lines = []
    for error in exc.errors():
        key = root
        for part in error["loc"]:
            key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] not in _SELF_EXPLAINED and "input" in error:
            message += f" (got {short(json.dumps(error['input'], default=str))})"
        lines.append(f"{key}: {message}" if key else message)
    return lines


_SELF_EXPLAINED = frozenset(
    {
        "value_error",
        "missing",
        "entry_type",
        "backend_missing",
        "backend_unknown",
        "duplicate_target",
    }
)
"""Error kinds whose message already says what was given."""


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
        checked, plan = check_args(name, args)
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
