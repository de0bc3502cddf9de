"""A local Cloudflare API emulator for tests, benchmarks and the sandbox.

Cloudflare cannot be reached from CI, and mocking httpx would skip the parts that break in
practice (timeouts, dropped sockets, keep-alive reuse), so this is a real HTTP server on
127.0.0.1 speaking the v4 envelope and the error codes Cloudflare documents (the table in
``breeze_infra/cloudflare/_classify.py`` is the client's side of them). Tokens can be created,
listed, read, updated and deleted on the account and user paths, as the fake cloudflare provider
plugin does for the real Pulumi engine; ``token_events`` keeps the order of those writes. Faults
are scripted per path prefix and consumed one per request, which lets a test describe an exact
sequence such as "429, 503, then success".

Error codes marked "emulator-invented" have no documented Cloudflare equivalent; the client must
not key on them.

The modules: ``_wire`` (requests, answers, faults), ``_catalog`` (the models), ``_state`` (tokens
and what is shared under the lock), ``_routing`` and ``_router`` (route families and dispatch),
``_tokens`` and ``_models`` (the two families), ``_server`` (HTTP), ``_emulator`` (the object).
"""

from __future__ import annotations

from breeze_infra.sandbox.emulator._catalog import Model, default_catalog
from breeze_infra.sandbox.emulator._emulator import CloudflareEmulator
from breeze_infra.sandbox.emulator._state import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_TOKEN,
    PERMISSION_GROUPS,
    WORKERS_AI_READ_ID,
    WORKERS_AI_WRITE_ID,
    TokenEvent,
    TokenInfo,
)
from breeze_infra.sandbox.emulator._wire import API_PREFIX, Fault, RecordedRequest

__all__ = [
    "API_PREFIX",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_TOKEN",
    "PERMISSION_GROUPS",
    "WORKERS_AI_READ_ID",
    "WORKERS_AI_WRITE_ID",
    "CloudflareEmulator",
    "Fault",
    "Model",
    "RecordedRequest",
    "TokenEvent",
    "TokenInfo",
    "default_catalog",
]
