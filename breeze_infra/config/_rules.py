"""The rules that span several keys of a stack, one small function each.

Each rule raises ``KeyedError`` naming the key a person should change; ``StackConfig`` runs them
in the order listed in ``STACK_RULES``, so the first broken rule is the one reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from breeze_infra.config._base import NAMESPACE
from breeze_infra.config._cidrs import unusable_cidrs
from breeze_infra.config._errors import KeyedError
from breeze_infra.config._gateway import gateway_problem
from breeze_infra.fields import look_alike

if TYPE_CHECKING:
    from breeze_infra.config._models import Consumer, StackConfig

IMPLICIT_CONSUMER = "default"
"""What ``{consumer}`` means in a stack without consumers."""
TOKEN_NAME_LIMIT = 120
TOKEN_QUOTA = {"account": 500, "user": 50}
"""Cloudflare's token quotas: per account for account tokens, per user for user tokens."""

Rule = Callable[["StackConfig", "str | None"], None]


def fill_placeholders(data: dict[str, Any], stack: str) -> dict[str, Any]:
    """Secrets entries are templates: each consumer gets them with its name filled in."""
    data = dict(data)
    templates = data.get("secrets")
    if isinstance(templates, list):
        data["secrets"] = _fill(templates, stack, IMPLICIT_CONSUMER)
    consumers = data.get("consumers")
    if isinstance(consumers, list):
        data["consumers"] = [_consumer_with_secrets(raw, templates, stack) for raw in consumers]
    return data


def models_distinct(config: StackConfig, stack: str | None) -> None:
    """Two models with one id, or with names a person cannot tell apart in a menu, are one."""
    ids: set[str] = set()
    labels: dict[str, str] = {}
    for index, model in enumerate(config.models):
        if model.id in ids:
            raise KeyedError(f"models[{index}].id", f"'{model.id}' is listed twice")
        earlier = labels.get(look_alike(model.label))
        if earlier is not None:
            alike = (
                ""
                if earlier == model.label
                else f" ('{earlier}': names differing only in case or look-alike characters "
                "count as one)"
            )
            raise KeyedError(
                f"models[{index}].displayName",
                f"display name '{model.label}' is already used by another model{alike}",
            )
        ids.add(model.id)
        labels[look_alike(model.label)] = model.label


def consumers_distinct(config: StackConfig, stack: str | None) -> None:
    """A consumer's name names its tokens, outputs and secret paths: it must be unique."""
    names: set[str] = set()
    for index, consumer in enumerate(config.consumers or ()):
        if consumer.name in names:
            raise KeyedError(f"consumers[{index}].name", f"'{consumer.name}' is listed twice")
        names.add(consumer.name)


def consumer_models_known(config: StackConfig, stack: str | None) -> None:
    """A consumer picks among the stack's models; it cannot add its own."""
    model_ids = {model.id for model in config.models}
    for index, consumer in enumerate(config.consumers or ()):
        for position, model_id in enumerate(consumer.models or ()):
            if model_id not in model_ids:
                raise KeyedError(
                    f"consumers[{index}].models[{position}]",
                    f"'{model_id}' is not one of this stack's models",
                )


def token_names_fit(config: StackConfig, stack: str | None) -> None:
    """Cloudflare refuses a token name over its limit, and the name holds stack and consumer."""
    if stack is None:
        return
    generation = config.token.generation
    if config.consumers is None:
        longest = token_name_length(stack, None, generation, config.project)
        if longest > TOKEN_NAME_LIMIT:
            raise KeyedError(
                "token",
                f"token names for stack '{stack}' would reach {longest} characters; "
                f"Cloudflare allows {TOKEN_NAME_LIMIT}: use a shorter stack name",
            )
        return
    for index, consumer in enumerate(config.consumers):
        longest = token_name_length(stack, consumer.name, generation, config.project)
        if longest > TOKEN_NAME_LIMIT:
            raise KeyedError(
                f"consumers[{index}].name",
                f"token names for '{consumer.name}' would reach {longest} characters; "
                f"Cloudflare allows {TOKEN_NAME_LIMIT}",
            )


def consumer_networks_usable(config: StackConfig, stack: str | None) -> None:
    """A consumer's own network lists replace the stack's: the result must still be usable."""
    for index, consumer in enumerate(config.consumers or ()):
        allowed, denied = consumer_cidrs(config, consumer)
        problem = unusable_cidrs(allowed, denied)
        if problem:
            raise KeyedError(f"consumers[{index}]", f"{problem} for its token")


