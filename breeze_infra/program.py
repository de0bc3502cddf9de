"""The Pulumi program: one environment's token, where its key goes, and its manifest.

``build`` returns the stack outputs instead of exporting them, so that ``synth`` and the tests run
the very same code under mocks and read what ``pulumi up`` would publish.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pulumi

from breeze_infra.backends.base import API_KEY, BASE_URL
from breeze_infra.config import (
    ConfigError,
    StackConfig,
    config_warnings,
    load_settings,
    placeholder_account,
)
from breeze_infra.consumers import Audience, audience_manifest, audiences
from breeze_infra.endpoints import DEFAULT_API_ROOT, TOKEN_ENV, api_root
from breeze_infra.handover import build_card, render_markdown
from breeze_infra.project import ProjectError, check_project_name, find_install, find_project_file
from breeze_infra.resources.delivery import deliver
from breeze_infra.resources.gateway import provision_gateways
from breeze_infra.resources.token import WorkersAiToken, WorkersAiTokenArgs
from breeze_infra.rotation import ClockError, current_time, plan_rotation, timestamp
from breeze_infra.stacks import check_stack_name, default_stacks_dir, display_path, stack_file


def config_source(stack: str) -> str:
    """Name errors after the stack file when there is one, as ``breeze-infra validate`` does."""
    try:
        path = stack_file(default_stacks_dir(), stack)
    except ConfigError:
        return f"stack '{stack}'"
    return display_path(path) if path.is_file() else f"stack '{stack}'"


def check_names(project: str, stack: str) -> None:
    """The engine's project and stack names against Pulumi's rules, as the CLI checks them: the
    stack's name goes into every token's name and message, the project's into every key."""
    found = find_project_file()
    check_project_name(project, display_path(found) if found else "Pulumi.yaml")
    check_stack_name(stack)


def load_config(stack: str) -> StackConfig:
    """The config as the engine hands it to the program, through the reader the CLI uses.

    ``pulumi.Config`` can read a key but not list them; unknown keys must be seen to be rejected,
    so the runtime's config map (which ``pulumi.Config`` reads too) is walked here. The namespace
    is the project's name, whatever Pulumi.yaml calls it; both names are checked first.
    """
    check_names(pulumi.get_project(), stack)
    settings = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return load_settings(
        settings,
        namespace=pulumi.get_project(),
        source=config_source(stack),
        stack=stack,
        secret={key for key in settings if pulumi.runtime.is_config_secret(key)},
        install=find_install(),
    )


CATALOG_TIMEOUT = 30.0
"""Seconds the deploy's catalog check may take, retries included, before it gives up (a warning)."""


def check_catalog(config: StackConfig, stack: str, now: datetime) -> None:
    """The models against the account's Workers AI catalog, as ``validate --online`` checks them.

    A model GPT Breeze cannot use stops the run (its preview too) before any token is minted; when
    the catalog cannot be read (the bootstrap token lacks Workers AI Read), one warning says the
    models went unchecked and how to check them. Warnings are given in the run that publishes,
    not in the preview ``pulumi up`` runs first, so a deploy says each once. The answer only passes or stops the run: no resource input
    depends on it, so no diff does either.
    """
    from breeze_infra.online import check_for_deploy

    if api_root() == DEFAULT_API_ROOT:
        for key, message in placeholder_account(config):
            pulumi.log.warn(f"{key}: {message}")

    settings = pulumi.runtime.config.CONFIG.get()
    token = settings.get("cloudflare:apiToken") or os.environ.get(TOKEN_ENV, "")
    source = config_source(stack)
    if not token:
        if pulumi.runtime.is_dry_run():
            return
        pulumi.log.warn(
            f"{source}: the models were not checked against the Workers AI catalog: no bootstrap "
            f"token the program can read ({TOKEN_ENV} or cloudflare:apiToken); check them with "
            f"`breeze-infra validate --online --stack {stack}`"
        )
        return
    # The program runs inside the engine's event loop: the client gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        found = pool.submit(
            check_for_deploy,
            config,
            source=source,
            stack=stack,
            namespace=pulumi.get_project(),
            token=token,
            now=now,
            timeout=CATALOG_TIMEOUT,
        ).result()
    if not pulumi.runtime.is_dry_run():  # once per `pulumi up`: in the run that publishes
        for warning in found.warnings:
            pulumi.log.warn(warning)
    if found.errors:
        raise pulumi.RunError("\n".join(found.errors))


def build(now: datetime | None = None, *, catalog: bool = False) -> dict[str, Any]:
    """Register the environment's resources and return its stack outputs.

    One clock for the whole run: every consumer's token rotates on the same windows. ``catalog``
    checks the models online first (``pulumi up`` does; ``synth`` and the mocks run offline).
    """
    stack = pulumi.get_stack()
    try:
        config = load_config(stack)
        now = now or current_time()
    except (ConfigError, ClockError, ProjectError) as exc:
        raise pulumi.RunError(str(exc)) from None
    for key, message in config_warnings(config):
        pulumi.log.warn(f"{key}: {message}")
    if catalog:
        check_catalog(config, stack, now)

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
            project=pulumi.get_project(),
            now=now,
        ),
    )
    expires_on = plan_rotation(now, settings.rotation_days).current.expires_on
    manifest = audience_manifest(config, stack, audience, timestamp(expires_on))
    card = build_card(
        manifest, audience.secrets, rotation_days=settings.rotation_days, contact=audience.contact
    )
    delivered = deliver(
        audience.secrets,
        stack,
        base_url,
        token.value,
        name=audience.delivery_resource,
        note=render_markdown(card),
    )
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
    for name, value in build(catalog=True).items():
        pulumi.export(name, value)
