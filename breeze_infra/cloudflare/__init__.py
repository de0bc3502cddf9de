"""The Cloudflare v4 API and Workers AI's OpenAI-compatible endpoints, as breeze-infra uses them.

One public surface over private modules, each small enough to read at once:

- ``_settings``: the API root, the time and retry budget, TLS;
- ``_envelope``: answers parsed into envelopes, completions or failures, token redacted;
- ``_classify``: the table of rules from Cloudflare's codes and statuses to an exception that
  says what a person should do (the exceptions themselves are ``breeze_infra.errors``, which
  imports no HTTP library, so reporting code can name them cheaply);
- ``_retry``: which failures are retried, and the waits (full jitter, ``Retry-After``);
- ``_pagination``: following ``result_info`` across pages;
- ``_client``: :class:`CloudflareClient`, tying them together;
- ``_session``: what every command that calls Cloudflare shares: the bootstrap token from the
  environment, one ``--timeout`` turned into per-call limits, and the budget-bounded run.

Importing this package imports httpx (about 0.1 s): offline code paths import
``breeze_infra.errors`` instead, or this package inside the function that needs it.
"""

from __future__ import annotations

from breeze_infra.cloudflare._client import CloudflareClient
from breeze_infra.cloudflare._envelope import ChatCompletion, Envelope, ResultInfo
from breeze_infra.cloudflare._session import (
    bootstrap_token,
    client_settings,
    failure_line,
    open_client,
    run_bounded,
)
from breeze_infra.cloudflare._settings import ClientSettings, inference_base_url
from breeze_infra.endpoints import BASE_URL_ENV, DEFAULT_API_ROOT, api_root
from breeze_infra.errors import (
    AccountNotFoundError,
    ApiError,
    ApiMessage,
    AuthenticationError,
    CloudflareError,
    DailyAllocationExhaustedError,
    LicenceRequiredError,
    MalformedResponseError,
    ModelNotFoundError,
    NetworkError,
    RateLimitedError,
    ServerError,
)

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_API_ROOT",
    "AccountNotFoundError",
    "ApiError",
    "ApiMessage",
    "AuthenticationError",
    "ChatCompletion",
    "ClientSettings",
    "CloudflareClient",
    "CloudflareError",
    "DailyAllocationExhaustedError",
    "Envelope",
    "LicenceRequiredError",
    "MalformedResponseError",
    "ModelNotFoundError",
    "NetworkError",
    "RateLimitedError",
    "ResultInfo",
    "ServerError",
    "api_root",
    "bootstrap_token",
    "client_settings",
    "failure_line",
    "inference_base_url",
    "open_client",
    "run_bounded",
]
