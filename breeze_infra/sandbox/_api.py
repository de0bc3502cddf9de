"""The fake cloudflare provider's calls to the emulator's v4 API: one request, its envelope read.

Shared by the fake's token and gateway resources (``cloudflare.py``, ``cloudflare_gateway.py``),
so neither imports the other. It only ever calls ``CLOUDFLARE_BASE_URL``, never the real API.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from breeze_infra.endpoints import BASE_URL_ENV, TOKEN_ENV

__all__ = ["CloudflareAnswer", "call_api"]


class CloudflareAnswer(Exception):
    """The emulator refused a request: the message quotes its errors, never a token."""


def _client(config: Mapping[str, str]) -> httpx.Client:
    root = os.environ.get(BASE_URL_ENV, "").strip().rstrip("/")
    if not root:
        raise CloudflareAnswer(
            f"the sandbox's fake cloudflare provider needs {BASE_URL_ENV} (the emulator's API root); "
            "it never calls the real Cloudflare"
        )
    token = config.get("apiToken") or os.environ.get(TOKEN_ENV, "")
    if not token:
        raise CloudflareAnswer(f"no bootstrap token: set cloudflare:apiToken or {TOKEN_ENV}")
    return httpx.Client(base_url=root, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)


def call_api(
    config: Mapping[str, str],
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
    missing_ok: bool = False,
) -> Any:
    with _client(config) as client:
        answer = client.request(method, path, json=body, params=params)
    if missing_ok and answer.status_code == 404:
        return None
    try:
        envelope = answer.json()
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or not envelope.get("success"):
        # As the real provider reports it: cloudflare-go v4's apierror.Error()
        # (internal/apierror/apierror.go): METHOD "URL": STATUS Reason BODY.
        reason = answer.reason_phrase or ""
        raw = answer.text[:2000]
        raise CloudflareAnswer(
            f'{method} "{answer.request.url}": {answer.status_code} {reason} {raw}'
        )
    return envelope.get("result")
