"""Where Cloudflare lives, and every environment variable breeze-infra reads: their one home.

The manifest (offline, no httpx) and the HTTP client both need the OpenAI-compatible base URL, and
they must agree on it to the character, so both build it here. This module imports nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_API_ROOT",
    "DEFAULT_GATEWAY_ROOT",
    "GATEWAY_ROOT_ENV",
    "KEY_ENV",
    "NOW_ENV",
    "SANDBOX_DIR_ENV",
    "SANDBOX_PROJECT_ENV",
    "SANDBOX_ROOT_ENV",
    "STACK_ENV",
    "TOKEN_ENV",
    "account_path",
    "api_root",
    "workers_ai_base_url",
]

DEFAULT_API_ROOT: Final = "https://api.cloudflare.com/client/v4"
BASE_URL_ENV: Final = "CLOUDFLARE_BASE_URL"
TOKEN_ENV: Final = "CLOUDFLARE_API_TOKEN"
"""The bootstrap token, as Cloudflare's own SDK and provider read it."""
DEFAULT_GATEWAY_ROOT: Final = "https://gateway.ai.cloudflare.com/v1"
"""AI Gateway's host, where a gateway's OpenAI-compatible URL lives."""
GATEWAY_ROOT_ENV: Final = "CLOUDFLARE_AI_GATEWAY_BASE_URL"
KEY_ENV: Final = "BREEZE_API_KEY"
"""The deployed key doctor checks when no stack outputs hold it."""
NOW_ENV: Final = "BREEZE_NOW"
"""The clock, pinned (RFC 3339): the same config and clock give the same resources."""
STACK_ENV: Final = "PULUMI_STACK"
SANDBOX_ROOT_ENV: Final = "BREEZE_SANDBOX_ROOT"
"""The checkout a sandbox serves: its Pulumi.yaml is read from the sandbox's copy instead."""
SANDBOX_PROJECT_ENV: Final = "BREEZE_SANDBOX_PROJECT"
"""The sandbox's copy of Pulumi.yaml and stacks/, where its stacks, config and salts live."""
SANDBOX_DIR_ENV: Final = "BREEZE_SANDBOX_DIR"
"""The sandbox's folder (``--dir``), whose lock says whether it is running."""


def api_root(environ: Mapping[str, str] | None = None) -> str:
    """The v4 API root, which tests and proxies redirect through CLOUDFLARE_BASE_URL.

    It is the variable Cloudflare's own SDK reads, so one setting moves every tool at once.
    """
    env = os.environ if environ is None else environ
    value = env.get(BASE_URL_ENV, "").strip()
    return (value or DEFAULT_API_ROOT).rstrip("/")


def account_path(account_id: str) -> str:
    if not account_id:
        raise ValueError("account id is empty: set breeze-infra:accountId")
    return f"/accounts/{quote(account_id, safe='')}"


def workers_ai_base_url(account_id: str, root: str = DEFAULT_API_ROOT) -> str:
    """The OpenAI-compatible base URL GPT Breeze's 'Custom' provider needs, account id filled in.

    Manifests always pass the real root: they are read by GPT Breeze, never by the test emulator.
    """
    return f"{root.rstrip('/')}{account_path(account_id)}/ai/v1"
