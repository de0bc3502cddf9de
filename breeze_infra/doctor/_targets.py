"""What doctor checks, from the stack file and the stack's outputs, and with which key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from breeze_infra.config import StackConfig
from breeze_infra.doctor._gateway import GatewayTarget, gateway_target
from breeze_infra.endpoints import KEY_ENV, workers_ai_base_url
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.gateway import stack_base_url
from breeze_infra.messages import short
from breeze_infra.stack_outputs import EXPORT_HINT, is_key, manifest_at, outputs_object

Owner = Literal["account", "user"]


@dataclass(frozen=True)
class Target:
    """What doctor checks, gathered from the stack file and, when given, the stack's outputs."""

    stack: str
    source: str
    account_id: str
    owner: Owner
    rotation_days: int
    models: tuple[str, ...]
    token_id: str | None = None
    gateway: GatewayTarget | None = None


def target_from(
    config: StackConfig,
    stack: str,
    source: str,
    outputs: object | None = None,
    label: str = "outputs",
    consumer: str | None = None,
) -> Target:
    """The stack file says where and what; outputs add the deployed models and token id.

    Outputs of another stack (another account's base URL) are refused rather than half-used.
    """
    models = [m.id for m in config.models]
    token_id: str | None = None
    if outputs is not None:
        outputs = outputs_object(outputs, label)
        expected = workers_ai_base_url(config.account_id)
        through = stack_base_url(config, stack, consumer)
        urls: list[tuple[str, object]] = [("baseUrl", outputs.get("baseUrl"))]
        if outputs.get("manifest") is not None:
            manifest = manifest_at(outputs, label, ("manifest",))
            urls += [
                (f"manifest.credentials[{i}].baseUrl", c.base_url)
                for i, c in enumerate(manifest.credentials)
            ]
            models += [m.model_id for m in manifest.models if m.model_id not in models]
        for key, url in urls:
            if url is not None and url not in (expected, through):
                raise CommandError(
                    f"{label}: {key}: {short(str(url), 200)} is not the Workers AI URL of account "
                    f"{config.account_id}, which {source} names; are these another stack's "
                    "outputs?",
                    ExitCode.BAD_INPUT,
                )
        found_id = outputs.get("tokenId")
        token_id = found_id if isinstance(found_id, str) and found_id else None
    return Target(
        stack=stack,
        source=source,
        account_id=config.account_id,
        owner=config.token.owner,
        rotation_days=config.rotation_days_of(consumer),
        models=tuple(models),
        token_id=token_id,
        gateway=gateway_target(config, stack, consumer),
    )


def api_key(outputs: object | None, label: str, environ: Mapping[str, str]) -> str:
    """The deployed key: the outputs' ``apiKey`` when they carry it, else BREEZE_API_KEY."""
    if isinstance(outputs, dict):
        value = outputs.get("apiKey")
        if isinstance(value, str) and is_key(value):
            return value.strip()
    from_env = environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env
    if outputs is not None:
        raise CommandError(
            f"{label}: apiKey: missing or redacted; export the outputs with "
            f"{EXPORT_HINT}, or set {KEY_ENV}",
            ExitCode.BAD_INPUT,
        )
    raise CommandError(
        "breeze-infra doctor: no key to check; pass --from-outputs FILE (the JSON of "
        f"{EXPORT_HINT}) or set {KEY_ENV}",
        ExitCode.BAD_INPUT,
    )


def key_owner(key: str) -> Owner | None:
    """Who owns a key, when its published prefix tells (``cfat_`` account, ``cfut_`` user)."""
    if key.startswith("cfat_"):
        return "account"
    if key.startswith("cfut_"):
        return "user"
    return None
