"""doctor's view of a gateway: does it exist as the stack says, and does inference pass through it.

A gateway edited by hand in the dashboard (rate limit raised, authentication turned on) is
silently overwritten only at the next ``pulumi up``; until then GPT Breeze gets what the dashboard
says. The check reads the gateway back and names every setting that differs, and the model
checks go through the gateway URL, exactly as GPT Breeze's requests do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from breeze_infra.cloudflare import ChatCompletion, CloudflareClient
from breeze_infra.config import StackConfig
from breeze_infra.endpoints import TOKEN_ENV, account_path
from breeze_infra.errors import CloudflareError
from breeze_infra.gateway import GATEWAY_FIELDS, gateway_ids, gateway_inputs, gateway_root
from breeze_infra.messages import short

if TYPE_CHECKING:
    from breeze_infra.doctor._report import Check

GATEWAY_PERMISSION = "AI Gateway Read"
MANAGEMENT_TOKEN_ENV = TOKEN_ENV
"""The token that reads gateways: the deploying or reporting token, never the deployed key."""
COMPARED = tuple(field.name for field in GATEWAY_FIELDS)
"""The settings breeze-infra manages and a person may change by hand: every one it sets."""


@dataclass(frozen=True)
class GatewayTarget:
    """The gateway a consumer's traffic should pass, with the settings it should have."""

    account_id: str
    gateway_id: str
    intended: Mapping[str, Any]

    @property
    def path(self) -> str:
        return f"{account_path(self.account_id)}/ai-gateway/gateways/{self.gateway_id}"

    def inference_path(self) -> str:
        return f"/{self.account_id}/{self.gateway_id}/workers-ai/v1/chat/completions"


def gateway_target(config: StackConfig, stack: str, consumer: str | None) -> GatewayTarget | None:
    """None when the stack has no gateway (or this consumer has none)."""
    ids = gateway_ids(config, stack)
    gateway = ids.get(consumer) or (next(iter(ids.values()), None) if consumer is None else None)
    if gateway is None or config.gateway is None:
        return None
    intended = gateway_inputs(config.account_id, gateway, config.gateway)
    return GatewayTarget(config.account_id, gateway, {k: intended[k] for k in COMPARED})


def differences(intended: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """``key: want X, found Y`` for each managed setting that differs (absent counts as off).

    Objects (spend limits, DLP) match when every part breeze-infra sets is there as set; parts
    Cloudflare adds (a rule's id, its defaults) are not differences.
    """
    found = []
    for key in COMPARED:
        want, have = intended.get(key), actual.get(key)
        if not _same(want, have):
            found.append(f"{key}: want {want!r}, found {have!r}")
    return found


def _same(want: Any, have: Any) -> bool:
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(_same(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(_same(w, h) for w, h in zip(want, have, strict=True))
        )
    if isinstance(have, Mapping) and not have.get("enabled"):
        have = None  # a disabled object is off, as an absent one
    if isinstance(want, str) and isinstance(have, str):
        return want.lower() == have.lower()  # the API takes these case-insensitively
    return bool(_normal(want) == _normal(have))


def _normal(value: Any) -> Any:
    if value is None or value is False:
        return 0
    if isinstance(value, bool):
        return 1
    return value


async def check_gateway(client: CloudflareClient, target: GatewayTarget) -> Check:
    """The gateway exists, and with the settings the stack file gives it."""
    from breeze_infra.doctor._report import Check

    token = os.environ.get(MANAGEMENT_TOKEN_ENV, "").strip()
    if not token:
        return Check(
            "gateway",
            "skip",
            f"{target.gateway_id}: settings not read; set {MANAGEMENT_TOKEN_ENV} to a token with "
            f"{GATEWAY_PERMISSION} (the deployed key cannot read gateways)",
        )
    try:
        async with client.with_base_url(client.base_url, token=token) as reader:
            actual = await reader.get(target.path, permission_hint=GATEWAY_PERMISSION)
    except ValueError as exc:
        return Check("gateway", "fail", f"{MANAGEMENT_TOKEN_ENV}: {exc}")
    except CloudflareError as exc:
        if exc.status == 404:
            return Check(
                "gateway",
                "fail",
                f"{target.gateway_id} does not exist: run `pulumi up` to create it (keys handed "
                "out use its URL and fail until then)",
            )
        return Check("gateway", "fail", str(exc))
    if not isinstance(actual, dict):
        return Check("gateway", "fail", "the gateway read back is not an object")
    changed = differences(target.intended, actual)
    if changed:
        return Check(
            "gateway",
            "fail",
            short(
                f"{target.gateway_id} was changed outside breeze-infra ({'; '.join(changed)}); "
                "run `pulumi up` to restore it, or change breeze-infra:gateway to match",
                400,
            ),
        )
    return Check(
        "gateway",
        "ok",
        f"{target.gateway_id}: rate limit {target.intended['rate_limiting_limit']} per "
        f"{target.intended['rate_limiting_interval']} s, no authentication",
    )


async def gateway_inference(
    client: CloudflareClient, target: GatewayTarget, body: Mapping[str, Any]
) -> ChatCompletion:
    """One chat completion through the gateway host, with the client's retries and redaction."""
    async with client.with_base_url(gateway_root()) as via:
        return await via.post_chat_completion(target.inference_path(), body)
