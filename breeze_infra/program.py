"""The Pulumi program: one environment's token, where its key goes, and its manifest.

``build`` returns the stack outputs instead of exporting them, so that ``synth`` and the tests run
the very same code under mocks and read what ``pulumi up`` would publish.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pulumi

from breeze_infra.backends.base import API_KEY, BASE_URL
from breeze_infra.config import ConfigError, StackConfig, config_warnings, load_settings
from breeze_infra.consumers import Audience, audience_manifest, audiences
from breeze_infra.project import ProjectError, find_install
from breeze_infra.resources.delivery import deliver
from breeze_infra.resources.gateway import provision_gateways
from breeze_infra.resources.token import WorkersAiToken, WorkersAiTokenArgs
from breeze_infra.rotation import ClockError, current_time, plan_rotation, timestamp
from breeze_infra.stacks import default_stacks_dir, display_path, stack_file


def config_source(stack: str) -> str:
    """Name errors after the stack file when there is one, as ``breeze-infra validate`` does."""
    try:
        path = stack_file(default_stacks_dir(), stack)
    except ConfigError:
        return f"stack '{stack}'"
    return display_path(path) if path.is_file() else f"stack '{stack}'"


def load_config(stack: str) -> StackConfig:
    """The config as the engine hands it to the program, through the reader the CLI uses.

    ``pulumi.Config`` can read a key but not list them; unknown keys must be seen to be rejected,
    so the runtime's config map (which ``pulumi.Config`` reads too) is walked here. The namespace
    is the project's name, whatever Pulumi.yaml calls it.
    """
    settings = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return load_settings(
        settings,
        namespace=pulumi.get_project(),
        source=config_source(stack),
        stack=stack,
        secret={key for key in settings if pulumi.runtime.is_config_secret(key)},
        install=find_install(),
    )


def build(now: datetime | None = None) -> dict[str, Any]:
    """Register the environment's resources and return its stack outputs.

    One clock for the whole run: every consumer's token rotates on the same windows.
    """
    stack = pulumi.get_stack()
    try:
        config = load_config(stack)
        now = now or current_time()
    except (ConfigError, ClockError, ProjectError) as exc:
        raise pulumi.RunError(str(exc)) from None
    for key, message in config_warnings(config):
        pulumi.log.warn(f"{key}: {message}")

    gateways = provision_gateways(config, stack)
    base_url = gateways.base_url(None)
    published = {
        audience.name: _provision(config, stack, audience, now, gateways.base_url(audience.name))
        for audience in audiences(config)
    }
    if None in published:
        return {"baseUrl": base_url, **published[None]}
    named = {str(name): out for name, out in published.items()}
    keys = {name: out.pop(API_KEY) for name, out in named.items() if API_KEY in out}
    result: dict[str, Any] = {
        "baseUrl": base_url,
        "consumers": {
            name: {**_without(out, BASE_URL), **gateways.own_base_url(name)}
            for name, out in named.items()
        },
    }
    if keys:
        result["apiKeys"] = pulumi.Output.secret(pulumi.Output.all(**keys))
    return result


def _provision(
    config: StackConfig,
    stack: str,
    audience: Audience,
    now: datetime,
    base_url: str,
) -> dict[str, Any]:
    """One consumer's token, its secret writes and its outputs (``apiKey`` among them when the
    stack's own outputs hold the key)."""
    settings = audience.token
    token = WorkersAiToken(
        audience.token_resource,
        WorkersAiTokenArgs(
            account_id=config.account_id,
            owner=settings.owner,
            permissions=settings.permissions,
            rotation_days=settings.rotation_days,
            allowed_cidrs=settings.allowed_cidrs,
            denied_cidrs=settings.denied_cidrs,
            generation=settings.generation,
            consumer=audience.name,
            stack=stack,
            now=now,
        ),
    )
    delivered = deliver(
        audience.secrets, stack, base_url, token.value, name=audience.delivery_resource
    )
    expires_on = plan_rotation(now, settings.rotation_days).current.expires_on
    manifest = audience_manifest(config, stack, audience, timestamp(expires_on))
    return {
        **delivered.stack_outputs,
        "apiKeyRef": audience.reference(stack),
        "tokenId": token.token_id,
        "tokenName": token.token_name,
        "expiresOn": token.expires_on,
        "manifest": manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def _without(outputs: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in outputs.items() if k != key}


def main() -> None:
    for name, value in build().items():
        pulumi.export(name, value)
