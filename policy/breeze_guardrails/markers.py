"""Secrets as policies see them: pulumi-policy strips the engine's secret markers before a policy
sees a value (its issue #241), so "is this value secret?" cannot be answered from stock
arguments. ``keep_secret_markers`` makes this process's pulumi-policy keep them, as ``Secret``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Secret
from pulumi_policy import deserialize as policy_deserialize
from pulumi_policy import policy as policy_runtime

from breeze_guardrails.rules import SECRET_SIG, SIG_KEY


def deserialize_keeping_secrets(
    props: Mapping[str, Any], proxy_secrets: bool = False
) -> dict[str, Any]:
    """pulumi-policy's property decoder, except that secrets stay marked as ``Secret``.

    Remediations (``proxy_secrets=True``) keep the stock behaviour, which already preserves them.
    """
    if proxy_secrets:
        decoded: dict[str, Any] = policy_deserialize.deserialize_properties(dict(props), True)
        return decoded
    return {key: _decode(value) for key, value in props.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return Secret(_decode(value.get("value")))
        if SIG_KEY in value:
            return policy_deserialize._deserialize_property(value)
        return {key: _decode(item) for key, item in value.items()}
    return value


def keep_secret_markers() -> None:
    """Make this process's pulumi-policy hand secrets to policies as ``Secret`` objects.

    Fails loudly if pulumi-policy no longer has the hook, rather than letting every secret input
    trip the plaintext rule.
    """
    if not callable(getattr(policy_runtime, "deserialize_properties", None)):
        raise RuntimeError(
            "pulumi_policy.policy.deserialize_properties is gone: breeze-infra's secret-aware "
            "plaintext rule needs updating for this pulumi-policy version"
        )
    policy_runtime.deserialize_properties = deserialize_keeping_secrets  # type: ignore[attr-defined]
