"""The Pulumi program: one environment's token, where its key goes, and its manifest.

``build`` returns the stack outputs instead of exporting them, so that ``synth`` and the tests run
the very same code under mocks and read what ``pulumi up`` would publish.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pulumi

from breeze_infra.backends.base import API_KEY, BASE_URL
from breeze_infra.backends.delivery import deliver
from breeze_infra.config import (
    NAMESPACE,
    ConfigError,
    StackConfig,
    config_warnings,
    decode_pulumi_values,
    parse_config,
)
from breeze_infra.consumers import audiences
from breeze_infra.manifest import build_manifest, workers_ai_base_url
from breeze_infra.policy import PermissionGroupError
from breeze_infra.rotation import ClockError, current_time, plan_rotation, timestamp
from breeze_infra.stacks import default_stacks_dir, display_path, stack_file
from breeze_infra.token import TokenSpec, WorkersAiToken, lookup_permission_group_ids


def config_source(stack: str) -> str:
    """Name errors after the stack file when there is one, as ``breeze-infra validate`` does."""
    try:
        path = stack_file(default_stacks_dir(), stack)
    except ConfigError:
        return f"stack '{stack}'"
    return display_path(path) if path.is_file() else f"stack '{stack}'"


def load_config(stack: str) -> StackConfig:
    """The namespace's keys as Pulumi hands them to the program, through the one shared validator.

    ``pulumi.Config`` can read a key but not list them; unknown keys must be seen to be rejected,
    so the runtime's config map (which ``pulumi.Config`` reads too) is walked here.
    """
    everything = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    values = {
        key.removeprefix(prefix): value
        for key, value in everything.items()
        if key.startswith(prefix)
    }
    return parse_config(decode_pulumi_values(values), config_source(stack), stack)


def build(now: datetime | None = None) -> dict[str, Any]:
    """Register the environment's resources and return its stack outputs."""
    stack = pulumi.get_stack()
    try:
        config = load_config(stack)
        plan = plan_rotation(now or current_time(), config.token.rotation_days)
        group_ids = lookup_permission_group_ids(
            config.account_id, config.token.owner, config.token.permissions
        )
    except (ConfigError, ClockError, PermissionGroupError) as exc:
        raise pulumi.RunError(str(exc)) from None
    for key, message in config_warnings(config):
        pulumi.log.warn(f"{key}: {message}")

    base_url = workers_ai_base_url(config.account_id)
    expires_on = timestamp(plan.current.expires_on)
    published: dict[str, dict[str, Any]] = {}
    keys: dict[str, Any] = {}
    for audience in audiences(config):
        token = WorkersAiToken(
            audience.token_resource,
            TokenSpec(config.account_id, stack, audience.token, group_ids, audience.name),
            plan,
        )
        delivered = deliver(
            audience.secrets, stack, base_url, token.value, name=audience.delivery_resource
        )
        reference = audience.reference(stack)
        manifest = build_manifest(
            config,
            stack,
            api_key_ref=reference,
            expires_on=expires_on,
            models=audience.models,
            consumer=audience.name,
        )
        outputs = {
            **delivered.stack_outputs,
            "apiKeyRef": reference,
            "tokenId": token.token_id,
            "tokenName": token.token_name,
            "expiresOn": token.expires_on,
            "manifest": manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        if audience.name is None:
            return {"baseUrl": base_url, **outputs}
        if API_KEY in outputs:
            keys[audience.name] = outputs.pop(API_KEY)
        outputs.pop(BASE_URL, None)
        published[audience.name] = outputs
    result: dict[str, Any] = {"baseUrl": base_url, "consumers": published}
    if keys:
        result["apiKeys"] = pulumi.Output.secret(pulumi.Output.all(**keys))
    return result


def main() -> None:
    for name, value in build().items():
        pulumi.export(name, value)