def secret_targets_distinct(config: StackConfig, stack: str | None) -> None:
    """Two active consumers writing one target would overwrite each other's key."""
    writers: dict[tuple[str, tuple[str | None, ...]], str] = {}
    for index, consumer in enumerate(config.consumers or ()):
        if consumer.revoked:
            continue
        for position, entry in enumerate(consumer.secrets or ()):
            where = (entry.backend, entry.location)
            if entry.target and where in writers:
                raise KeyedError(
                    f"consumers[{index}].secrets[{position}]",
                    f"writes to the same {entry.backend} target '{entry.target}' as "
                    f"consumer '{writers[where]}'; put {{consumer}} in it",
                )
            writers[where] = consumer.name


def tokens_within_quota(config: StackConfig, stack: str | None) -> None:
    """Cloudflare stops minting at its quota, halfway through a deployment: refuse up front."""
    if config.consumers is None:
        return
    needed, quota = token_demand(config)
    if needed > quota:
        raise KeyedError(
            "consumers",
            f"{needed // 2} active consumers need {needed} tokens (two slots each); "
            f"Cloudflare allows {quota} {config.token.owner} tokens",
        )


def gateway_fits(config: StackConfig, stack: str | None) -> None:
    """A gateway per consumer counts against the plan's gateways; a shared one must not cache."""
    if config.gateway is None:
        return
    active = (
        None if config.consumers is None else [c.name for c in config.consumers if not c.revoked]
    )
    problem = gateway_problem(config.gateway, active)
    if problem:
        raise KeyedError(f"gateway.{problem[0]}", problem[1])


STACK_RULES: tuple[Rule, ...] = (
    models_distinct,
    consumers_distinct,
    consumer_models_known,
    token_names_fit,
    consumer_networks_usable,
    secret_targets_distinct,
    tokens_within_quota,
    gateway_fits,
)


def consumer_cidrs(
    config: StackConfig, consumer: Consumer
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The networks a consumer's token is scoped to: its own lists, else the stack's."""
    token = config.token
    allowed = token.allowed_cidrs if consumer.allowed_cidrs is None else consumer.allowed_cidrs
    denied = token.denied_cidrs if consumer.denied_cidrs is None else consumer.denied_cidrs
    return allowed, denied


def token_name_length(
    stack: str, consumer: str | None, generation: int, project: str = NAMESPACE
) -> int:
    """The longest name a slot's token can get (window numbers given seven digits)."""
    owner = f"{stack}/{consumer}" if consumer else stack
    return len(f"{project} {owner} slot-a w9999999 g{generation}")


def token_demand(config: StackConfig) -> tuple[int, int]:
    """Tokens the stack keeps alive, and the quota they count against."""
    active = 1 if config.consumers is None else sum(not c.revoked for c in config.consumers)
    return 2 * active, TOKEN_QUOTA[config.token.owner]


PLACEHOLDER_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
"""The account id of the committed stacks and the docs: well formed, and nobody's account."""


def config_warnings(config: StackConfig) -> list[tuple[str, str]]:
    """Problems that do not stop a deployment but should not surprise anyone."""
    needed, quota = token_demand(config)
    if needed == 0:
        return [
            (
                f"{config.project}:consumers",
                "no active consumer: pulumi up deletes every token and secret write of this stack",
            ),
        ]
    if needed > 0.8 * quota:
        return [
            (
                f"{config.project}:consumers",
                f"{needed} tokens use {needed * 100 // quota}% of Cloudflare's quota of {quota} "
                f"{config.token.owner} tokens (other tokens count too)",
            ),
        ]
    return []


def placeholder_account(config: StackConfig) -> list[tuple[str, str]]:
    """A warning when the account id is the docs' example (shown by ``pulumi up`` against
    Cloudflare itself; synth, the sandbox and the tests use it on purpose)."""
    if config.account_id != PLACEHOLDER_ACCOUNT_ID:
        return []
    return [
        (
            f"{config.project}:accountId",
            "the example account id of the docs (fine for synth and the sandbox): no "
            "Cloudflare account has it; put yours (the 32 hex characters in the dashboard URL) "
            "in the stack file",
        )
    ]


def _fill(value: Any, stack: str, consumer: str) -> Any:
    if isinstance(value, str):
        return value.replace("{stack}", stack).replace("{consumer}", consumer)
    if isinstance(value, list):
        return [_fill(item, stack, consumer) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, stack, consumer) for key, item in value.items()}
    return value


def own_secrets(written: Any) -> bool:
    """Whether a consumer, as written, has secrets entries of its own; one without gets the
    stack's (as copies, placeholders filled), so a problem in a copy is the template's."""
    return isinstance(written, Mapping) and written.get("secrets") is not None


def _consumer_with_secrets(raw: Any, templates: Any, stack: str) -> Any:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return raw
    own = raw.get("secrets", templates)
    if own is None:
        return raw
    return {**raw, "secrets": _fill(own, stack, raw["name"])}
