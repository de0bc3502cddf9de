"""Who gets a token: each active consumer with the models, IP lists and secrets it resolves to.

A stack without ``consumers`` has one implicit consumer whose resources keep the names they had
before consumers existed (``workers-ai``, ``secrets``), so adding this feature never replaced a
deployed token. Pure: the program and the offline CLI resolve consumers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from breeze_infra.backends import Entry, PulumiStackEntry
from breeze_infra.config import Contact, ModelSpec, StackConfig, TokenSettings, consumer_cidrs
from breeze_infra.manifest import Manifest, build_manifest
from breeze_infra.messages import short


def component_names(consumer: str | None) -> tuple[str, str]:
    """The token and secrets-delivery components of a consumer (None: the implicit one)."""
    if consumer is None:
        return "workers-ai", "secrets"
    return f"workers-ai-{consumer}", f"secrets-{consumer}"


@dataclass(frozen=True)
class Audience:
    """One token's worth of configuration: the implicit consumer (``name`` None) or a named one."""

    name: str | None
    token: TokenSettings
    models: tuple[ModelSpec, ...]
    secrets: tuple[Entry, ...]
    project: str
    contact: Contact | None = None

    @property
    def token_resource(self) -> str:
        return component_names(self.name)[0]

    @property
    def delivery_resource(self) -> str:
        return component_names(self.name)[1]

    def reference(self, stack: str) -> str:
        """The manifest's apiKeyRef: where the primary entry keeps this consumer's key."""
        primary = self.secrets[0]
        if not isinstance(primary, PulumiStackEntry):
            return primary.reference(stack)
        own = primary.reference(stack, self.project)
        return own if self.name is None else own.removesuffix("/apiKey") + f"/apiKeys/{self.name}"


def audience_manifest(
    config: StackConfig, stack: str, audience: Audience, expires_on: str
) -> Manifest:
    """What one consumer imports into GPT Breeze; the program and the offline CLI agree on it."""
    return build_manifest(
        config,
        stack,
        api_key_ref=audience.reference(stack),
        expires_on=expires_on,
        models=audience.models,
        consumer=audience.name,
    )


def audiences(config: StackConfig) -> list[Audience]:
    """Active consumers in config order; revoked and removed ones get nothing."""
    if config.consumers is None:
        return [
            Audience(
                None, config.token, tuple(config.models), tuple(config.secrets), config.project
            )
        ]
    by_id = {model.id: model for model in config.models}
    result = []
    for consumer in config.consumers:
        if consumer.revoked:
            continue
        allowed, denied = consumer_cidrs(config, consumer)
        overrides = {
            "allowed_cidrs": allowed,
            "denied_cidrs": denied,
            "rotation_days": config.rotation_days_of(consumer.name),
        }
        models = (
            tuple(by_id[model_id] for model_id in consumer.models)
            if consumer.models
            else tuple(config.models)
        )
        result.append(
            Audience(
                consumer.name,
                config.token.model_copy(update=overrides),
                models,
                tuple(consumer.secrets or config.secrets),
                config.project,
                consumer.contact,
            )
        )
    return result


def find(config: StackConfig, name: str | None) -> Audience:
    """The audience a CLI ``--consumer`` names; None means the stack's only one."""
    active = audiences(config)
    known = ", ".join(a.name for a in active if a.name) or "none"
    if name is None:
        if config.consumers is not None:
            raise LookupError(
                f"this stack has consumers ({known}): name one with --consumer NAME, or check "
                "them all with --all-consumers"
            )
        return active[0]
    for audience in active:
        if audience.name == name:
            return audience
    raise LookupError(f"no active consumer '{short(str(name))}' (active: {known})")
