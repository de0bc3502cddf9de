"""Where Cloudflare lives: the API root and the Workers AI base URL built from it.

The manifest (offline, no httpx) and the HTTP client both need the OpenAI-compatible base URL, and
they must agree on it to the character, so both build it here. This module imports nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

__all__ = ["BASE_URL_ENV", "DEFAULT_API_ROOT", "account_path", "api_root", "workers_ai_base_url"]

DEFAULT_API_ROOT: Final = "https://api.cloudflare.com/client/v4"
BASE_URL_ENV: Final = "CLOUDFLARE_BASE_URL"


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
